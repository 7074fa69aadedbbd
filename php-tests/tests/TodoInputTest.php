<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\TestCase;
use DingTalk\Todo;
use ValueError;

/**
 * Bad input to `DingTalk\Todo`, `Client::request()` and `Client::unionId()` is a `\ValueError`
 * naming the argument as PHP does (`Argument #2 ($task[subject])`), thrown before any request:
 * the emulator sees nothing, not even a token fetch. The limits themselves are inclusive, which
 * the last tests show by sending what is just allowed.
 */
final class TodoInputTest extends TestCase
{
    private const UNION = 'union-boss';

    /** One app for every refusal (none of them may send anything), to spare the app pool. */
    private static ?array $app = null;

    private Client $client;
    private Todo $todos;

    protected function setUp(): void
    {
        parent::setUp();
        self::$app ??= $this->freshApp();
        $this->client = $this->client([], null, self::$app);
        $this->todos = $this->client->todos();
    }

    /** Asserts `$fn` throws a `\ValueError` whose message names `$argument`, and nothing was sent. */
    private function assertRefused(string $argument, callable $fn): ValueError
    {
        $before = $this->client->stats();
        $e = $this->throws(ValueError::class, $fn);
        $this->assertStringContainsString($argument, $e->getMessage(), 'the message names the argument');
        $this->assertNoRequestReached();
        $this->assertSame($before, $this->client->stats(), 'the client sent nothing');
        return $e;
    }

    /** @return list<string> `$n` distinct unionIds. */
    private static function people(int $n): array
    {
        return array_map(fn (int $i) => "union-{$i}", range(1, $n));
    }

