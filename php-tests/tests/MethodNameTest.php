<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use Closure;
use DingTalk\ApiException;
use DingTalk\Callback;
use DingTalk\Client;
use DingTalk\Stream;
use DingTalk\Tests\Support\TestCase;
use DingTalk\Todo;
use ReflectionMethod;
use Throwable;

/**
 * Every error about an argument names the method that refused it as PHP's own argument errors
 * do (`DingTalk\Todo::create(): Argument #2 ($task[subject]) ...`): the engine's `TypeError` for a
 * wrong argument type is the reference each case is held against, called the same way. The
 * tricky places: a constructor, a method of `DingTalk\Client` or `DingTalk\Todo` reached through a
 * subclass written in PHP, a method called through a closure or reflection, `createMany()`
 * (whose items are sent from other threads) and a `Stream::run()` callback that calls methods
 * itself (and run()'s own errors after the callback returned).
 */
final class MethodNameTest extends TestCase
{
    /** The `Class::method` a message of PHP's argument wording starts with. */
    private static function methodOf(Throwable $e): string
    {
        if (preg_match('/^(\S+)\(\): /', $e->getMessage(), $m) !== 1) {
            self::fail('no method named in: ' . get_class($e) . ': ' . $e->getMessage());
        }
        return $m[1];
    }

    /** What `$fn` throws (it must throw). */
    private function thrownBy(callable $fn): Throwable
    {
        try {
            $fn();
        } catch (Throwable $e) {
            return $e;
        }
        $this->fail('nothing was thrown');
    }

    /**
     * The binding's error from `$ours` starts with `$expected`, and names the same method as the
     * engine's own TypeError from `$engines`.
     */
    private function assertNamedAsTheEngineNamesIt(string $expected, callable $ours, callable $engines): void
    {
        $mine = $this->thrownBy($ours);
        $theirs = $this->thrownBy($engines);
        $this->assertInstanceOf(\TypeError::class, $theirs, $theirs->getMessage());
        $this->assertStringContainsString('must be of type', $theirs->getMessage(), 'the engine worded it');
        $this->assertStringStartsWith($expected, $mine->getMessage(), get_class($mine));
        $this->assertSame(self::methodOf($theirs), self::methodOf($mine), $mine->getMessage());
    }

    /** @return iterable<string, array{0: string, 1: Closure(Client): mixed, 2: Closure(Client): mixed}> */
    public static function everyClass(): iterable
    {
        yield 'Client::__construct' => [
            'DingTalk\Client::__construct(): Argument #1 ($appKey) must not be empty',
            fn (Client $c) => new Client('', 'secret'),
            fn (Client $c) => new Client(1, 'secret'),
        ];
        yield 'Client::__construct options' => [
            'DingTalk\Client::__construct(): Argument #3 ($options[timeout]) must be of type float, string given',
            fn (Client $c) => new Client('key', 'secret', ['timeout' => 'soon']),
            fn (Client $c) => new Client('key', 'secret', 'soon'),
        ];
        yield 'Client::get' => [
            'DingTalk\Client::get(): Argument #2 ($query[a]) must be of type string|int|float|bool, array given',
            fn (Client $c) => $c->get('/x', ['a' => [1]]),
            fn (Client $c) => $c->get(1),
        ];
        yield 'Todo::create' => [
            'DingTalk\Todo::create(): Argument #2 ($task[subject]) must not be empty',
            fn (Client $c) => $c->todos()->create('union-u1', ['subject' => '']),
            fn (Client $c) => $c->todos()->create(1, []),
        ];
        yield 'Todo::createMany item' => [
            'DingTalk\Todo::createMany(): Argument #2 ($tasks[1][subject]) must not be empty',
            fn (Client $c) => $c->todos()->createMany('union-u1', [['subject' => 'a'], ['subject' => '']]),
            fn (Client $c) => $c->todos()->createMany(1, []),
        ];
        yield 'Todo::createMany option' => [
            'DingTalk\Todo::createMany(): Argument #3 ($options[concurrency]) must be between 1 and 32, 0 given',
            fn (Client $c) => $c->todos()->createMany('union-u1', [['subject' => 'a']], ['concurrency' => 0]),
            fn (Client $c) => $c->todos()->createMany('union-u1', [], 'x'),
        ];
        yield 'WorkRecord::create' => [
            'DingTalk\WorkRecord::create(): Argument #4 ($forms) must be a list of',
            fn (Client $c) => $c->workRecords()->create('u1', 't', 'https://example.com/', [5]),
            fn (Client $c) => $c->workRecords()->create('u1', 't', 'https://example.com/', 5),
        ];
        yield 'WorkRecord::createMany' => [
            'DingTalk\WorkRecord::createMany(): Argument #1 ($records[0][user_id]) must not be empty',
            fn (Client $c) => $c->workRecords()->createMany([['user_id' => '', 'title' => 't', 'url' => 'https://example.com/']]),
            fn (Client $c) => $c->workRecords()->createMany(1),
        ];
        yield 'Stream::__construct' => [
            'DingTalk\Stream::__construct(): Argument #2 ($options[keepalive])',
            fn (Client $c) => new Stream($c, ['keepalive' => 0]),
            fn (Client $c) => new Stream($c, 1),
        ];
        yield 'Stream::run' => [
            'DingTalk\Stream::run(): Argument #2 ($options[max_events]) must be 1 or more, 0 given',
            fn (Client $c) => (new Stream($c))->run(fn (array $e) => true, ['max_events' => 0]),
            fn (Client $c) => (new Stream($c))->run(fn (array $e) => true, 1),
        ];
        yield 'Callback::__construct' => [
            'DingTalk\Callback::__construct(): Argument #2 ($aesKey) must be 43 characters',
            fn (Client $c) => new Callback('token', 'short', 'receiver'),
            fn (Client $c) => new Callback(1, 'short', 'receiver'),
        ];
        yield 'Callback::encrypt' => [
            'DingTalk\Callback::encrypt(): Argument #2 ($timestamp) must not be empty',
            fn (Client $c) => (new Callback('token', str_repeat('a', 43), 'receiver'))->encrypt('x', '', 'nonce'),
            fn (Client $c) => (new Callback('token', str_repeat('a', 43), 'receiver'))->encrypt(1, '', 'nonce'),
        ];
    }

