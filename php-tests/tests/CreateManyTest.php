<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\DuplicateException;
use DingTalk\Exception;
use DingTalk\RateLimitException;
use DingTalk\TransportException;
use DingTalk\Tests\Support\TestCase;

/**
 * `WorkRecord::createMany()` and `Todo::createMany()`: every item checked before anything is
 * sent, items sent a few at a time under the usual rules, one result per item in its place.
 */
final class CreateManyTest extends TestCase
{
    private const ADD = '/topapi/workrecord/add';

    /** @return array<string, string> */
    private static function record(string $user, string $title, array $more = []): array
    {
        return ['user_id' => $user, 'title' => $title, 'url' => 'https://example.com/' . rawurlencode($title)] + $more;
    }

    public function testResultsComeInInputOrderUnderTheirKeys(): void
    {
        $records = [];
        for ($i = 0; $i < 10; $i++) {
            $records[] = self::record('u' . ($i % 3), "record {$i}", [
                'forms' => [['title' => 'n', 'content' => (string) $i]],
                'biz_id' => "order-{$i}",
            ]);
        }
        $results = $this->client()->workRecords()->createMany($records, ['concurrency' => 4]);
        $this->assertSame(array_keys($records), array_keys($results));
        foreach ($results as $i => $result) {
            $this->assertSame(['ok', 'id'], array_keys($result));
            $this->assertTrue($result['ok']);
            $stored = array_values(array_filter(
                $this->emulator->records('u' . ($i % 3)),
                static fn ($r) => $r['record_id'] === $result['id']
            ));
            $this->assertCount(1, $stored, "record {$i}");
            $this->assertSame("record {$i}", $stored[0]['title']);
            $this->assertSame("order-{$i}", $stored[0]['biz_id']);
        }
        $this->assertSame(10, $this->emulator->requests(self::ADD), 'each sent once');

        $named = $this->client()->workRecords()->createMany([
            'first' => self::record('u9', 'a'),
            7 => self::record('u9', 'b'),
        ]);
        $this->assertSame(['first', 7], array_keys($named));
        $this->assertSame([], $this->client()->workRecords()->createMany([]));
    }

    public function testOneFailureLosesNoOtherResult(): void
    {
        $client = $this->client();
        $client->workRecords()->create('u1', 'taken', 'https://example.com/', [], ['biz_id' => 'dup']);
        $line = __LINE__ + 1;
        $results = $client->workRecords()->createMany([
            self::record('u1', 'one'),
            self::record('u1', 'two', ['biz_id' => 'dup']),
            self::record('u1', 'three'),
        ], ['concurrency' => 3]);
        $this->assertTrue($results[0]['ok']);
        $this->assertTrue($results[2]['ok']);
        $this->assertSame(['ok', 'error'], array_keys($results[1]));
        $this->assertFalse($results[1]['ok']);
        $error = $results[1]['error'];
        $this->assertSame(DuplicateException::class, get_class($error));
        $this->assertSame('854001', $error->getErrorCode());
        $this->assertSame(854001, $error->getCode());
        $this->assertStringContainsString(self::ADD, $error->getMessage());
        $this->assertSame(__FILE__, $error->getFile(), 'made where createMany() was called');
        $this->assertSame($line, $error->getLine());
        $this->assertCount(3, $this->emulator->records('u1'), '"taken", "one" and "three"');
    }

    public function testFailuresOfEveryKindAreResultsOfTheirClass(): void
    {
        $client = $this->client(['retries' => 0]);
        $client->getAccessToken();
        // One at a time: the faults meet the items in order.
        $this->emulator->faults([
            ['path' => self::ADD, 'drop' => true],
            ['path' => self::ADD, 'errcode' => 90018],
        ]);
        $results = $client->workRecords()->createMany(
            [self::record('u1', 'dropped'), self::record('u1', 'throttled'), self::record('u1', 'fine')],
            ['concurrency' => 1]
        );
        $this->assertSame(TransportException::class, get_class($results[0]['error']));
        $this->assertSame(RateLimitException::class, get_class($results[1]['error']));
        $this->assertSame('90018', $results[1]['error']->getErrorCode());
        $this->assertTrue($results[2]['ok']);
        $this->assertSame(['fine'], array_column($this->emulator->records('u1'), 'title'));
    }

