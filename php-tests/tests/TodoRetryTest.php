<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * One end-to-end case per v1.0 retry rule, driven by the emulator (the whole matrix of error
 * class × kind of call is the Rust table in crates/dingtalk-core/tests/retry_matrix.rs). The
 * emulator's count of requests and its stored tasks show what reached DingTalk.
 */
final class TodoRetryTest extends TestCase
{
    private const UNION = 'union-boss';
    private const TASKS = '/v1.0/todo/users/union-boss/tasks';
    private const QUERY = '/v1.0/todo/users/union-boss/org/tasks/query';

    /** A fresh client whose token is already cached. */
    private function warmClient(array $options = []): Client
    {
        $client = $this->client($options);
        $client->getAccessToken();
        return $client;
    }

    // ---- InvalidAuthentication: a new token, once --------------------------------------------

    /** @return iterable<string, array{0: int}> */
    public static function retryCounts(): iterable
    {
        yield 'retries => 2' => [2];
        yield 'retries => 0' => [0];
    }

    /**
     * @dataProvider retryCounts
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('retryCounts')]
    public function testAnExpiredTokenIsRenewedAndEvenACreateWithoutSourceIdResentOnce(int $retries): void
    {
        $client = $this->warmClient(['retries' => $retries]);
        $this->emulator->expireTokens();
        $task = $client->todos()->create(self::UNION, ['subject' => 's']);
        $this->assertSame([$task['id']], array_column($this->emulator->todos(), 'id'), 'created once');
        $this->assertSame(2, $this->emulator->requests(self::TASKS));
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertClientStats(2, 2, 1, $client);
        // The new token is cached: the next call needs none.
        $client->todos()->list(self::UNION);
        $this->assertSame(2, $this->emulator->tokenFetches());
    }

    public function testATokenRefusedAfterItsRenewalIsAnAuthenticationException(): void
    {
        $client = $this->warmClient(['retries' => 10]);
        $this->emulator->faults([['path' => self::QUERY, 'status' => 400, 'code' => 'InvalidAuthentication', 'count' => 5]]);
        $e = $this->throws(AuthenticationException::class, fn () => $client->todos()->all(self::UNION));
        $this->assertSame([400, 'InvalidAuthentication'], [$e->getCode(), $e->getErrorCode()]);
        $this->assertSame(2, $this->emulator->requests(self::QUERY), 'renewed once, not once per allowed retry');
        $this->assertSame(2, $this->emulator->tokenFetches());
    }

    // ---- throttling: backoff from 1 s, then RateLimitException --------------------------------

    public function testThrottledEveryTimeIsARateLimitExceptionAfterTheRetries(): void
    {
        $client = $this->warmClient(['retries' => 2]);
        $this->emulator->faults([['path' => self::TASKS, 'status' => 403, 'code' => 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'count' => 3]]);
        $start = microtime(true);
        $e = $this->throws(RateLimitException::class, fn () => $client->todos()->create(self::UNION, ['subject' => 's']));
        $elapsed = microtime(true) - $start;
        $this->assertSame([403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'], [$e->getCode(), $e->getErrorCode()]);
        $this->assertSame(3, $this->emulator->requests(self::TASKS), 'throttling is retried even for a create without sourceId');
        $this->assertClientStats(3, 1, 2, $client);
        // Pauses from 1 s, doubled, jittered to 50-100 %: at least 0.5 s + 1 s.
        $this->assertGreaterThanOrEqual(1.5, $elapsed);
        $this->assertSame([], $this->emulator->todos());
    }

    public function testAQpmLimitIsThrottlingToo(): void
    {
        $client = $this->warmClient(['retries' => 1]);
        $this->emulator->faults([['path' => self::QUERY, 'status' => 403, 'code' => 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi']]);
        $this->assertSame([], $client->todos()->all(self::UNION));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function testTheEmulatorsOwnQpsLimitIsWaitedOut(): void
    {
        $emulator = $this->startEmulator(['--qps-limit', '1']);
        $client = $this->client([], $emulator);
        $todos = $client->todos();
        $first = $todos->create(self::UNION, ['subject' => 'first']);
        // The second create in the same second is throttled; the pause outlasts the window.
        $second = $todos->create(self::UNION, ['subject' => 'second']);
        $this->assertSame([$first['id'], $second['id']], array_column($emulator->todos(), 'id'));
        $this->assertGreaterThanOrEqual(1, $client->stats()['retries']);
        $this->assertSame(2 + $client->stats()['retries'], $emulator->requests(self::TASKS));
    }

    // ---- the monthly quota: at once ------------------------------------------------------------

    public function testTheMonthlyQuotaIsARateLimitExceptionAtOnce(): void
    {
        $client = $this->warmClient(['retries' => 5]);
        $this->emulator->faults([['path' => self::QUERY, 'status' => 403, 'code' => 'Forbidden.AccessDenied.ApiCountLimitForOrg', 'count' => 6]]);
        $e = $this->throws(RateLimitException::class, fn () => $client->todos()->list(self::UNION));
        $this->assertSame('Forbidden.AccessDenied.ApiCountLimitForOrg', $e->getErrorCode());
        $this->assertSame(1, $this->emulator->requests(self::QUERY));
        $this->assertClientStats(1, 1, 0, $client);
    }

    // ---- 429 and 5xx: resent only when safe ----------------------------------------------------

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function busyAnswers(): iterable
    {
        yield '429 system.busy' => [['status' => 429, 'code' => 'system.busy']];
        yield '500 systemError' => [['status' => 500, 'code' => 'todo.taskCreate.systemError']];
        yield '503 HTML' => [['status' => 503, 'body' => '<html>Service Unavailable</html>']];
        yield 'dropped connection' => [['drop' => true]];
    }

    /**
     * @dataProvider busyAnswers
     * @param array<string, mixed> $fault
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('busyAnswers')]
    public function testBusyIsResentForEveryCallThatIsSafeToRepeat(array $fault): void
    {
        $client = $this->warmClient();
        $todos = $client->todos();
        $task = $todos->create(self::UNION, ['subject' => 's', 'detailUrl' => ['appUrl' => 'https://a']]);
        $path = self::TASKS . '/' . $task['id'];
        $calls = [
            'get' => [$path, fn () => $this->assertSame($task['id'], $todos->get(self::UNION, $task['id'])['id'])],
            'findBySourceId' => [self::TASKS . '/sources/none', fn () => $this->assertNull($todos->findBySourceId(self::UNION, 'none'))],
            'update' => [$path, fn () => $this->assertTrue($todos->update(self::UNION, $task['id'], ['subject' => 'changed']))],
            'complete' => [$path, fn () => $this->assertTrue($todos->complete(self::UNION, $task['id']))],
            'list' => [self::QUERY, fn () => $this->assertCount(1, $todos->list(self::UNION, true)['tasks'])],
            'all' => [self::QUERY, fn () => $this->assertCount(1, $todos->all(self::UNION, true))],
            'request PUT' => [$path, fn () => $this->assertTrue($client->request('PUT', $path, [], ['done' => false])['result'])],
            'request GET' => [$path, fn () => $this->assertSame($task['id'], $client->request('GET', $path)['id'])],
            'create with sourceId' => [self::TASKS, fn () => $this->assertSame('src-1', $todos->create(self::UNION, ['subject' => 's', 'sourceId' => 'src-1'])['sourceId'])],
            'delete' => [$path, fn () => $this->assertTrue($todos->delete(self::UNION, $task['id']))],
        ];
        foreach ($calls as $name => [$faultPath, $call]) {
            $before = $this->emulator->requests($faultPath);
            $this->emulator->faults([$fault + ['path' => $faultPath]]);
            $call();
            $this->assertSame($before + 2, $this->emulator->requests($faultPath), "{$name} was sent twice");
            $this->assertSame([], $this->emulator->pendingFaults(), "{$name} met the fault");
        }
        $this->assertSame(count($calls), $client->stats()['retries']);
        $this->assertCount(2, $this->emulator->todos(), 'the create with sourceId made one task');
    }

    /** @return iterable<string, array{0: array<string, mixed>, 1: class-string}> */
    public static function unsafeFailures(): iterable
    {
        yield '429 system.busy' => [['status' => 429, 'code' => 'system.busy'], ApiException::class];
        yield '500 systemError' => [['status' => 500, 'code' => 'todo.taskCreate.systemError'], ApiException::class];
        yield '502 HTML' => [['status' => 502, 'body' => '<html>Bad Gateway</html>'], TransportException::class];
        yield 'dropped connection' => [['drop' => true], TransportException::class];
    }