    /** @return iterable<string, array{0: string, 1: array}> */
    public static function badTasks(): iterable
    {
        yield 'no subject' => ['#2 ($task[subject]) is required', ['description' => 'd']];
        yield 'empty array' => ['#2 ($task[subject]) is required', []];
        yield 'null subject' => ['#2 ($task[subject]) is required', ['subject' => null]];
        yield 'empty subject' => ['#2 ($task[subject]) must not be empty', ['subject' => '']];
        yield 'subject of 1025 characters' => ['#2 ($task[subject]) must be at most 1024 characters, 1025 given', ['subject' => str_repeat('a', 1025)]];
        yield 'subject of 1025 CJK characters' => ['#2 ($task[subject]) must be at most 1024 characters, 1025 given', ['subject' => str_repeat('待', 1025)]];
        yield 'subject not a string' => ['#2 ($task[subject])', ['subject' => 42]];
        yield 'subject not UTF-8' => ['#2 ($task[subject])', ['subject' => "caf\xe9"]];
        yield 'description of 4097 characters' => ['#2 ($task[description]) must be at most 4096 characters', ['subject' => 's', 'description' => str_repeat('办', 4097)]];
        yield 'unknown key' => ['#2 ($task) has an unknown key "title"', ['subject' => 's', 'title' => 't']];
        yield 'snake_case key' => ['#2 ($task) has an unknown key "due_time"', ['subject' => 's', 'due_time' => 1_900_000_000_000]];
        yield 'a list, not a task' => ['#2 ($task)', ['s']];
        yield 'priority 15' => ['#2 ($task[priority]) must be 10 (low), 20 (normal), 30 (high) or 40 (urgent), 15 given', ['subject' => 's', 'priority' => 15]];
        yield 'priority as a string' => ['#2 ($task[priority])', ['subject' => 's', 'priority' => '20']];
        yield 'dueTime in seconds' => ['#2 ($task[dueTime]) must be milliseconds since the epoch, 1700000000 given', ['subject' => 's', 'dueTime' => 1_700_000_000]];
        yield 'dueTime as a float' => ['#2 ($task[dueTime])', ['subject' => 's', 'dueTime' => 1.9e12]];
        yield 'dueTime as a string' => ['#2 ($task[dueTime])', ['subject' => 's', 'dueTime' => '2030-01-01']];
        yield 'dueTime before 1973' => ['#2 ($task[dueTime])', ['subject' => 's', 'dueTime' => new \DateTimeImmutable('1970-01-02')]];
        yield '101 executors' => ['#2 ($task[executorIds]) must hold at most 100 unionIds, 101 given', ['subject' => 's', 'executorIds' => self::people(101)]];
        yield '101 participants' => ['#2 ($task[participantIds]) must hold at most 100 unionIds, 101 given', ['subject' => 's', 'participantIds' => self::people(101)]];
        yield 'an empty executor' => ['#2 ($task[executorIds][1]) must not be empty', ['subject' => 's', 'executorIds' => ['union-1', '']]];
        yield 'an executor not a string' => ['#2 ($task[executorIds][0])', ['subject' => 's', 'executorIds' => [7]]];
        yield 'executors not a list' => ['#2 ($task[executorIds])', ['subject' => 's', 'executorIds' => 'union-1']];
        yield 'empty sourceId' => ['#2 ($task[sourceId]) must not be empty', ['subject' => 's', 'sourceId' => '']];
        yield 'empty creatorId' => ['#2 ($task[creatorId]) must not be empty', ['subject' => 's', 'creatorId' => '']];
        yield 'appUrl of 1025 bytes' => ['#2 ($task[detailUrl][appUrl]) must be at most 1024 bytes, 1025 given', ['subject' => 's', 'detailUrl' => ['appUrl' => 'https://x/' . str_repeat('a', 1015)]]];
        // 342 characters, 1026 bytes: URLs count bytes.
        yield 'pcUrl of 1026 bytes in 342 characters' => ['#2 ($task[detailUrl][pcUrl]) must be at most 1024 bytes, 1026 given', ['subject' => 's', 'detailUrl' => ['pcUrl' => str_repeat('链', 342)]]];
        yield 'detailUrl as a list' => ['#2 ($task[detailUrl]) must be an array with appUrl and/or pcUrl, list given', ['subject' => 's', 'detailUrl' => ['https://x']]];
        yield 'notifyConfigs as a list' => ['#2 ($task[notifyConfigs]) must be an array of strings (e.g. [\'dingNotify\' => \'1\']), list given', ['subject' => 's', 'notifyConfigs' => ['1']]];
        yield 'detailUrl with an unknown key' => ['#2 ($task[detailUrl]) has an unknown key "url"', ['subject' => 's', 'detailUrl' => ['url' => 'https://x']]];
        yield 'empty appUrl' => ['#2 ($task[detailUrl][appUrl]) must not be empty', ['subject' => 's', 'detailUrl' => ['appUrl' => '']]];
        yield 'content value not a string' => ['#2 ($task[contentFieldList][amount])', ['subject' => 's', 'contentFieldList' => ['amount' => 1280]]];
        yield 'content value of 1025 bytes' => ['#2 ($task[contentFieldList][k]) must be at most 1024 bytes', ['subject' => 's', 'contentFieldList' => ['k' => str_repeat('x', 1025)]]];
        yield 'content item without fieldValue' => ['#2 ($task[contentFieldList][0]) has no "fieldValue"', ['subject' => 's', 'contentFieldList' => [['fieldKey' => 'k']]]];
        yield 'content item with an unknown key' => ['#2 ($task[contentFieldList][0]) has an unknown key "title"', ['subject' => 's', 'contentFieldList' => [['title' => 'k', 'content' => 'v']]]];
        yield 'content value not UTF-8' => ['#2 ($task[contentFieldList][k])', ['subject' => 's', 'contentFieldList' => ['k' => "\xff"]]];
        yield 'notifyConfigs as a bool' => ['#2 ($task[notifyConfigs][dingNotify])', ['subject' => 's', 'notifyConfigs' => ['dingNotify' => true]]];
        yield 'isOnlyShowExecutor as a string' => ['#2 ($task[isOnlyShowExecutor])', ['subject' => 's', 'isOnlyShowExecutor' => 'yes']];
        yield 'an object value' => ['#2 ($task[description])', ['subject' => 's', 'description' => new \stdClass()]];
        yield 'NAN' => ['#2 ($task[priority])', ['subject' => 's', 'priority' => NAN]];
    }