    /** @return iterable<string, array{0: list<mixed>, 1: array<string, mixed>, 2: string, 3: string}> */
    public static function badBatches(): iterable
    {
        $good = self::record('u1', 'fine');
        yield 'title missing' => [[$good, $good, $good, ['user_id' => 'u1', 'url' => 'https://x']], [], 'ValueError', '$records[3][title]) is required'];
        yield 'title too long' => [[$good, self::record('u1', str_repeat('题', 51))], [], 'ValueError', '$records[1][title]) must be at most 50 characters'];
        yield 'empty user' => [[self::record('', 't')], [], 'ValueError', '$records[0][user_id]) must not be empty'];
        yield 'unknown key' => [[$good, $good + ['colour' => 'red']], [], 'ValueError', '$records[1]) has an unknown key "colour"'];
        yield 'item not an array' => [[$good, 'nope'], [], 'TypeError', '$records[1]) must be of type array, string given'];
        yield 'title not a string' => [[['title' => 5] + $good], [], 'TypeError', '$records[0][title]) must be of type string, int given'];
        yield 'bad form' => [[self::record('u1', 't', ['forms' => [['title' => 'x']]])], [], 'ValueError', '$records[0][forms][0]) has no "content"'];
        yield 'bad option' => [[$good, self::record('u1', 't', ['pc_open_type' => 3])], [], 'ValueError', '$records[1][pc_open_type]) must be 2'];
        yield 'seconds for create_time' => [[self::record('u1', 't', ['create_time' => 1_700_000_000])], [], 'ValueError', '$records[0][create_time])'];
        yield 'concurrency 0' => [[$good], ['concurrency' => 0], 'ValueError', '$options[concurrency]) must be between 1 and 32, 0 given'];
        yield 'concurrency 33' => [[$good], ['concurrency' => 33], 'ValueError', '$options[concurrency]) must be between 1 and 32, 33 given'];
        yield 'timeout 0' => [[$good], ['timeout' => 0], 'ValueError', '$options[timeout])'];
        yield 'unknown option' => [[$good], ['retries' => 1], 'ValueError', '$options) has an unknown key "retries"'];
    }

