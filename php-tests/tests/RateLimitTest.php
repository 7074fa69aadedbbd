<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\Fleet;
use DingTalk\Tests\Support\RedisServer;
use DingTalk\Tests\Support\TestCase;

/**
 * `rate_limit`: calls per second per app and API, for every process sharing the `token_store`,
 * against an emulator that throttles past its `--qps-limit` (and counts those answers).
 */
final class RateLimitTest extends TestCase
{
    private const LIMIT = 20;
    private const CALLS_PER_PROCESS = 15;
    private const GET = '/topapi/workrecord/getbyuserid';

    /** @return iterable<string, array{0: string}> */
    public static function stores(): iterable
    {
        yield 'file (this host)' => ['file'];
        yield 'redis (the fleet)' => ['redis'];
    }

    /**
     * Four processes send as fast as they can with `rate_limit` = DingTalk's limit: not one
     * call is throttled, and together they reach the limit (within 10 %).
     *
     * @dataProvider stores
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('stores')]
    public function testFourProcessesAtTheLimitAreNeverThrottledAndReachIt(string $kind): void
    {
        $emulator = $this->startEmulator(['--qps-limit', (string) self::LIMIT]);
        $redis = null;
        if ($kind === 'redis') {
            $redis = RedisServer::start();
            $store = $redis->url();
        } else {
            $dir = sys_get_temp_dir() . '/dingtalk-rate-' . bin2hex(random_bytes(6));
            $store = "file://{$dir}";
        }
        [$key, $secret] = $emulator->freshApp();
        $config = json_encode([$key, $secret, [
            'base_url' => $emulator->url(),
            'token_store' => $store,
            'rate_limit' => self::LIMIT,
            'timeout' => 30.0,
        ]]);
        $fleet = Fleet::start(<<<'PHP'
            [$key, $secret, $options] = json_decode($argv[1], true);
            $client = new DingTalk\Client($key, $secret, $options);
            $client->getAccessToken();
            fleet_ready();
            fleet_wait();
            $done = [];
            for ($i = 0; $i < (int) $argv[2]; $i++) {
                $client->workRecords()->list('u1');
                $done[] = microtime(true);
            }
            echo json_encode(['done' => $done, 'stats' => $client->stats()]), "\n";
            PHP, array_fill(0, 4, [$config, (string) self::CALLS_PER_PROCESS]));
        $fleet->waitReady();
        $fleet->go();
        $times = [];
        $waited = 0;
        foreach ($fleet->finish(120.0) as $i => [$code, $out, $err]) {
            $this->assertSame(0, $code, "process {$i}: {$err}");
            $lines = explode("\n", trim($out));
            $report = json_decode((string) end($lines), true, 512, JSON_THROW_ON_ERROR);
            $this->assertSame(0, $report['stats']['retries'], "process {$i} retried: it was throttled");
            $times = array_merge($times, $report['done']);
            $waited += $report['stats']['rate_limit_wait_ms'];
        }
        $redis?->stop();
        if (isset($dir)) {
            array_map('unlink', glob("{$dir}/*") ?: []);
            @rmdir($dir);
        }
        $stats = $emulator->stats();
        $this->assertSame(0, $stats['throttled'], 'no call was answered "over the limit"');
        $calls = 4 * self::CALLS_PER_PROCESS;
        $this->assertSame($calls, $stats['requests'][self::GET]);
        sort($times);
        $rate = ($calls - 1) / (end($times) - $times[0]);
        if (getenv('DINGTALK_TEST_FIGURES')) {
            fwrite(STDERR, sprintf(
                "\nrate limit, %s: %d calls from 4 processes at %.2f calls/s (limit %d), %d throttled, %d ms waited\n",
                $kind,
                $calls,
                $rate,
                self::LIMIT,
                $stats['throttled'],
                $waited
            ));
        }
        $this->assertEqualsWithDelta(self::LIMIT, $rate, self::LIMIT * 0.10, 'the achieved rate');
        $this->assertGreaterThan(0, $waited, 'the processes waited for their slots');
    }

    /** A call whose slot comes after its deadline fails at once, and is not sent. */
    public function testACallWhoseSlotIsPastItsDeadlineIsNotSent(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'rate_limit' => 1];
        $patient = new Client($key, $secret, $options + ['timeout' => 5.0]);
        $hurried = new Client($key, $secret, $options + ['timeout' => 0.3]);
        $patient->workRecords()->list('u1');
        $e = $this->throws(RateLimitException::class, fn () => $hurried->workRecords()->list('u1'));
        $this->assertStringContainsString(self::GET, $e->getMessage());
        $this->assertStringContainsString('not sent', $e->getMessage());
        $this->assertStringContainsString('options[rate_limit]', $e->getMessage());
        $this->assertSame(1, $this->emulator->requests(self::GET), 'the refused call was not sent');
        // The refused call took no slot: the patient one has the next, a second later.
        $this->assertSame(0, $patient->stats()['rate_limit_wait_ms']);
        $patient->workRecords()->list('u1');
        $this->assertSame(2, $this->emulator->requests(self::GET));
        $this->assertGreaterThanOrEqual(500, $patient->stats()['rate_limit_wait_ms']);
    }

    /** One limit per API: the ids in a path do not make another API, the method and path do. */
    public function testTheLimitIsPerApi(): void
    {
        $client = $this->client([
            'api_base_url' => $this->emulator->url(),
            'rate_limit' => 1,
            'timeout' => 0.5,
        ]);
        $todos = $client->todos();
        $todos->create('union-a', ['subject' => 'first']);
        // Another user, the same API (POST .../users/{unionId}/tasks): no slot within 0.5 s.
        $this->throws(RateLimitException::class, fn () => $todos->create('union-b', ['subject' => 'second']));
        // Other APIs have slots of their own.
        $this->assertNull($todos->get('union-b', 'no-such-task'));
        $this->assertSame([], $client->workRecords()->all('u1'));
        $this->assertSame(0, $client->stats()['rate_limit_wait_ms']);
        $this->assertCount(1, $this->emulator->todos('union-a'));
        $this->assertCount(0, $this->emulator->todos('union-b'));
    }

    /** A `token_store` of `$kind` for one test, and what to clean up after it. */
    private function anyStore(string $kind): array
    {
        if ($kind === 'redis') {
            $redis = RedisServer::start();
            return [$redis->url(), $redis, null];
        }
        if ($kind === 'file') {
            $dir = sys_get_temp_dir() . '/dingtalk-rate-' . bin2hex(random_bytes(6));
            return ["file://{$dir}", null, $dir];
        }
        return ['memory', null, null];
    }

    private static function removeDir(?string $dir): void
    {
        if ($dir !== null) {
            array_map('unlink', glob("{$dir}/*") ?: []);
            @rmdir($dir);
        }
    }

    /** @return iterable<string, array{0: string}> */
    public static function everyStore(): iterable
    {
        yield 'memory' => ['memory'];
        yield 'file' => ['file'];
        yield 'redis' => ['redis'];
    }

    /**
     * The smallest limit the range allows (a call every 29 hours) is enforced exactly: the
     * second call fails at once and is not sent.
     *
     * @dataProvider everyStore
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('everyStore')]
    public function testTheSmallestLimitHoldsOnEveryStore(string $kind): void
    {
        [$store, $redis, $dir] = $this->anyStore($kind);
        try {
            $client = $this->client(['rate_limit' => 0.00001, 'token_store' => $store]);
            $client->workRecords()->list('u1');
            $e = $this->throws(RateLimitException::class, fn () => $client->workRecords()->list('u1'));
            $this->assertStringContainsString('not sent', $e->getMessage());
            $this->assertSame(1, $this->emulator->requests(self::GET));
        } finally {
            $redis?->stop();
            self::removeDir($dir);
        }
    }

    /** Limits too small to enforce (an interval past a day, or none at all) are refused. */
    public function testLimitsBelowTheRangeAreRefused(): void
    {
        foreach ([PHP_FLOAT_MIN, 4.9e-324, 1e-9, 0.0000099] as $bad) {
            $e = $this->throws(\ValueError::class, fn () => $this->client(['rate_limit' => $bad]));
            $this->assertStringContainsString('$options[rate_limit]', $e->getMessage());
            $this->assertStringContainsString('0.00001', $e->getMessage(), 'the range is named');
        }
        $this->assertNoRequestReached();
    }

    /**
     * The limit keeps one state per API, not per id in its path: 3,000 to-dos read through
     * `request()` leave one rate file (file://) and one key (redis://), not 3,000. (Each call
     * takes its slot, then fails: the hosts are a closed port.)
     *
     * @dataProvider stores
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('stores')]
    public function testIdsInARequestPathShareTheLimitOfTheirApi(string $kind): void
    {
        [$store, $redis, $dir] = $this->anyStore($kind);
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $closed = 'http://' . stream_socket_get_name($socket, false);
        fclose($socket);
        $script = <<<'PHP'
            <?php
            [, $store, $url] = $argv;
            $client = new DingTalk\Client('k', 's', [
                'base_url' => $url, 'api_base_url' => $url, 'token_store' => $store,
                'rate_limit' => 100000, 'retries' => 0,
            ]);
            for ($i = 0; $i < 3000; $i++) {
                try {
                    $client->request('GET', "/v1.0/todo/users/union-{$i}/tasks/task{$i}");
                } catch (DingTalk\Exception $e) {
                }
            }
            echo "done\n";
            PHP;
        try {
            [$code, $out, $err] = self::runPhp($script, true, [$store, $closed], 120.0);
            $this->assertSame(0, $code, $err . $out);
            $this->assertSame("done\n", $out);
            if ($redis !== null) {
                $keys = array_filter(explode("\n", $redis->cli('KEYS', 'dingtalk:rate:*')));
                $this->assertCount(1, $keys, implode(', ', array_slice($keys, 0, 3)));
            } else {
                $this->assertCount(1, glob("{$dir}/*.rate") ?: []);
            }
        } finally {
            $redis?->stop();
            self::removeDir($dir);
        }
    }

    public function testTheLimitIsCheckedWhenTheClientIsMade(): void
    {
        foreach ([0, -1, 100_001, NAN, INF] as $bad) {
            $e = $this->throws(\ValueError::class, fn () => $this->client(['rate_limit' => $bad]));
            $this->assertStringContainsString('$options[rate_limit]', $e->getMessage());
        }
        $this->throws(\TypeError::class, fn () => $this->client(['rate_limit' => '20']));
        $this->assertNoRequestReached();
    }
}