    /**
     * @dataProvider badTasks
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badTasks')]
    public function testABadTaskIsRefused(string $message, array $task): void
    {
        $this->assertRefused("DingTalk\\Todo::create(): Argument {$message}", fn () => $this->todos->create(self::UNION, $task));
    }

    /** @return iterable<string, array{0: string, 1: array}> */
    public static function badChanges(): iterable
    {
        yield 'no change' => ['#3 ($changes) must change at least one of subject', []];
        yield 'only nulls' => ['#3 ($changes) must change at least one of', ['subject' => null]];
        yield 'a field update cannot change' => ['#3 ($changes) has an unknown key "priority"', ['priority' => 20]];
        yield 'sourceId cannot change' => ['#3 ($changes) has an unknown key "sourceId"', ['sourceId' => 's']];
        yield 'empty subject' => ['#3 ($changes[subject]) must not be empty', ['subject' => '']];
        yield 'subject of 1025 characters' => ['#3 ($changes[subject]) must be at most 1024 characters, 1025 given', ['subject' => str_repeat('待', 1025)]];
        yield 'done as an int' => ['#3 ($changes[done]) must be a bool', ['done' => 1]];
        yield '1001 executors' => ['#3 ($changes[executorIds]) must hold at most 1000 unionIds, 1001 given', ['executorIds' => self::people(1001)]];
        yield '1001 participants' => ['#3 ($changes[participantIds]) must hold at most 1000 unionIds, 1001 given', ['participantIds' => self::people(1001)]];
        yield 'dueTime in seconds' => ['#3 ($changes[dueTime]) must be milliseconds since the epoch', ['dueTime' => 1_900_000_000]];
        yield 'content value not a string' => ['#3 ($changes[contentFieldList][k])', ['contentFieldList' => ['k' => false]]];
        yield 'description not UTF-8' => ['#3 ($changes[description])', ['description' => "\xc3"]];
    }

    /**
     * @dataProvider badChanges
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badChanges')]
    public function testABadChangeIsRefused(string $message, array $changes): void
    {
        $this->assertRefused("DingTalk\\Todo::update(): Argument {$message}", fn () => $this->todos->update(self::UNION, 'task-1', $changes));
    }

    /** @return iterable<string, array{0: string, 1: array}> */
    public static function badExecutorStatus(): iterable
    {
        yield 'none' => ['#3 ($done) must hold 1 to 1000 executors, 0 given', []];
        yield '1001' => ['#3 ($done) must hold 1 to 1000 executors, 1001 given', array_fill_keys(self::people(1001), true)];
        yield 'a value not a bool' => ['#3 ($done[union-e1]) must be true or false, int given', ['union-e1' => 1]];
        yield 'a string value' => ['#3 ($done[union-e2]) must be true or false, string given', ['union-e1' => true, 'union-e2' => 'yes']];
        yield 'an empty unionId' => ['#3 ($done[]) must not be empty', ['' => true]];
        yield 'a unionId not UTF-8' => ['#3 ($done', ["\xff" => true]];
    }

    /**
     * @dataProvider badExecutorStatus
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badExecutorStatus')]
    public function testABadExecutorStatusIsRefused(string $message, array $done): void
    {
        $this->assertRefused("DingTalk\\Todo::setExecutorStatus(): Argument {$message}", fn () => $this->todos->setExecutorStatus(self::UNION, 'task-1', $done));
    }

    /** @return iterable<string, array{0: string, 1: array}> */
    public static function badRoles(): iterable
    {
        yield 'unknown role' => ['#4 ($roles[0]) must be "executor", "creator" or "participant", "owner" given', ['owner']];
        yield 'second role unknown' => ['#4 ($roles[1]) must be "executor", "creator" or "participant", "Executor" given', ['creator', 'Executor']];
        yield 'not a string' => ['#4 ($roles[0]) must be "executor", "creator" or "participant", int given', [1]];
        yield 'a nested list' => ['#4 ($roles[0])', [['executor', 'creator']]];
        yield 'empty string' => ['#4 ($roles[0])', ['']];
    }

