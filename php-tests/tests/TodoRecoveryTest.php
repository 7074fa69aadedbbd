<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Client;
use DingTalk\ConflictException;
use DingTalk\DuplicateException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\Todo;

/**
 * A create with a sourceId whose first attempt may have landed is resent; DingTalk answers the
 * resend "task exist" (or `lockError`). The task with that sourceId is then looked up and
 * returned only when it is this call's: every field a create sets is what this call set it to,
 * and no field it left unset is set there. A task that differs in any field is another's: a
 * DuplicateException carrying its id. One that cannot be told (not found, or a field this call
 * sent is not shown) is a ConflictException. A *first* attempt answered "task exist" met a task
 * this call did not make: a DuplicateException, with the id a lookup finds.
 */
final class TodoRecoveryTest extends TestCase
{
    private const UNION = 'union-boss';
    private const TASKS = '/v1.0/todo/users/union-boss/tasks';
    private const LOOKUP = '/v1.0/todo/users/union-boss/tasks/sources/order-1';

    private Client $client;
    private Todo $todos;

    protected function setUp(): void
    {
        parent::setUp();
        $this->client = $this->client();
        $this->todos = $this->client->todos();
    }

    private static function task(array $more = []): array
    {
        return $more + [
            'subject' => '报销审批',
            'sourceId' => 'order-1',
            'description' => 'd',
            'dueTime' => 1_893_553_445_678,
            'executorIds' => ['union-e2', 'union-e1'],
            'participantIds' => ['union-p1'],
            'detailUrl' => ['appUrl' => 'https://example.com/1'],
            'priority' => 20,
        ];
    }

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function lostAnswers(): iterable
    {
        yield 'dropped connection' => [['drop' => true]];
        yield 'HTML 502' => [['status' => 502, 'body' => '<html>Bad Gateway</html>']];
        yield '500 systemError' => [['status' => 500, 'code' => 'todo.taskCreate.systemError']];
        yield '429 busy' => [['status' => 429, 'code' => 'system.busy']];
    }

    /**
     * @dataProvider lostAnswers
     * @param array<string, mixed> $fault
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('lostAnswers')]
    public function testARetryToldTaskExistReturnsTheTaskTheLostAttemptMade(array $fault): void
    {
        // The first attempt creates the task, then its answer is lost.
        $this->emulator->faults([$fault + ['path' => self::TASKS, 'processed' => true]]);
        $task = $this->todos->create(self::UNION, self::task());

        $stored = $this->emulator->todos();
        $this->assertCount(1, $stored, 'one task');
        $this->assertSame($stored[0]['id'], $task['id'], 'the task the first attempt made');
        $this->assertSame('报销审批', $task['subject']);
        $this->assertSame(2, $this->emulator->requests(self::TASKS), 'resent once, answered "task exist"');
        $this->assertSame(1, $this->emulator->requests(self::LOOKUP), 'then looked up by sourceId');
    }

    public function testALockErrorIsRecoveredTheSameWay(): void
    {
        $this->emulator->faults([
            ['path' => self::TASKS, 'drop' => true, 'processed' => true],
            ['path' => self::TASKS, 'status' => 400, 'code' => 'todo.taskCreate.lockError'],
        ]);
        $task = $this->todos->create(self::UNION, self::task());
        $this->assertSame($this->emulator->todos()[0]['id'], $task['id']);
        $this->assertSame(1, $this->emulator->requests(self::LOOKUP));
    }

    /** @return iterable<string, array{0: array<string, mixed>, 1: list<string>, 2: string}> */
    public static function otherTasks(): iterable
    {
        // The other task, the fields this call leaves out, and the field named.
        yield 'another subject' => [['subject' => 'another task'], [], 'subject'];
        yield 'another dueTime' => [['dueTime' => 1_900_000_000_000], [], 'dueTime'];
        yield 'another executor' => [['executorIds' => ['union-e1']], [], 'executorIds'];
        yield 'another detailUrl' => [['detailUrl' => ['appUrl' => 'https://example.com/2']], [], 'detailUrl'];
        yield 'another priority' => [['priority' => 40], [], 'priority'];
        // Fields this call did not set that are set there: the task is not this call's either.
        yield 'a description this call did not set' => [[], ['description'], 'description'];
        yield 'executors this call did not set' => [[], ['executorIds'], 'executorIds'];
        yield 'a dueTime this call did not set' => [[], ['dueTime'], 'dueTime'];
        yield 'a detailUrl this call did not set' => [[], ['detailUrl'], 'detailUrl'];
        yield 'a priority this call did not set' => [[], ['priority'], 'priority'];
        yield 'another creator' => [['creatorId' => 'union-someone'], [], 'creatorId'];
        yield 'participants this call did not set' => [[], ['participantIds'], 'participantIds'];
    }