    /**
     * @dataProvider badBatches
     * @param list<mixed> $records
     * @param array<string, mixed> $options
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badBatches')]
    public function testEveryItemIsCheckedBeforeAnythingIsSent(array $records, array $options, string $class, string $message): void
    {
        $client = $this->client();
        $e = $this->throws($class, fn () => $client->workRecords()->createMany($records, $options));
        $this->assertStringContainsString('DingTalk\WorkRecord::createMany(): Argument #', $e->getMessage());
        $this->assertStringContainsString($message, $e->getMessage());
        $this->assertNoRequestReached();
    }

    public function testConcurrencyIsBounded(): void
    {
        // An emulator of this test's own: no request of another test is in flight in it.
        $emulator = $this->startEmulator();
        $client = $this->client([], $emulator);
        $records = [];
        for ($i = 0; $i < 9; $i++) {
            $records[] = self::record('u1', "slow {$i}");
        }
        foreach ([[['concurrency' => 3], 3], [[], 4], [['concurrency' => 1], 1]] as [$options, $expected]) {
            $emulator->reset();
            // The reset forgot every token: a new one, before the adds.
            $client->getAccessToken(true);
            // Each add is held 200 ms: the adds sent together pile up in the emulator.
            $emulator->faults([['path' => self::ADD, 'delay_ms' => 200, 'count' => 9]]);
            $results = $client->workRecords()->createMany($records, $options);
            $this->assertSame(9, count(array_filter(array_column($results, 'ok'))));
            $stats = $emulator->stats();
            $this->assertSame($expected, $stats['max_in_flight'], json_encode($options) . ' → most adds at once');
            $this->assertSame(9, $stats['requests'][self::ADD]);
        }
    }

    public function testTheWholeCallIsBoundedByItsTimeout(): void
    {
        $emulator = $this->startEmulator();
        $client = $this->client(['timeout' => 10.0], $emulator);
        $client->getAccessToken();
        $emulator->faults([['path' => self::ADD, 'delay_ms' => 400, 'count' => 10]]);
        $records = [];
        for ($i = 0; $i < 6; $i++) {
            $records[] = self::record('u1', "late {$i}");
        }
        $results = $client->workRecords()->createMany($records, ['concurrency' => 1, 'timeout' => 1.0]);
        $this->assertTrue($results[0]['ok'], 'the first item had the time it needed');
        $failed = array_filter($results, static fn ($r) => !$r['ok']);
        $this->assertNotEmpty($failed);
        foreach ($failed as $result) {
            $this->assertSame(TransportException::class, get_class($result['error']));
        }
        $this->assertStringContainsString('not sent', $results[5]['error']->getMessage());
        $this->assertLessThan(6, $emulator->stats()['requests'][self::ADD], 'late items were not sent');
    }

    public function testARetriedItemThatLandedIsFoundAsCreateFindsIt(): void
    {
        $client = $this->client();
        // The first add is carried out, then its answer is lost.
        $this->emulator->faults([['path' => self::ADD, 'status' => 502, 'processed' => true]]);
        $results = $client->workRecords()->createMany(
            [self::record('u1', 'landed', ['biz_id' => 'b-1']), self::record('u1', 'plain')],
            ['concurrency' => 1]
        );
        $stored = $this->emulator->records('u1');
        $this->assertCount(2, $stored, 'each created once');
        $this->assertSame($stored[0]['record_id'], $results[0]['id']);
        $this->assertSame($stored[1]['record_id'], $results[1]['id']);
    }

    public function testTodosAreCreatedInOrderWithTheirTasks(): void
    {
        $client = $this->client(['api_base_url' => $this->emulator->url()]);
        $todos = $client->todos();
        $todos->create('union-u1', ['subject' => 'taken', 'sourceId' => 'dup']);
        $results = $todos->createMany('union-u1', [
            ['subject' => 'one', 'sourceId' => 's-1', 'priority' => 20],
            ['subject' => 'two', 'sourceId' => 'dup'],
            ['subject' => 'three', 'executorIds' => ['union-u2']],
        ], ['concurrency' => 2, 'operator_id' => 'union-boss']);
        $this->assertSame(['ok', 'id', 'task'], array_keys($results[0]));
        $this->assertSame('one', $results[0]['task']['subject']);
        $this->assertSame($results[0]['id'], $results[0]['task']['id']);
        $this->assertSame('three', $results[2]['task']['subject']);
        $this->assertFalse($results[1]['ok']);
        $this->assertSame(DuplicateException::class, get_class($results[1]['error']));
        $this->assertSame($this->emulator->todos('union-u1')[0]['id'], $results[1]['error']->getExistingId());
        $this->assertInstanceOf(ApiException::class, $results[1]['error']);
        $this->assertInstanceOf(Exception::class, $results[1]['error']);
        $this->assertStringContainsString('task exist', $results[1]['error']->getMessage());
        $subjects = array_column($this->emulator->todos('union-u1'), 'subject');
        $this->assertSame(['taken', 'one', 'three'], array_values(array_intersect(['taken', 'one', 'two', 'three'], $subjects)));
    }

    public function testEveryTaskIsCheckedBeforeAnythingIsSent(): void
    {
        $client = $this->client(['api_base_url' => $this->emulator->url()]);
        foreach ([
            [[['subject' => 'ok'], ['description' => 'no subject']], [], '$tasks[1][subject])'],
            [[['subject' => 'ok', 'priority' => 15]], [], '$tasks[0][priority])'],
            [[['subject' => 'ok']], ['operator_id' => 7], '$options[operator_id]) must be of type string'],
            [[['subject' => 'ok']], ['operator_id' => ''], 'operatorId'],
        ] as [$tasks, $options, $message]) {
            $e = $this->throws(
                str_contains($message, 'of type') ? \TypeError::class : \ValueError::class,
                fn () => $client->todos()->createMany('union-u1', $tasks, $options)
            );
            $this->assertStringContainsString($message, $e->getMessage());
        }
        $this->throws(\ValueError::class, fn () => $client->todos()->createMany('', [['subject' => 'x']]));
        $this->assertNoRequestReached();
    }

    public function testAFailedTokenFetchIsSharedByTheWholeBatch(): void
    {
        [$key] = $this->freshApp();
        $client = new \DingTalk\Client($key, 'not-the-secret', ['endpoint' => $this->emulator->url()]);
        $records = [];
        for ($i = 0; $i < 40; $i++) {
            $records[] = self::record('u1', "r{$i}");
        }
        $results = $client->workRecords()->createMany($records, ['concurrency' => 8]);
        $this->assertCount(40, $results);
        foreach ($results as $result) {
            $this->assertSame(AuthenticationException::class, get_class($result['error']));
        }
        $this->assertSame(1, $this->emulator->tokenFetches(), 'one /gettoken for the whole batch');
        $this->assertSame(0, $this->emulator->requests(self::ADD), 'no item was sent');
        $this->assertSame([], $client->todos()->createMany('union-u1', []), 'an empty batch fetches nothing');
        $this->assertSame(1, $this->emulator->tokenFetches());
    }

    /** @return iterable<string, array{0: string}> */
    public static function families(): iterable
    {
        yield 'work records (oapi: errcode 90018)' => ['records'];
        yield 'to-dos (v1.0: HTTP 403 QpsLimit)' => ['todos'];
    }

