<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Client;
use DingTalk\NotFoundException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\Todo;
use DingTalk\TransportException;

/**
 * Every `DingTalk\Todo` method end to end against the emulator. What was stored there
 * (`/_emulator/todos`) proves the wire format: the emulator ignores unknown body fields, so a
 * field sent under another name (snake_case) would be missing; it reads `operatorId` only from
 * the query string (and refuses it in a body), so `modifierId` proves where it went; it answers
 * an unencoded `/` in an id with a 404.
 */
final class TodoTest extends TestCase
{
    private const CREATOR = 'union-boss';
    private const URL = ['appUrl' => 'https://example.com/t', 'pcUrl' => 'https://example.com/t?pc=1'];

    private Client $client;
    private Todo $todos;

    protected function setUp(): void
    {
        parent::setUp();
        $this->client = $this->client();
        $this->todos = $this->client->todos();
    }

    /** The one stored task with id `$id`. */
    private function stored(string $id): array
    {
        $found = array_values(array_filter($this->emulator->todos(), fn (array $t) => $t['id'] === $id));
        $this->assertCount(1, $found, "task {$id} is stored once");
        return $found[0];
    }

    /** Asserts `$actual` has each field of `$expected` with exactly its value (other fields may follow). */
    private function assertFields(array $expected, array $actual, string $message = ''): void
    {
        $picked = [];
        foreach (array_keys($expected) as $key) {
            $picked[$key] = array_key_exists($key, $actual) ? $actual[$key] : '(missing)';
        }
        $this->assertSame($expected, $picked, $message);
    }

    /** A task that the list shows (it has a detailUrl). */
    private function listed(string $subject, array $more = []): array
    {
        return $this->todos->create(self::CREATOR, ['subject' => $subject, 'detailUrl' => self::URL] + $more);
    }

    public function testConstantsAreDingTalksPriorities(): void
    {
        $this->assertSame([10, 20, 30, 40], [Todo::PRIORITY_LOW, Todo::PRIORITY_NORMAL, Todo::PRIORITY_HIGH, Todo::PRIORITY_URGENT]);
    }

    public function testTheConstructorGivesTheSameApiAsTodos(): void
    {
        $task = (new Todo($this->client))->create(self::CREATOR, ['subject' => 's']);
        $this->assertSame($task['id'], $this->todos->get(self::CREATOR, $task['id'])['id']);
    }

    public function testCreateSendsEveryFieldUnderDingTalksName(): void
    {
        $task = $this->todos->create(self::CREATOR, [
            'subject' => '报销审批: 差旅费',
            'description' => '请在周五前审批',
            'dueTime' => 1_893_553_445_678,
            'executorIds' => ['union-e1', 'union-e2'],
            'participantIds' => ['union-p1'],
            'detailUrl' => self::URL,
            'sourceId' => 'expense-42',
            'priority' => Todo::PRIORITY_URGENT,
            'isOnlyShowExecutor' => true,
            'notifyConfigs' => ['dingNotify' => '1'],
            'contentFieldList' => [['fieldKey' => '金额', 'fieldValue' => '1280.00'], ['fieldKey' => 'k', 'fieldValue' => 'v']],
            'creatorId' => 'union-maker',
        ], 'union-clerk');

        $this->assertIsString($task['id']);
        $stored = $this->stored($task['id']);
        $expected = [
            'subject' => '报销审批: 差旅费',
            'description' => '请在周五前审批',
            'dueTime' => 1_893_553_445_678,
            'executorIds' => ['union-e1', 'union-e2'],
            // DingTalk adds the creator and the executors to the participants.
            'participantIds' => ['union-p1', 'union-maker', 'union-e1', 'union-e2'],
            'detailUrl' => self::URL,
            'sourceId' => 'expense-42',
            'priority' => 40,
            'isOnlyShowExecutor' => true,
            'notifyConfigs' => ['dingNotify' => '1'],
            'contentFieldList' => [['fieldKey' => '金额', 'fieldValue' => '1280.00'], ['fieldKey' => 'k', 'fieldValue' => 'v']],
            'creatorId' => 'union-maker',
            'modifierId' => 'union-clerk',   // operatorId, read from the query only
            'done' => false,
        ];
        $this->assertFields($expected, $stored);
        $this->assertFields($expected, $task, 'the answer is the task object');
        $this->assertArrayNotHasKey('taskId', $task, 'a task names its id "id"');
        $this->assertIsString($task['requestId']);
    }