    /**
     * @dataProvider badRoles
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badRoles')]
    public function testABadRoleIsRefusedByListAndAll(string $message, array $roles): void
    {
        $this->assertRefused("DingTalk\\Todo::list(): Argument {$message}", fn () => $this->todos->list(self::UNION, false, null, $roles));
        $this->assertRefused("DingTalk\\Todo::all(): Argument " . str_replace('#4', '#3', $message), fn () => $this->todos->all(self::UNION, false, $roles));
    }

    /** @return iterable<string, array{0: string, 1: \Closure(Todo): mixed}> */
    public static function badIds(): iterable
    {
        $task = ['subject' => 's'];
        foreach (['' => 'must not be empty', '.' => 'must not be "." or ".."', '..' => 'must not be "." or ".."', "\xff" => 'must be valid UTF-8'] as $id => $reason) {
            $label = var_export((string) $id, true);
            yield "create, unionId {$label}" => ["create(): Argument #1 (\$unionId) {$reason}", fn (Todo $t) => $t->create((string) $id, $task)];
            yield "get, unionId {$label}" => ["get(): Argument #1 (\$unionId) {$reason}", fn (Todo $t) => $t->get((string) $id, 'task-1')];
            yield "get, taskId {$label}" => ["get(): Argument #2 (\$taskId) {$reason}", fn (Todo $t) => $t->get('union-1', (string) $id)];
            yield "findBySourceId, sourceId {$label}" => ["findBySourceId(): Argument #2 (\$sourceId) {$reason}", fn (Todo $t) => $t->findBySourceId('union-1', (string) $id)];
            yield "update, taskId {$label}" => ["update(): Argument #2 (\$taskId) {$reason}", fn (Todo $t) => $t->update('union-1', (string) $id, ['done' => true])];
            yield "complete, taskId {$label}" => ["complete(): Argument #2 (\$taskId) {$reason}", fn (Todo $t) => $t->complete('union-1', (string) $id)];
            yield "setExecutorStatus, taskId {$label}" => ["setExecutorStatus(): Argument #2 (\$taskId) {$reason}", fn (Todo $t) => $t->setExecutorStatus('union-1', (string) $id, ['e' => true])];
            yield "delete, taskId {$label}" => ["delete(): Argument #2 (\$taskId) {$reason}", fn (Todo $t) => $t->delete('union-1', (string) $id)];
            yield "list, unionId {$label}" => ["list(): Argument #1 (\$unionId) {$reason}", fn (Todo $t) => $t->list((string) $id)];
            yield "all, unionId {$label}" => ["all(): Argument #1 (\$unionId) {$reason}", fn (Todo $t) => $t->all((string) $id)];
        }
        yield 'create, empty operatorId' => ['create(): Argument #3 ($operatorId) must not be empty', fn (Todo $t) => $t->create('union-1', $task, '')];
        yield 'update, empty operatorId' => ['update(): Argument #4 ($operatorId) must not be empty', fn (Todo $t) => $t->update('union-1', 'task-1', ['done' => true], '')];
        yield 'complete, empty operatorId' => ['complete(): Argument #4 ($operatorId) must not be empty', fn (Todo $t) => $t->complete('union-1', 'task-1', true, '')];
        yield 'delete, operatorId not UTF-8' => ['delete(): Argument #3 ($operatorId) must be valid UTF-8', fn (Todo $t) => $t->delete('union-1', 'task-1', "\xc3\x28")];
        yield 'list, empty nextToken' => ['list(): Argument #3 ($nextToken) must not be empty', fn (Todo $t) => $t->list('union-1', false, '')];
    }