    /**
     * @dataProvider everyClass
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('everyClass')]
    public function testEachMethodIsNamedAsTheEngineNamesIt(string $expected, Closure $ours, Closure $engines): void
    {
        $client = $this->client();
        $this->assertNamedAsTheEngineNamesIt($expected, fn () => $ours($client), fn () => $engines($client));
        $this->assertNoRequestReached();
    }

    public function testEveryWayOfCallingAMethodNamesIt(): void
    {
        $todos = $this->client()->todos();
        $bad = ['subject' => ''];
        $expected = 'DingTalk\Todo::create(): Argument #2 ($task[subject]) must not be empty';
        $ways = [
            'first-class callable' => $todos->create(...),
            'Closure::fromCallable' => Closure::fromCallable([$todos, 'create']),
            'call_user_func' => fn (...$args) => call_user_func([$todos, 'create'], ...$args),
            'call_user_func_array' => fn (...$args) => call_user_func_array([$todos, 'create'], $args),
            'reflection' => fn (...$args) => (new ReflectionMethod(Todo::class, 'create'))->invoke($todos, ...$args),
            'array_map' => fn (...$args) => array_map(fn (array $task) => $todos->create($args[0], $task), [$args[1]]),
        ];
        foreach ($ways as $way => $call) {
            $mine = $this->thrownBy(fn () => $call('union-u1', $bad));
            $this->assertStringStartsWith($expected, $mine->getMessage(), $way);
            // An array, which no mode coerces: call_user_func() and reflection call coercively.
            $theirs = $this->thrownBy(fn () => $call([], $bad));
            $this->assertStringStartsWith('DingTalk\Todo::create(): Argument #1 ($unionId) must be of type string, array given', $theirs->getMessage(), $way);
        }
        $this->assertNoRequestReached();
    }

    public function testASubclassWrittenInPhpIsNamedAsTheEngineNamesIt(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'api_base_url' => $this->emulator->url()];
        $client = new class ($key, $secret, $options) extends Client {
            public function __construct(mixed $appKey, mixed $appSecret, array $options)
            {
                parent::__construct($appKey, $appSecret, $options);
            }

            public function get(mixed $path, array $query = []): array
            {
                return parent::get($path, $query);
            }
        };
        $subclass = get_class($client);
        $this->assertNamedAsTheEngineNamesIt(
            'DingTalk\Client::__construct(): Argument #1 ($appKey) must not be empty',
            fn () => new $subclass('', $secret, $options),
            fn () => new $subclass(1, $secret, $options)
        );
        $this->assertNamedAsTheEngineNamesIt(
            'DingTalk\Client::__construct(): Argument #3 ($options[retries]) must be of type int, string given',
            fn () => new $subclass($key, $secret, ['retries' => 'many']),
            fn () => new $subclass(1, $secret, ['retries' => 'many'])
        );
        $this->assertNamedAsTheEngineNamesIt(
            'DingTalk\Client::get(): Argument #2 ($query[a]) must be of type string|int|float|bool, array given',
            fn () => $client->get('/x', ['a' => [1]]),
            fn () => $client->get(1)
        );
        // Inherited as it is, not overridden.
        $this->assertNamedAsTheEngineNamesIt(
            'DingTalk\Client::post(): Argument #2 ($body[a]) must be a finite number',
            fn () => $client->post('/x', ['a' => NAN]),
            fn () => $client->post(1)
        );

        $todos = new class ($client) extends Todo {
            public function create(mixed $unionId, array $task, mixed $operatorId = null): array
            {
                return parent::create($unionId, $task, $operatorId);
            }
        };
        $this->assertNamedAsTheEngineNamesIt(
            'DingTalk\Todo::create(): Argument #2 ($task[subject]) must not be empty',
            fn () => $todos->create('union-u1', ['subject' => '']),
            fn () => $todos->create(1, ['subject' => ''])
        );
        $this->assertNamedAsTheEngineNamesIt(
            'DingTalk\Todo::update(): Argument #3 ($changes[subject]) must not be empty',
            fn () => $todos->update('union-u1', 'task-1', ['subject' => '']),
            fn () => $todos->update('union-u1', 1, [])
        );
        $this->assertNoRequestReached();
    }

    public function testCreateManyResultsAreMadeInCreateManyAfterItsWorkersRan(): void
    {
        $todos = $this->client()->todos();
        $todos->create('union-u1', ['subject' => 'taken', 'sourceId' => 'dup']);
        $line = __LINE__ + 1;
        $results = $todos->createMany('union-u1', [
            ['subject' => 'one'],
            ['subject' => 'two', 'sourceId' => 'dup'],
            ['subject' => 'three'],
        ], ['concurrency' => 3]);
        $this->assertTrue($results[0]['ok']);
        $this->assertTrue($results[2]['ok']);
        $error = $results[1]['error'];
        $this->assertSame(ApiException::class, get_class($error));
        $this->assertSame(__FILE__, $error->getFile());
        $this->assertSame($line, $error->getLine());
        $this->assertSame('DingTalk\Todo', $error->getTrace()[0]['class']);
        $this->assertSame('createMany', $error->getTrace()[0]['function']);

        // The next argument error, on the same thread, names its own method.
        $e = $this->throws(\ValueError::class, fn () => $todos->get('', 'task-1'));
        $this->assertStringStartsWith('DingTalk\Todo::get(): Argument #1 ($unionId)', $e->getMessage());
    }

    public function testMethodsCalledInsideAStreamCallbackNameThemselvesAndRunNamesItselfAfterwards(): void
    {
        $client = $this->client();
        $stream = new Stream($client, ['reconnect_delay' => 0.01, 'max_reconnect_delay' => 0.1]);
        $emulator = $this->emulator;
        $emulator->push('todo_task_update', ['taskId' => 't1']);
        $inside = [];
        $callback = function (array $event) use ($client, $stream, $emulator, &$inside): bool {
            foreach ([
                fn () => $client->todos()->create('union-u1', ['subject' => '']),
                fn () => new Client('', 'secret'),
                fn () => new Stream($client, ['keepalive' => 0]),
                fn () => $stream->run(fn (array $e) => true, ['max_events' => 0]),
                fn () => $stream->run(fn (array $e) => true),
            ] as $call) {
                try {
                    $call();
                    $inside[] = 'nothing thrown';
                } catch (Throwable $e) {
                    $inside[] = get_class($e) . ': ' . $e->getMessage();
                }
            }
            // The next ticket is refused for good: run() ends with the gateway's error.
            $emulator->faults([[
                'path' => '/v1.0/gateway/connections/open',
                'status' => 403,
                'code' => 'Forbidden.AccessDenied.IpNotInWhiteList',
                'message' => 'not on the list',
            ]]);
            $emulator->streamDisconnect();
            return true;
        };
        $line = __LINE__ + 1;
        $e = $this->thrownBy(fn () => $stream->run($callback, ['timeout' => 20.0]));

        $this->assertCount(5, $inside);
        $this->assertStringStartsWith('ValueError: DingTalk\Todo::create(): Argument #2 ($task[subject]) must not be empty', $inside[0]);
        $this->assertStringStartsWith('ValueError: DingTalk\Client::__construct(): Argument #1 ($appKey) must not be empty', $inside[1]);
        $this->assertStringStartsWith('ValueError: DingTalk\Stream::__construct(): Argument #2 ($options[keepalive])', $inside[2]);
        $this->assertSame('ValueError: DingTalk\Stream::run(): Argument #2 ($options[max_events]) must be 1 or more, 0 given', $inside[3]);
        $this->assertSame('Error: DingTalk\Stream::run(): the worker is already running', $inside[4]);

        $this->assertSame(ApiException::class, get_class($e), $e->getMessage());
        $this->assertStringContainsString('Forbidden.AccessDenied.IpNotInWhiteList', $e->getMessage());
        $this->assertSame('DingTalk\Stream', $e->getTrace()[0]['class']);
        $this->assertSame('run', $e->getTrace()[0]['function']);
        $this->assertSame(__FILE__, $e->getFile());
        $this->assertSame($line, $e->getLine());
    }
}
