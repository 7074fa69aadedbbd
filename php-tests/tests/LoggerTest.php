<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\NotFoundException;
use DingTalk\Stream;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\RecordingLogger;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use RuntimeException;

/**
 * `options[logger]` of Client and Stream: a PSR-3 logger (or a callable) is given what happens
 * on the way, as PSR-3 records, on PHP's thread when the call returns; never a secret; a logger
 * that throws does not break the call.
 */
final class LoggerTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';
    private const LIST_API = 'POST /topapi/workrecord/getbyuserid';
    private const TOKEN = 'DingTalk access token fetched, valid for {expires_in} s (token_store: {store})';
    private const RETRY = 'DingTalk {api}: attempt {attempt} failed, retrying in {delay_ms} ms: {reason}';
    private const REFUSED = 'DingTalk {api}: attempt {attempt} was refused for its access token; retrying at once with a new token';
    private const THROTTLED = 'DingTalk {api}: attempt {attempt} was throttled ({errcode})';
    private const FAILED = '{method}() failed with {exception_class}: {error}';
    /** Reconnect at once in tests. */
    private const WORKER = ['reconnect_delay' => 0.01, 'max_reconnect_delay' => 0.1];

    /** A client of a fresh app on the shared emulator that logs to `$logger`. */
    private function logged(object|callable $logger, array $options = []): Client
    {
        return $this->client($options + ['logger' => $logger]);
    }

    public function testEveryKindOfRecordComesWithItsLevelMessageAndContext(): void
    {
        $logger = new RecordingLogger();
        $client = $this->logged($logger);
        $records = $client->workRecords();

        $records->list('u1');
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1, 'errmsg' => 'system busy']]);
        $records->list('u1');
        $this->emulator->faults([['path' => self::LIST, 'errcode' => 90018]]);
        $records->list('u1');
        $this->emulator->expireTokens();
        $records->list('u1');
        $e = $this->throws(NotFoundException::class, fn () => $client->todos()->complete('union-u1', 'no-such-task'));
        $this->emulator->faults([['path' => self::LIST, 'drop' => true, 'count' => 3]]);
        $transport = $this->throws(TransportException::class, fn () => $records->list('u1'));

        $this->assertSame([
            ['debug', self::TOKEN],
            ['info', self::RETRY],
            ['notice', self::THROTTLED],
            ['info', self::RETRY],
            ['info', self::REFUSED],
            ['debug', self::TOKEN],
            ['notice', self::FAILED],
            ['info', self::RETRY],
            ['info', self::RETRY],
            ['error', self::FAILED],
        ], $logger->lines());
        [$token, $busy, $throttled, $backoff, $refused, , $notFound, , , $failed] = $logger->records;

        $this->assertSame(['store' => 'memory', 'expires_in' => 7200], $token['context']);
        $this->assertSame(self::LIST_API, $busy['context']['api']);
        $this->assertSame(self::LIST, $busy['context']['path']);
        $this->assertSame(1, $busy['context']['attempt']);
        $this->assertSame('-1', $busy['context']['errcode']);
        $this->assertIsString($busy['context']['request_id']);
        $this->assertIsInt($busy['context']['delay_ms']);
        $this->assertStringContainsString('errcode -1, errmsg "system busy"', $busy['context']['reason']);
        $this->assertSame('90018', $throttled['context']['errcode']);
        $this->assertGreaterThanOrEqual(500, $backoff['context']['delay_ms'], 'a throttled call waits about a second');
        $this->assertSame(0, $refused['context']['delay_ms']);
        $this->assertSame('42001', $refused['context']['errcode'], 'the emulator\'s "token expired"');

        $this->assertSame('DingTalk\Todo::complete', $notFound['context']['method']);
        $this->assertSame(NotFoundException::class, $notFound['context']['exception_class']);
        $this->assertSame($e->getMessage(), $notFound['context']['error']);
        $this->assertSame('todo.taskUpdate.paramError', $notFound['context']['errcode']);
        $this->assertSame($e->getRequestId(), $notFound['context']['request_id']);
        $this->assertSame($e, $notFound['context']['exception'], 'the very exception thrown');

        $this->assertSame(TransportException::class, $failed['context']['exception_class']);
        $this->assertSame($transport, $failed['context']['exception']);
        $this->assertArrayNotHasKey('errcode', $failed['context']);
    }

    public function testRateLimitWaitsAndStoreFailuresAreLogged(): void
    {
        $logger = new RecordingLogger();
        $client = $this->logged($logger, [
            'rate_limit' => 2,
            'token_store' => 'redis://127.0.0.1:' . self::closedPort() . '/0',
        ]);
        $client->workRecords()->list('u1');
        $client->workRecords()->list('u1');
        $store = $logger->starting('DingTalk token store');
        $this->assertNotEmpty($store);
        $this->assertSame('warning', $store[0]['level']);
        $this->assertSame('DingTalk token store ({store}) failed; the call goes on without it: {cause}', $store[0]['message']);
        $this->assertSame('redis', $store[0]['context']['store']);
        $this->assertNotSame('', $store[0]['context']['cause']);
        $this->assertCount($client->stats()['store_errors'], $store, 'one record per failure counted');
        [$wait] = $logger->starting('DingTalk {api}: waited');
        $this->assertSame('notice', $wait['level']);
        $this->assertSame('DingTalk {api}: waited {delay_ms} ms for a slot of options[rate_limit]', $wait['message']);
        $this->assertSame(self::LIST_API, $wait['context']['api']);
        $this->assertGreaterThan(0, $wait['context']['delay_ms']);
    }

    public function testNothingSecretReachesTheLogger(): void
    {
        [$key, $secret] = $this->freshApp();
        $logger = new RecordingLogger();
        $url = $this->emulator->url();
        $client = new Client($key, $secret, [
            'endpoint' => $url,
            'token_store' => 'redis://:redis-hunter2@127.0.0.1:' . self::closedPort() . '/0',
            'logger' => $logger,
        ]);
        $tokens = [$client->getAccessToken()];
        // DingTalk's answer echoes the request's query, token included.
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1, 'errmsg' => 'echo {query}']]);
        $client->workRecords()->list('u1');
        $this->emulator->faults([['path' => self::LIST, 'errcode' => 40014, 'errmsg' => 'bad token {query}', 'count' => 2]]);
        $this->throws(\DingTalk\AuthenticationException::class, fn () => $client->workRecords()->list('u1'));
        $tokens[] = $client->getAccessToken();
        $this->throws(NotFoundException::class, fn () => $client->workRecords()->complete('u1', 'nope'));
        (new Stream($client, self::WORKER))->run(fn (array $event) => true, ['timeout' => 0.3]);

        $wrongSecret = new Client($key, $secret . '-wrong', ['endpoint' => $url, 'logger' => $logger]);
        $this->throws(\DingTalk\AuthenticationException::class, fn () => $wrongSecret->getAccessToken(true));
        $proxied = new Client($key, $secret, [
            'endpoint' => $url, 'retries' => 0, 'logger' => $logger,
            'proxy' => 'http://user:proxy-hunter2@127.0.0.1:' . self::closedPort(),
        ]);
        $this->throws(TransportException::class, fn () => $proxied->getAccessToken(true));

        $this->assertGreaterThanOrEqual(10, count($logger->records));
        $everything = $logger->everything();
        $this->assertStringContainsString('echo ', $everything, 'the echoed answer was logged, scrubbed');
        $this->assertStringContainsString('DingTalk Stream connected to', $everything);
        foreach (array_merge([$secret, $secret . '-wrong', 'redis-hunter2', 'proxy-hunter2'], $tokens) as $hidden) {
            $this->assertStringNotContainsString($hidden, $everything);
            $this->assertStringNotContainsString(rawurlencode($hidden), $everything);
        }
    }

    public function testACallableIsCalledAsALoggerIs(): void
    {
        $calls = [];
        $client = $this->logged(function (string $level, string $message, array $context) use (&$calls): void {
            $calls[] = [$level, $message, array_keys($context)];
        });
        $client->getAccessToken();
        $this->assertSame([['debug', self::TOKEN, ['store', 'expires_in']]], $calls);
    }

    public function testMonologWorksAsIs(): void
    {
        require_once 'Monolog/autoload.php';
        $handler = new \Monolog\Handler\TestHandler();
        $monolog = new \Monolog\Logger('dingtalk', [$handler], [new \Monolog\Processor\PsrLogMessageProcessor()]);
        $client = $this->logged($monolog);
        $client->workRecords()->list('u1');
        $e = $this->throws(NotFoundException::class, fn () => $client->workRecords()->complete('u1', 'nope'));
        $records = $handler->getRecords();
        $this->assertCount(2, $records);
        $this->assertSame('DEBUG', $records[0]['level_name']);
        $this->assertSame('DingTalk access token fetched, valid for 7200 s (token_store: memory)', $records[0]['message']);
        $this->assertSame('NOTICE', $records[1]['level_name']);
        $this->assertSame(
            'DingTalk\WorkRecord::complete() failed with DingTalk\NotFoundException: ' . $e->getMessage(),
            $records[1]['message']
        );
        $this->assertSame($e, $records[1]['context']['exception']);
    }

    public function testALoggerThatThrowsDoesNotBreakTheCall(): void
    {
        $calls = 0;
        $client = $this->logged(function () use (&$calls): void {
            $calls++;
            throw new RuntimeException('the logger is down');
        });
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $this->assertSame([], $client->workRecords()->list('u1')['records']);
        $this->assertSame(1, $calls, 'the rest of that call\'s records were dropped');
        // A failing call still throws its own exception.
        $this->throws(NotFoundException::class, fn () => $client->workRecords()->complete('u1', 'nope'));
        $this->assertSame(2, $calls, 'each call tries the logger again');
    }

    public function testRecordsOfTheLoggersOwnCallsAreNotLogged(): void
    {
        $client = null;
        $seen = [];
        $client = $this->logged(function (string $level, string $message) use (&$client, &$seen): void {
            $seen[] = $message;
            // A logger that calls DingTalk itself: its records would feed it for ever.
            $client->workRecords()->list('logger-user');
        });
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $client->workRecords()->list('u1');
        $this->assertSame([self::TOKEN, self::RETRY], $seen);
    }

    public function testBulkItemsAreLoggedBeforeCreateManyReturns(): void
    {
        $logger = new RecordingLogger();
        $client = $this->logged($logger);
        $todos = $client->todos();
        $todos->create('union-u1', ['subject' => 'taken', 'sourceId' => 'dup']);
        $logger->records = [];
        // Two items' first attempts fail on worker threads; they are retried there.
        $this->emulator->faults([['path' => '/v1.0/todo/users/union-u1/tasks', 'status' => 500, 'code' => 'todo.taskCreate.systemError', 'count' => 2]]);
        $results = $todos->createMany('union-u1', [
            'a' => ['subject' => 'a', 'sourceId' => 'bulk-a'],
            'b' => ['subject' => 'b', 'sourceId' => 'dup'],
            'c' => ['subject' => 'c', 'sourceId' => 'bulk-c'],
            'd' => ['subject' => 'd', 'sourceId' => 'bulk-d'],
        ], ['concurrency' => 4]);
        $this->assertFalse($results['b']['ok']);
        $retries = $logger->starting('DingTalk {api}: attempt');
        $this->assertCount(2, $retries);
        $this->assertSame('POST /v1.0/todo/users/{}/tasks', $retries[0]['context']['api']);
        $this->assertSame('todo.taskCreate.systemError', $retries[0]['context']['errcode']);
        [$item] = $logger->starting('{method}(): item');
        $this->assertSame('notice', $item['level']);
        $this->assertSame('{method}(): item {item} failed with {exception_class}: {error}', $item['message']);
        $this->assertSame('b', $item['context']['item']);
        $this->assertSame('DingTalk\Todo::createMany', $item['context']['method']);
        $this->assertSame($results['b']['error'], $item['context']['exception']);
    }

    public function testAStreamLogsItsConnectionToItsOwnLoggerOrTheClients(): void
    {
        $gateway = $this->startEmulator(['--stream-redelivery-delay', '0.1']);
        $clientLogger = new RecordingLogger();
        $url = $gateway->url();
        $client = new Client(Emulator::DEMO_KEY, Emulator::DEMO_SECRET, ['endpoint' => $url, 'logger' => $clientLogger]);
        $own = new RecordingLogger();
        $stream = new Stream($client, self::WORKER + ['logger' => $own]);
        $gateway->push('todo_task_update', ['taskId' => 't1']);
        $second = false;
        $stream->run(function (array $event) use ($gateway, &$second): bool {
            if (!$second) {
                $this->assertSame(1, $gateway->streamDisconnect());
                $gateway->push('todo_task_update', ['taskId' => 't2']);
                $second = true;
            }
            return true;
        }, ['max_events' => 2, 'timeout' => 20.0]);
        // The same states its on_state would be told.
        $this->assertSame([
            ['debug', 'DingTalk Stream connecting (attempt {attempt})'],
            ['info', 'DingTalk Stream connected to {host}'],
            ['info', 'DingTalk Stream: the gateway asked for a new connection; the old one is read until it closes'],
            ['debug', 'DingTalk Stream connecting (attempt {attempt})'],
            ['info', 'DingTalk Stream connected to {host}'],
            ['info', 'DingTalk Stream disconnected: {reason}'],
        ], $own->lines());
        $this->assertSame(['host' => '127.0.0.1', 'attempt' => 1], $own->records[1]['context']);
        $this->assertSame('the worker closed the connection', $own->records[5]['context']['reason']);
        $this->assertSame([], $clientLogger->records, 'the worker has a logger of its own');

        $shared = new Stream($client, self::WORKER);
        $shared->run(fn (array $event) => true, ['timeout' => 0.3]);
        $this->assertSame([
            ['debug', 'DingTalk Stream connecting (attempt {attempt})'],
            ['info', 'DingTalk Stream connected to {host}'],
            ['info', 'DingTalk Stream disconnected: {reason}'],
        ], $clientLogger->lines(), 'without one, the client\'s');

        $gateway->refuseTickets(1);
        $lost = new RecordingLogger();
        (new Stream($client, self::WORKER + ['logger' => $lost]))->run(fn (array $event) => true, ['timeout' => 0.5]);
        $this->assertSame('warning', $lost->records[1]['level']);
        $this->assertSame('DingTalk Stream connection failed: {reason}; attempt {attempt} in {delay_ms} ms', $lost->records[1]['message']);
        $this->assertSame(2, $lost->records[1]['context']['attempt']);
        $this->assertStringContainsString('HTTP 401', $lost->records[1]['context']['reason']);
    }

    public function testALoggerMustBeCallableOrHaveALogMethod(): void
    {
        foreach ([[5, 'int'], [new \stdClass(), 'stdClass'], ['no_such_function', 'string']] as [$logger, $type]) {
            $e = $this->throws(\TypeError::class, fn () => new Client('k', 's', ['logger' => $logger]));
            $this->assertSame(
                "DingTalk\\Client::__construct(): Argument #3 (\$options[logger]) must be of type callable|Psr\\Log\\LoggerInterface, {$type} given",
                $e->getMessage()
            );
            $client = new Client('k', 's');
            $e = $this->throws(\TypeError::class, fn () => new Stream($client, ['logger' => $logger]));
            $this->assertStringContainsString('($options[logger]) must be of type callable|Psr\Log\LoggerInterface', $e->getMessage());
        }
        $this->assertInstanceOf(Client::class, new Client('k', 's', ['logger' => null]));
        $this->assertInstanceOf(Client::class, new Client('k', 's', ['logger' => 'strlen']));
        $this->assertNoRequestReached();
    }
}