    /**
     * Without a rate_limit, a batch against a server that allows 10 calls a second still gets
     * every item through: the throttled answers slow the rest of the batch down (fewer in
     * flight, spaced) instead of spending each item's retries in the same crowded second.
     *
     * @dataProvider families
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('families')]
    public function testAThrottlingServerSlowsTheBatchDownUntilEveryItemIsThrough(string $family): void
    {
        $emulator = $this->startEmulator(['--qps-limit', '10']);
        $client = $this->client([], $emulator);
        $items = [];
        for ($i = 0; $i < 40; $i++) {
            $items[] = $family === 'records' ? self::record('u1', "paced {$i}") : ['subject' => "paced {$i}", 'sourceId' => "paced-{$i}"];
        }
        $results = $family === 'records'
            ? $client->workRecords()->createMany($items, ['concurrency' => 8])
            : $client->todos()->createMany('union-u1', $items, ['concurrency' => 8]);
        $failed = array_filter($results, static fn ($r) => !$r['ok']);
        $this->assertSame([], array_map(static fn ($r) => $r['error']->getMessage(), $failed));
        $path = $family === 'records' ? self::ADD : '/v1.0/todo/users/union-u1/tasks';
        $sent = $emulator->requests($path);
        // Unpaced, 40 items at 8 at a time made 62 requests here, and 2 items failed.
        $this->assertLessThanOrEqual(52, $sent, 'at most the first wave in flight and a few more were throttled');
        $this->assertSame($sent - 40, $emulator->stats()['throttled'], 'each extra request was a throttled one');
    }

    public function testItemsRespectTheRateLimit(): void
    {
        $emulator = $this->startEmulator(['--qps-limit', '10']);
        $client = $this->client(['rate_limit' => 10], $emulator);
        $records = [];
        for ($i = 0; $i < 12; $i++) {
            $records[] = self::record('u1', "limited {$i}");
        }
        $results = $client->workRecords()->createMany($records, ['concurrency' => 8]);
        $this->assertSame(12, count(array_filter(array_column($results, 'ok'))));
        $this->assertSame(0, $emulator->stats()['throttled']);
        $this->assertSame(0, $client->stats()['retries']);
    }
}