    /**
     * @dataProvider otherTasks
     * @param array<string, mixed> $other
     * @param list<string> $unset
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('otherTasks')]
    public function testAnotherTaskUnderTheSourceIdIsADuplicate(array $other, array $unset, string $field): void
    {
        $existing = $this->todos->create(self::UNION, self::task($other));
        $mine = array_diff_key(self::task(), array_flip($unset));
        // This call's first attempt fails without landing; its retry meets the other task.
        $this->emulator->faults([['path' => self::TASKS, 'status' => 502, 'body' => '<html>Bad Gateway</html>']]);
        $e = $this->throws(DuplicateException::class, fn () => $this->todos->create(self::UNION, $mine));

        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertSame($existing['id'], $e->getExistingId());
        $this->assertSame(400, $e->getCode(), 'DingTalk\'s answer to the retry');
        $this->assertSame('todo.taskCreate.paramError', $e->getErrorCode());
        $this->assertSame('task exist', $e->getErrmsg());
        $this->assertIsString($e->getRequestId());
        $this->assertStringContainsString("sourceId \"order-1\" belongs to another task (id {$existing['id']})", $e->getMessage());
        $this->assertStringContainsString("its {$field} is not what this call sent", $e->getMessage());
        $this->assertSame([$existing['id']], array_column($this->emulator->todos(), 'id'), 'nothing else was created');
    }

    public function testATaskThatMatchesButDoesNotShowASentFieldIsAConflict(): void
    {
        // The first attempt lands and its answer is lost; the lookup's answer lacks the
        // description this call sent: the task cannot be told to be this call's or another's.
        $shown = array_diff_key(self::task(), ['description' => true]) + [
            'id' => 'task-shown', 'creatorId' => self::UNION, 'done' => false,
            'participantIds' => ['union-p1', self::UNION, 'union-e2', 'union-e1'],
        ];
        $this->emulator->faults([
            ['path' => self::TASKS, 'drop' => true, 'processed' => true],
            ['path' => self::LOOKUP, 'status' => 200, 'body' => json_encode($shown)],
        ]);
        $e = $this->throws(ConflictException::class, fn () => $this->todos->create(self::UNION, self::task()));
        $this->assertStringContainsString('does not show the task\'s description', $e->getMessage());
        $this->assertStringContainsString('task-shown', $e->getMessage());
        $this->assertCount(1, $this->emulator->todos(), 'nothing else was created');
    }

    public function testANoLongerFoundTaskIsAConflictTooOutcomeUnknown(): void
    {
        $this->emulator->faults([
            ['path' => self::TASKS, 'status' => 502, 'body' => '<html>Bad Gateway</html>'],
            ['path' => self::TASKS, 'status' => 400, 'code' => 'todo.taskCreate.lockError', 'message' => 'lock error'],
        ]);
        $e = $this->throws(ConflictException::class, fn () => $this->todos->create(self::UNION, self::task()));
        $this->assertSame('todo.taskCreate.lockError', $e->getErrorCode());
        $this->assertStringContainsString('whether this task was created is unknown', $e->getMessage());
        $this->assertStringContainsString('findBySourceId()', $e->getMessage(), 'says what to do');
    }

    public function testMoreParticipantsThanSentStillMatch(): void
    {
        // DingTalk adds the creator and the executors to participantIds: still this call's task.
        $this->emulator->faults([['path' => self::TASKS, 'drop' => true, 'processed' => true]]);
        $task = $this->todos->create(self::UNION, self::task());
        $this->assertSame(['union-p1', 'union-boss', 'union-e2', 'union-e1'], $task['participantIds']);
    }

    public function testAFirstAttemptToldTaskExistIsADuplicateOfTheExistingTask(): void
    {
        // The second run of the same job: even an identical task is not this call's.
        $existing = $this->todos->create(self::UNION, self::task());
        $e = $this->throws(DuplicateException::class, fn () => $this->todos->create(self::UNION, self::task()));
        $this->assertSame([400, 'todo.taskCreate.paramError', 'task exist'], [$e->getCode(), $e->getErrorCode(), $e->getErrmsg()]);
        $this->assertSame($existing['id'], $e->getExistingId());
        $this->assertSame(1, $this->emulator->requests(self::LOOKUP), 'looked up for its id');
        $this->assertSame([$existing['id']], array_column($this->emulator->todos(), 'id'));
    }

    public function testAFirstAttemptToldTaskExistKeepsItsDuplicateWhenTheLookupFails(): void
    {
        $existing = $this->todos->create(self::UNION, self::task());
        $this->emulator->faults([['path' => self::LOOKUP, 'status' => 400, 'code' => 'todo.taskQuery.paramError', 'message' => 'boom']]);
        $e = $this->throws(DuplicateException::class, fn () => $this->todos->create(self::UNION, self::task()));
        $this->assertNull($e->getExistingId());
        $this->assertStringContainsString('its id could not be looked up', $e->getMessage());
        $this->assertSame([$existing['id']], array_column($this->emulator->todos(), 'id'));
    }

    public function testARetryAfterARefusedTokenToldTaskExistIsADuplicate(): void
    {
        // The refused attempt surely did not land: "task exist" then means another's task.
        $existing = $this->todos->create(self::UNION, self::task());
        $this->emulator->expireTokens();
        $e = $this->throws(DuplicateException::class, fn () => $this->todos->create(self::UNION, self::task()));
        $this->assertSame('task exist', $e->getErrmsg());
        $this->assertSame($existing['id'], $e->getExistingId());
        $this->assertSame(3, $this->emulator->requests(self::TASKS));
        $this->assertSame([$existing['id']], array_column($this->emulator->todos(), 'id'));
    }

    public function testAFirstAttemptToldLockErrorIsAPlainApiException(): void
    {
        $this->emulator->faults([['path' => self::TASKS, 'status' => 400, 'code' => 'todo.taskCreate.lockError']]);
        $e = $this->throws(ApiException::class, fn () => $this->todos->create(self::UNION, self::task()));
        $this->assertSame('todo.taskCreate.lockError', $e->getErrorCode());
        $this->assertSame(0, $this->emulator->requests(self::LOOKUP));
    }
}