    /**
     * @dataProvider badIds
     * @param \Closure(Todo): mixed $call
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badIds')]
    public function testABadIdIsRefused(string $message, \Closure $call): void
    {
        $this->assertRefused("DingTalk\\Todo::{$message}", fn () => $call($this->todos));
    }

    /** @return iterable<string, array{0: string, 1: \Closure(Client): mixed}> */
    public static function badRequests(): iterable
    {
        yield 'unknown method' => ['request(): Argument #1 ($method) must be GET, POST, PUT, PATCH or DELETE, "FETCH" given', fn (Client $c) => $c->request('FETCH', '/v1.0/x')];
        yield 'empty method' => ['request(): Argument #1 ($method)', fn (Client $c) => $c->request('', '/v1.0/x')];
        yield 'relative path' => ['request(): Argument #2 ($path) must start with a single "/"', fn (Client $c) => $c->request('GET', 'v1.0/x')];
        yield 'a URL for a path' => ['request(): Argument #2 ($path) must start with a single "/"', fn (Client $c) => $c->request('GET', 'https://evil.example/v1.0/x')];
        yield 'a query in the path' => ['request(): Argument #2 ($path) must not hold a query', fn (Client $c) => $c->request('GET', '/v1.0/x?a=1')];
        yield 'dot segments' => ['request(): Argument #2 ($path) must not hold "." or ".." segments', fn (Client $c) => $c->request('GET', '/v1.0/../gettoken')];
        yield 'encoded dot segments' => ['request(): Argument #2 ($path) must not hold "." or ".." segments', fn (Client $c) => $c->request('GET', '/v1.0/%2e%2E/x')];
        yield 'reserved query key' => ['request(): Argument #3 ($query[access_token]) is reserved', fn (Client $c) => $c->request('GET', '/v1.0/x', ['access_token' => 't'])];
        yield 'reserved query key, upper case' => ['request(): Argument #3 ($query[ACCESS_TOKEN]) is reserved', fn (Client $c) => $c->request('GET', '/v1.0/x', ['ACCESS_TOKEN' => 't'])];
        yield 'query value not UTF-8' => ['request(): Argument #3 ($query[q])', fn (Client $c) => $c->request('GET', '/v1.0/x', ['q' => "\xff"])];
        yield 'NAN in a query' => ['request(): Argument #3 ($query[q])', fn (Client $c) => $c->request('GET', '/v1.0/x', ['q' => NAN])];
        yield 'NAN in a body' => ['request(): Argument #4 ($body[n])', fn (Client $c) => $c->request('POST', '/v1.0/x', [], ['n' => INF])];
        yield 'body not UTF-8' => ['request(): Argument #4 ($body[a][0])', fn (Client $c) => $c->request('POST', '/v1.0/x', [], ['a' => ["\xff"]])];
        yield 'unionId of an empty userId' => ['unionId(): Argument #1 ($userId) must not be empty', fn (Client $c) => $c->unionId('')];
        yield 'unionId of a userId not UTF-8' => ['unionId(): Argument #1 ($userId) must be valid UTF-8', fn (Client $c) => $c->unionId("\xff")];
    }

    /**
     * @dataProvider badRequests
     * @param \Closure(Client): mixed $call
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badRequests')]
    public function testABadRequestIsRefused(string $message, \Closure $call): void
    {
        $this->assertRefused("DingTalk\\Client::{$message}", fn () => $call($this->client));
    }

    public function testABadApiBaseUrlIsRefused(): void
    {
        foreach (['ftp://127.0.0.1', 'http://user:pw@127.0.0.1', ' http://127.0.0.1', 'http://127.0.0.1/?q=1'] as $url) {
            $this->assertRefused('Argument #3 ($options[api_base_url])', fn () => new Client('k', 's', ['api_base_url' => $url]));
        }
        $this->throws(\TypeError::class, fn () => new Client('k', 's', ['api_base_url' => 42]));
    }

    // ---- the limits are inclusive --------------------------------------------------------------

    public function testWhatIsJustAllowedIsSent(): void
    {
        $this->todos = $this->client()->todos();
        $task = $this->todos->create(self::UNION, [
            'subject' => str_repeat('待', 1024),                  // 1024 characters, 3072 bytes
            'description' => str_repeat('办', 4096),
            'executorIds' => self::people(100),
            'participantIds' => self::people(100),
            'detailUrl' => ['appUrl' => 'https://x/' . str_repeat('a', 1014), 'pcUrl' => str_repeat('链', 341) . 'a'],
            'contentFieldList' => ['k' => str_repeat('x', 1024), '空' => ''],
            'dueTime' => 1_000_000_000_000,
        ]);
        $this->assertSame(str_repeat('待', 1024), $task['subject']);
        $this->assertCount(100, $task['executorIds']);
        $this->assertTrue($this->todos->update(self::UNION, $task['id'], ['executorIds' => self::people(1000), 'participantIds' => self::people(1000)]));
        $this->assertTrue($this->todos->setExecutorStatus(self::UNION, $task['id'], array_fill_keys(self::people(1000), true)));
        $this->assertCount(1000, $this->emulator->todos()[0]['executorStatus']);
    }
}
