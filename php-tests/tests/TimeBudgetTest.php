<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * `timeout` is the budget of a whole call: token fetch, attempts and backoff. The elapsed-time
 * bounds below are sanity checks against hanging, not performance targets.
 */
final class TimeBudgetTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';
    private const ADD = '/topapi/workrecord/add';

    public function testSlowAnswerEndsTheCallAtTheTimeout(): void
    {
        $client = $this->client(['timeout' => 0.5]);
        $client->getAccessToken();
        $this->emulator->faults([['path' => self::LIST, 'delay_ms' => 4000]]);
        $start = microtime(true);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $elapsed = microtime(true) - $start;
        $this->assertStringContainsString(self::LIST, $e->getMessage());
        $this->assertStringContainsString('timed out', $e->getMessage());
        $this->assertGreaterThanOrEqual(0.4, $elapsed);
        $this->assertLessThan(3.0, $elapsed, 'the call must not wait for the 4 s answer');
        // The whole budget went to the first attempt: no retry.
        $this->assertSame(1, $this->emulator->requests(self::LIST));
    }

    public function testSlowTokenFetchEndsTheCallAtTheTimeout(): void
    {
        $client = $this->client(['timeout' => 0.5]);
        $this->emulator->faults([['path' => '/gettoken', 'delay_ms' => 4000]]);
        $start = microtime(true);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertLessThan(3.0, microtime(true) - $start);
        $this->assertStringContainsString('/gettoken', $e->getMessage());
        $this->assertSame(0, $this->emulator->requests(self::ADD));
    }

    public function testBudgetCoversTheTokenFetchAndTheRequest(): void
    {
        // 0.35 s for the token, then 0.35 s for the list: each alone fits 0.6 s, both do not.
        $client = $this->client(['timeout' => 0.6]);
        $this->emulator->faults([
            ['path' => '/gettoken', 'delay_ms' => 350],
            ['path' => self::LIST, 'delay_ms' => 350],
        ]);
        $start = microtime(true);
        $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertLessThan(3.0, microtime(true) - $start);
    }

    public function testSlowButInTimeAnswerSucceeds(): void
    {
        $client = $this->client(['timeout' => 3.0]);
        $this->emulator->faults([['path' => self::LIST, 'delay_ms' => 200]]);
        $this->assertSame([], $client->workRecords()->list('u1')['records']);
    }

    public function testBackoffThatWouldPassTheDeadlineEndsWithTheLastError(): void
    {
        // Always busy, ten retries allowed, but the 200 ms backoff doubling soon passes a
        // 0.6 s budget: the call ends early with DingTalk's last answer, not a timeout.
        $client = $this->client(['timeout' => 0.6, 'retries' => 10]);
        $client->getAccessToken();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1, 'count' => 50]]);
        $start = microtime(true);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->list('u1'));
        $elapsed = microtime(true) - $start;
        $this->assertSame(-1, $e->getCode());
        $this->assertLessThan(3.0, $elapsed, 'sanity bound: no hang');
        $retries = $client->stats()['retries'];
        $this->assertGreaterThanOrEqual(1, $retries);
        $this->assertLessThan(10, $retries);
        $this->assertSame($retries + 1, $this->emulator->requests(self::LIST));
    }

    public function testThrottleBackoffLongerThanTheBudgetIsNotWaited(): void
    {
        // A throttle backoff is at least 0.5 s; with 0.3 s of budget there is no time for it.
        $client = $this->client(['timeout' => 0.3, 'retries' => 5]);
        $this->emulator->faults([['path' => self::LIST, 'errcode' => 90018, 'count' => 10]]);
        $start = microtime(true);
        $e = $this->throws(\DingTalk\RateLimitException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(90018, $e->getCode());
        $this->assertLessThan(3.0, microtime(true) - $start, 'sanity bound: no hang');
        $this->assertSame(1, $this->emulator->requests(self::LIST));
    }

    public function testTimedOutAddWithoutBizIdIsNotRepeated(): void
    {
        $client = $this->client(['timeout' => 0.5, 'retries' => 5]);
        $client->getAccessToken();
        $this->emulator->faults([['path' => self::ADD, 'delay_ms' => 1500]]);
        $this->throws(TransportException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertSame(1, $this->emulator->requests(self::ADD));
    }

    public function testSlowToDoPagesEndAllWithinTheTimeout(): void
    {
        $query = '/v1.0/todo/users/union-boss/org/tasks/query';
        $client = $this->client(['timeout' => 1.0]);
        $todos = $client->todos();
        for ($i = 0; $i < 31; $i++) {
            $todos->create('union-boss', ['subject' => "t{$i}", 'detailUrl' => ['appUrl' => 'https://a']]);
        }
        // Each page alone is well within the budget ...
        $this->emulator->faults([['path' => $query, 'delay_ms' => 400]]);
        $this->assertCount(10, $todos->list('union-boss')['tasks']);
        // ... four of them together are not: all() is one call with one budget.
        $this->emulator->faults([['path' => $query, 'delay_ms' => 400, 'count' => 4]]);
        $start = microtime(true);
        $e = $this->throws(TransportException::class, fn () => $todos->all('union-boss'));
        $this->assertLessThan(3.0, microtime(true) - $start, 'sanity bound: no hang');
        $this->assertStringContainsString($query, $e->getMessage());
        $this->assertSame(1 + 3, $this->emulator->requests($query), 'the third page ran out of time');
    }

    public function testEachCallHasItsOwnBudget(): void
    {
        $client = $this->client(['timeout' => 0.5]);
        $records = $client->workRecords();
        for ($i = 0; $i < 3; $i++) {
            $this->emulator->faults([['path' => self::LIST, 'delay_ms' => 300]]);
            $records->list('u1');
        }
        $this->assertSame(3, $this->emulator->requests(self::LIST));
    }
}