    public function testAMinimalCreateSendsOnlyTheSubject(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'description' => null]);
        $stored = $this->stored($task['id']);
        $this->assertSame('s', $stored['subject']);
        $this->assertSame(self::CREATOR, $stored['creatorId'], 'the path unionId is the creator');
        $this->assertSame(self::CREATOR, $stored['modifierId'], 'no operatorId: the creator acts');
        foreach (['description', 'dueTime', 'detailUrl', 'sourceId', 'priority', 'contentFieldList', 'notifyConfigs'] as $absent) {
            $this->assertArrayNotHasKey($absent, $stored, "{$absent} was not sent");
        }
    }

    /** @return iterable<string, array{0: \DateTimeInterface}> */
    public static function dueTimes(): iterable
    {
        yield 'DateTimeImmutable, UTC' => [new \DateTimeImmutable('2030-01-02 03:04:05.678', new \DateTimeZone('UTC'))];
        yield 'DateTime, Shanghai' => [new \DateTime('2030-01-02 11:04:05.678', new \DateTimeZone('Asia/Shanghai'))];
        yield 'DateTimeImmutable, whole seconds' => [new \DateTimeImmutable('@1893553445')];
    }

    /**
     * @dataProvider dueTimes
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('dueTimes')]
    public function testADueTimeObjectIsSentAsMilliseconds(\DateTimeInterface $due): void
    {
        $ms = (int) $due->format('Uv');
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'dueTime' => $due]);
        $this->assertSame($ms, $this->stored($task['id'])['dueTime']);
        $this->assertSame($ms, $task['dueTime']);
        $this->assertTrue($this->todos->update(self::CREATOR, $task['id'], ['dueTime' => $due->modify('+1 day')]));
        $this->assertSame($ms + 86_400_000, $this->stored($task['id'])['dueTime']);
    }

    public function testContentFieldsAsAMapKeepTheirOrder(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'contentFieldList' => ['申请人' => '张三', '金额' => '1280.00', '7' => 'seven']]);
        $this->assertSame(
            [['fieldKey' => '申请人', 'fieldValue' => '张三'], ['fieldKey' => '金额', 'fieldValue' => '1280.00'], ['fieldKey' => '7', 'fieldValue' => 'seven']],
            $this->stored($task['id'])['contentFieldList']
        );
    }

    public function testEmptyArraysAreEmptyFields(): void
    {
        // PHP has one empty array for an empty list and an empty map: each field reads it as its own kind.
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'notifyConfigs' => [], 'detailUrl' => [], 'executorIds' => [], 'contentFieldList' => []]);
        $stored = $this->stored($task['id']);
        $this->assertSame([[], [self::CREATOR]], [$stored['executorIds'], $stored['participantIds']]);
        $this->assertSame([], $stored['notifyConfigs']);
        $this->assertTrue($this->todos->update(self::CREATOR, $task['id'], ['contentFieldList' => [], 'participantIds' => []]));
    }

    public function testGetReturnsTheTaskOrNull(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'executorIds' => ['union-e1']]);
        $got = $this->todos->get(self::CREATOR, $task['id']);
        unset($got['requestId'], $task['requestId']);
        $this->assertSame($task, $got);
        $this->assertNull($this->todos->get(self::CREATOR, 'no-such-task'));
    }

    public function testFindBySourceIdReturnsTheTaskOrNull(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'sourceId' => 'order-1']);
        $this->assertSame($task['id'], $this->todos->findBySourceId(self::CREATOR, 'order-1')['id']);
        $this->assertNull($this->todos->findBySourceId(self::CREATOR, 'order-2'));
    }

    public function testUpdateChangesEveryField(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's']);
        $this->assertTrue($this->todos->update(self::CREATOR, $task['id'], [
            'subject' => 'changed',
            'description' => 'now with a description',
            'dueTime' => 1_900_000_000_000,
            'done' => true,
            'executorIds' => ['union-e3'],
            'participantIds' => ['union-p3'],
            'contentFieldList' => ['k' => 'v2'],
        ], 'union-clerk'));
        $expected = [
            'subject' => 'changed',
            'description' => 'now with a description',
            'dueTime' => 1_900_000_000_000,
            'done' => true,
            'executorIds' => ['union-e3'],
            'contentFieldList' => [['fieldKey' => 'k', 'fieldValue' => 'v2']],
            'modifierId' => 'union-clerk',
        ];
        $stored = $this->stored($task['id']);
        $this->assertFields($expected, $stored);
        $this->assertContains('union-p3', $stored['participantIds']);
    }

    public function testUpdateOfAMissingTaskIsNotFoundWithDingTalksAnswer(): void
    {
        $e = $this->throws(NotFoundException::class, fn () => $this->todos->update(self::CREATOR, 'no-such-task', ['subject' => 'x']));
        $this->assertInstanceOf(ApiException::class, $e, 'an existing catch (ApiException) still catches it');
        $this->assertSame(400, $e->getCode());
        $this->assertSame('todo.taskUpdate.paramError', $e->getErrorCode());
        $this->assertSame('task not exist', $e->getErrmsg());
        $this->assertIsString($e->getRequestId());
    }

    /** @return iterable<string, array{0: int, 1: string}> */
    public static function answersThatAreNoTask(): iterable
    {
        yield 'an empty 200' => [200, ''];
        yield 'an empty 204' => [204, ''];
        yield '{}' => [200, '{}'];
        yield 'a request id alone' => [200, '{"requestId":"4F7A"}'];
        yield 'an empty id' => [200, '{"id":"","subject":"s"}'];
    }

    /**
     * A success that is not a task is never a task: callers test `!== null`.
     *
     * @dataProvider answersThatAreNoTask
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('answersThatAreNoTask')]
    public function testAnAnswerThatIsNotATaskIsATransportException(int $status, string $body): void
    {
        $tasks = '/v1.0/todo/users/' . self::CREATOR . '/tasks/';
        foreach ([
            'get' => fn () => $this->todos->get(self::CREATOR, 'task-1'),
            'findBySourceId' => fn () => $this->todos->findBySourceId(self::CREATOR, 'order-1'),
        ] as $method => $call) {
            $this->emulator->faults([['path' => $tasks, 'status' => $status, 'body' => $body]]);
            $e = $this->throws(TransportException::class, $call);
            $this->assertStringContainsString('unexpected answer: no "id"', $e->getMessage(), $method);
        }
    }

    public function testCompleteAndReopen(): void
    {
        $task = $this->listed('s');
        $this->assertTrue($this->todos->complete(self::CREATOR, $task['id'], true, 'union-clerk'));
        $stored = $this->stored($task['id']);
        $this->assertTrue($stored['done']);
        $this->assertArrayHasKey('finishTime', $stored);
        $this->assertSame('union-clerk', $stored['modifierId']);
        $this->assertSame([$task['id']], array_column($this->todos->all(self::CREATOR, true), 'taskId'));
        $this->assertSame([], $this->todos->all(self::CREATOR));

        $this->assertTrue($this->todos->complete(self::CREATOR, $task['id'], false));
        $this->assertFalse($this->stored($task['id'])['done']);
        $this->assertSame(self::CREATOR, $this->stored($task['id'])['modifierId']);
        $this->assertSame([$task['id']], array_column($this->todos->all(self::CREATOR), 'taskId'));
    }

    public function testCompleteIsDoneByDefault(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's']);
        $this->assertTrue($this->todos->complete(self::CREATOR, $task['id']));
        $this->assertTrue($this->stored($task['id'])['done']);
    }

    public function testSetExecutorStatusMarksEachExecutor(): void
    {
        $task = $this->listed('s', ['executorIds' => ['union-e1', 'union-e2', 'union-e3']]);
        $this->assertTrue($this->todos->setExecutorStatus(self::CREATOR, $task['id'], ['union-e1' => true, 'union-e2' => false], 'union-e1'));
        $stored = $this->stored($task['id']);
        $this->assertSame(['union-e1' => true, 'union-e2' => false], $stored['executorStatus']);
        $this->assertFalse($stored['done'], 'the task itself is not done');
        $this->assertSame('union-e1', $stored['modifierId']);
        // Each executor sees the task as done or not by their own status.
        $this->assertSame([$task['id']], array_column($this->todos->all('union-e1', true), 'taskId'));
        $this->assertSame([$task['id']], array_column($this->todos->all('union-e2', false), 'taskId'));
    }

    public function testSetExecutorStatusOfANonExecutorIsDingTalksError(): void
    {
        $task = $this->todos->create(self::CREATOR, ['subject' => 's', 'executorIds' => ['union-e1']]);
        $e = $this->throws(ApiException::class, fn () => $this->todos->setExecutorStatus(self::CREATOR, $task['id'], ['union-x' => true]));
        $this->assertSame('todo.taskExecutorStatusUpdate.paramError', $e->getErrorCode());
    }

    public function testDeleteRemovesTheTaskAndFreesItsSourceId(): void
    {
        $task = $this->listed('s', ['sourceId' => 'order-9']);
        $this->assertTrue($this->todos->delete(self::CREATOR, $task['id'], 'union-clerk'));
        $stored = $this->stored($task['id']);
        $this->assertTrue($stored['deleted']);
        $this->assertSame('union-clerk', $stored['modifierId']);
        $this->assertNull($this->todos->get(self::CREATOR, $task['id']));
        $this->assertNull($this->todos->findBySourceId(self::CREATOR, 'order-9'));
        $this->assertSame([], $this->todos->list(self::CREATOR)['tasks']);
        $again = $this->todos->create(self::CREATOR, ['subject' => 's', 'sourceId' => 'order-9']);
        $this->assertNotSame($task['id'], $again['id']);

        $e = $this->throws(NotFoundException::class, fn () => $this->todos->delete(self::CREATOR, $task['id']));
        $this->assertSame('todo.taskDelete.paramError', $e->getErrorCode());
    }

    public function testListCardsNameTheirIdTaskId(): void
    {
        $task = $this->listed('s', ['dueTime' => 1_893_553_445_678, 'priority' => 30, 'sourceId' => 'src']);
        $this->todos->create(self::CREATOR, ['subject' => 'no detailUrl: not listed']);
        $page = $this->todos->list(self::CREATOR);
        $this->assertSame(['next_token', 'tasks'], array_keys($page));
        $this->assertNull($page['next_token']);
        $this->assertCount(1, $page['tasks']);
        $card = $page['tasks'][0];
        $this->assertSame($task['id'], $card['taskId']);
        $this->assertArrayNotHasKey('id', $card);
        $this->assertSame(['s', 1_893_553_445_678, 30, 'src', false], [$card['subject'], $card['dueTime'], $card['priority'], $card['sourceId'], $card['isDone']]);
    }

    /** @return iterable<string, array{0: string, 1: list<string>, 2: bool}> */
    public static function roles(): iterable
    {
        // The task: created by union-boss, executor union-e1, participant union-p1.
        yield 'executor as executor' => ['union-e1', ['executor'], true];
        yield 'participant as executor' => ['union-p1', ['executor'], false];
        yield 'participant as participant' => ['union-p1', ['participant'], true];
        yield 'creator as creator' => [self::CREATOR, ['creator'], true];
        yield 'executor as creator' => ['union-e1', ['creator'], false];
        yield 'creator as executor' => [self::CREATOR, ['executor'], false];
        // Roles are ORed: each is its own inner list of roleTypes.
        yield 'executor as creator or executor' => ['union-e1', ['creator', 'executor'], true];
        yield 'participant as creator or executor' => ['union-p1', ['creator', 'executor'], false];
        yield 'no roles: every role' => ['union-p1', [], true];
    }

    /**
     * @dataProvider roles
     * @param list<string> $roles
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('roles')]
    public function testListByRole(string $unionId, array $roles, bool $shown): void
    {
        $task = $this->listed('s', ['executorIds' => ['union-e1'], 'participantIds' => ['union-p1']]);
        $expected = $shown ? [$task['id']] : [];
        $this->assertSame($expected, array_column($this->todos->list($unionId, false, null, $roles)['tasks'], 'taskId'));
        $this->assertSame($expected, array_column($this->todos->all($unionId, false, $roles), 'taskId'));
    }

    public function testListPagesThroughNextTokensAndAllReadsEveryPage(): void
    {
        $ids = [];
        for ($i = 0; $i < 23; $i++) {
            $ids[] = $this->listed("task {$i}")['id'];
        }
        $seen = [];
        $token = null;
        $pages = 0;
        do {
            $page = $this->todos->list(self::CREATOR, false, $token);
            $pages++;
            $seen = array_merge($seen, array_column($page['tasks'], 'taskId'));
            $token = $page['next_token'];
            if ($token !== null) {
                $this->assertIsString($token);
                $this->assertNotSame('', $token);
            }
        } while ($token !== null && $pages < 10);
        $this->assertSame(3, $pages, 'the emulator answers 10 cards a page');
        $this->assertSame($ids, $seen);

        $before = $this->emulator->requests('/v1.0/todo/users/union-boss/org/tasks/query');
        $this->assertSame($ids, array_column($this->todos->all(self::CREATOR), 'taskId'));
        $this->assertSame($before + 3, $this->emulator->requests('/v1.0/todo/users/union-boss/org/tasks/query'));
        $this->assertSame([], $this->todos->all(self::CREATOR, true));
    }

    public function testAnUnknownNextTokenIsDingTalksError(): void
    {
        $e = $this->throws(ApiException::class, fn () => $this->todos->list(self::CREATOR, false, 'not-a-token'));
        $this->assertSame(400, $e->getCode());
        $this->assertSame('todo.orgTaskQuery.paramError', $e->getErrorCode());
        $this->assertStringContainsString('nextToken is invalid', $e->getMessage());
    }

    /** @return iterable<string, array{0: string}> */
    public static function awkwardIds(): iterable
    {
        yield 'slash' => ['a/b'];
        yield 'question mark' => ['a?b=c'];
        yield 'hash' => ['a#b'];
        yield 'percent' => ['100%25'];
        yield 'space and plus' => ['a b+c'];
        yield 'non-ASCII' => ['待办-张三'];
        yield 'dots inside' => ['...'];
        yield 'everything' => ['/?#% 待'];
    }

    /**
     * @dataProvider awkwardIds
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('awkwardIds')]
    public function testIdsThatNeedEncodingRoundTrip(string $id): void
    {
        $unionId = "union {$id}";
        $executor = "exec {$id}";
        $task = $this->todos->create($unionId, ['subject' => 's', 'sourceId' => $id, 'executorIds' => [$executor], 'detailUrl' => self::URL], $executor);
        $stored = $this->stored($task['id']);
        $this->assertSame([$unionId, $id, $executor], [$stored['creatorId'], $stored['sourceId'], $stored['modifierId']]);
        $this->assertSame(1, $this->emulator->requests('/v1.0/todo/users/' . rawurlencode($unionId) . '/tasks'), 'one encoded path segment');

        $this->assertSame($task['id'], $this->todos->get($unionId, $task['id'])['id']);
        $this->assertSame($task['id'], $this->todos->findBySourceId($unionId, $id)['id']);
        $this->assertNull($this->todos->get($unionId, $id), 'an awkward task id is one segment too: "not exist", not a 404');
        $this->assertSame([$task['id']], array_column($this->todos->all($executor, false, ['executor']), 'taskId'));
        $this->assertTrue($this->todos->update($unionId, $task['id'], ['subject' => 'changed'], $executor));
        $this->assertTrue($this->todos->setExecutorStatus($unionId, $task['id'], [$executor => true], $executor));
        $this->assertSame([$executor => true], $this->stored($task['id'])['executorStatus']);
        $this->assertTrue($this->todos->complete($unionId, $task['id'], true, $executor));
        $this->assertTrue($this->todos->delete($unionId, $task['id'], $executor));
        $this->assertTrue($this->stored($task['id'])['deleted']);
    }
}