    /**
     * @dataProvider unsafeFailures
     * @param array<string, mixed> $fault
     * @param class-string $class
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('unsafeFailures')]
    public function testACreateWithoutSourceIdIsNeverResentAfterItMayHaveLanded(array $fault, string $class): void
    {
        $client = $this->warmClient(['retries' => 5]);
        // The work is done, then the answer is lost or replaced: the task exists.
        $this->emulator->faults([$fault + ['path' => self::TASKS, 'processed' => true]]);
        $this->throws($class, fn () => $client->todos()->create(self::UNION, ['subject' => 's']));
        $this->assertSame(1, $this->emulator->requests(self::TASKS));
        $this->assertCount(1, $this->emulator->todos(), 'one task, not two');
        $this->assertClientStats(1, 1, 0, $client);
    }

    /**
     * @dataProvider unsafeFailures
     * @param array<string, mixed> $fault
     * @param class-string $class
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('unsafeFailures')]
    public function testARequestPostIsNeverResentAfterItMayHaveLanded(array $fault, string $class): void
    {
        $client = $this->warmClient(['retries' => 5]);
        $this->emulator->faults([$fault + ['path' => self::TASKS]]);
        $this->throws($class, fn () => $client->request('POST', self::TASKS, [], ['subject' => 's', 'sourceId' => 'src']));
        $this->assertSame(1, $this->emulator->requests(self::TASKS), 'a POST through request() is never known to be safe');
    }

    public function testACreateWithSourceIdIsResentAfterAFailureThatDidNotLand(): void
    {
        $client = $this->warmClient();
        $this->emulator->faults([['path' => self::TASKS, 'status' => 500, 'code' => 'todo.taskCreate.systemError']]);
        $task = $client->todos()->create(self::UNION, ['subject' => 's', 'sourceId' => 'order-1']);
        $this->assertSame([$task['id']], array_column($this->emulator->todos(), 'id'));
        $this->assertSame(2, $this->emulator->requests(self::TASKS));
        $this->assertSame(0, $this->emulator->requests(self::TASKS . '/sources/order-1'), 'no lookup needed');
    }

    public function testAFinalErrorIsNotResent(): void
    {
        $client = $this->warmClient(['retries' => 5]);
        $this->emulator->faults([['path' => self::QUERY, 'status' => 400, 'code' => 'todo.orgTaskQuery.paramError', 'count' => 3]]);
        $this->throws(ApiException::class, fn () => $client->todos()->list(self::UNION));
        $this->assertSame(1, $this->emulator->requests(self::QUERY));
    }

    public function testRetriesStopAtTheAllowedCount(): void
    {
        $client = $this->warmClient(['retries' => 1]);
        $this->emulator->faults([['path' => self::QUERY, 'status' => 503, 'code' => 'ServiceUnavailable', 'count' => 5]]);
        $e = $this->throws(ApiException::class, fn () => $client->todos()->list(self::UNION));
        $this->assertSame(503, $e->getCode());
        $this->assertSame(2, $this->emulator->requests(self::QUERY));
    }
}
