<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\DuplicateException;
use DingTalk\NotFoundException;
use DingTalk\Client;
use DingTalk\Tests\Support\TestCase;
use DingTalk\WorkRecord;

/** `DingTalk\WorkRecord`: what create() sends, list/all/find/complete against stored records. */
final class WorkRecordTest extends TestCase
{
    private Client $client;
    private WorkRecord $records;

    protected function setUp(): void
    {
        parent::setUp();
        $this->client = $this->client();
        $this->records = $this->client->workRecords();
    }

    public function testConstants(): void
    {
        $this->assertSame(0, WorkRecord::PENDING);
        $this->assertSame(1, WorkRecord::DONE);
    }

    public function testCreateWithAListOfFormItemsAndEveryOption(): void
    {
        $id = $this->records->create(
            'user-1',
            '报销审批 #42',
            'https://example.com/mobile/42',
            [
                ['title' => '申请人', 'content' => '张三'],
                ['title' => 'Amount', 'content' => '12.50 EUR'],
                ['title' => 'Empty', 'content' => ''],
            ],
            [
                'pc_url' => 'https://example.com/pc/42',
                'pc_open_type' => 4,
                'source_name' => 'Expenses',
                'originator_user_id' => 'boss-7',
                'biz_id' => 'expense-42',
                'create_time' => 1_700_000_000_123,
            ]
        );
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $id);

        $this->assertSame([[
            'record_id' => $id,
            'userid' => 'user-1',
            'biz_id' => 'expense-42',
            'title' => '报销审批 #42',
            'url' => 'https://example.com/mobile/42',
            'create_time' => 1_700_000_000_123,
            'forms' => [
                ['title' => '申请人', 'content' => '张三'],
                ['title' => 'Amount', 'content' => '12.50 EUR'],
                ['title' => 'Empty', 'content' => ''],
            ],
            'pcUrl' => 'https://example.com/pc/42',
            'pc_open_type' => 4,
            'source_name' => 'Expenses',
            'originator_user_id' => 'boss-7',
            'status' => 0,
        ]], $this->emulator->records('user-1'));
    }

    public function testCreateWithAMapOfTitleToContentKeepsTheOrder(): void
    {
        $this->records->create('user-1', 't', 'https://example.com', [
            'Zeta' => 'last letter',
            'Alpha' => 'first letter',
            '金额' => '100',
        ], ['pc_open_type' => 2]);
        $stored = $this->emulator->records('user-1')[0];
        $this->assertSame([
            ['title' => 'Zeta', 'content' => 'last letter'],
            ['title' => 'Alpha', 'content' => 'first letter'],
            ['title' => '金额', 'content' => '100'],
        ], $stored['forms']);
        $this->assertSame(2, $stored['pc_open_type']);
    }

    public function testMapWithNumericTitles(): void
    {
        // PHP turns the key '2024' into the int 2024; in a map (not a list) it is still a title.
        $this->records->create('user-1', 't', 'https://example.com', ['2024' => 'budget year', 'Amount' => '5']);
        $this->assertSame([
            ['title' => '2024', 'content' => 'budget year'],
            ['title' => 'Amount', 'content' => '5'],
        ], $this->emulator->records('user-1')[0]['forms']);
    }

    public function testCreateWithoutFormsOrOptions(): void
    {
        $before = (int) floor(microtime(true) * 1000);
        $id = $this->records->create('user-1', 'minimal', 'https://example.com');
        $after = (int) ceil(microtime(true) * 1000);
        $stored = $this->emulator->records('user-1')[0];
        $this->assertSame($id, $stored['record_id']);
        $this->assertSame([], $stored['forms']);
        foreach (['biz_id', 'pcUrl', 'pc_open_type', 'source_name', 'originator_user_id'] as $absent) {
            $this->assertNull($stored[$absent], $absent);
        }
        // Default create_time: now, in milliseconds.
        $this->assertGreaterThanOrEqual($before, $stored['create_time']);
        $this->assertLessThanOrEqual($after, $stored['create_time']);
    }

    public function testNullOptionsAreLeftOut(): void
    {
        $this->records->create('user-1', 't', 'https://example.com', [], [
            'pc_url' => null, 'pc_open_type' => null, 'biz_id' => null, 'create_time' => null,
        ]);
        $stored = $this->emulator->records('user-1')[0];
        $this->assertNull($stored['pcUrl']);
        $this->assertNull($stored['biz_id']);
        $this->assertGreaterThan(1_600_000_000_000, $stored['create_time']);
    }

    public function testTitleOfFiftyCharactersIsAcceptedWhateverItsBytes(): void
    {
        $title = str_repeat('待', 49) . '🎉'; // 50 characters, 151 bytes
        $this->records->create('user-1', $title, 'https://example.com');
        $this->assertSame($title, $this->emulator->records('user-1')[0]['title']);
    }

    public function testTwentyFormItemsAreAccepted(): void
    {
        $forms = [];
        for ($i = 1; $i <= 20; $i++) {
            $forms["field {$i}"] = "value {$i}";
        }
        $this->records->create('user-1', 't', 'https://example.com', $forms);
        $this->assertCount(20, $this->emulator->records('user-1')[0]['forms']);
    }

    public function testEachCreateIsANewRecord(): void
    {
        $a = $this->records->create('user-1', 'same', 'https://example.com', [], ['create_time' => 1_700_000_000_000]);
        $b = $this->records->create('user-1', 'same', 'https://example.com', [], ['create_time' => 1_700_000_000_000]);
        $this->assertNotSame($a, $b);
        $this->assertCount(2, $this->emulator->records('user-1'));
    }

    public function testDuplicateBizIdIsRefusedWhenNoEarlierAttemptCouldHaveLanded(): void
    {
        $first = $this->records->create('user-1', 'one', 'https://example.com', [], ['biz_id' => 'b-1']);
        $e = $this->throws(DuplicateException::class, fn () => $this->records->create('user-1', 'two', 'https://example.com', [], ['biz_id' => 'b-1']));
        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertSame(854001, $e->getCode());
        $this->assertSame('854001', $e->getErrorCode());
        $this->assertNull($e->getExistingId(), 'DingTalk names no record');
        $this->assertStringContainsString('this record was not created', $e->getMessage());
        // Another user may use the same biz_id.
        $other = $this->records->create('user-2', 'one', 'https://example.com', [], ['biz_id' => 'b-1']);
        $this->assertNotSame($first, $other);
        $this->assertCount(1, $this->emulator->records('user-1'));
    }

    public function testDuplicateOfTheSameRecordIsNotMistakenForALandedRetry(): void
    {
        // Same biz_id, create_time, title and url, but the first create succeeded normally: the
        // second is the caller's mistake, not a retry of its own lost attempt.
        $options = ['biz_id' => 'b-2', 'create_time' => 1_700_000_000_000];
        $this->records->create('user-1', 'one', 'https://example.com', [], $options);
        $e = $this->throws(DuplicateException::class, fn () => $this->records->create('user-1', 'one', 'https://example.com', [], $options));
        $this->assertSame(854001, $e->getCode());
    }

    public function testListShapeAndDefaults(): void
    {
        $id = $this->records->create('user-1', 'title', 'https://example.com/x', ['k' => 'v'], ['create_time' => 1_700_000_000_000]);
        $this->assertSame([
            'has_more' => false,
            'records' => [[
                'record_id' => $id,
                'create_time' => 1_700_000_000_000,
                'title' => 'title',
                'url' => 'https://example.com/x',
                'forms' => [['title' => 'k', 'content' => 'v']],
            ]],
        ], $this->records->list('user-1'));
        $this->assertSame(['has_more' => false, 'records' => []], $this->records->list('user-1', WorkRecord::DONE));
        $this->assertSame(['has_more' => false, 'records' => []], $this->records->list('nobody'));
    }

    public function testListPaginationOverFiftyOneRecords(): void
    {
        $ids = $this->createMany('user-p', 51);

        $first = $this->records->list('user-p', WorkRecord::PENDING, 0, 50);
        $this->assertTrue($first['has_more']);
        $this->assertSame(array_slice($ids, 0, 50), array_column($first['records'], 'record_id'));

        $second = $this->records->list('user-p', WorkRecord::PENDING, 50, 50);
        $this->assertFalse($second['has_more']);
        $this->assertSame([$ids[50]], array_column($second['records'], 'record_id'));

        $this->assertSame(['has_more' => false, 'records' => []], $this->records->list('user-p', WorkRecord::PENDING, 51, 50));
        $this->assertSame(['has_more' => false, 'records' => []], $this->records->list('user-p', WorkRecord::PENDING, 1000, 50));

        $middle = $this->records->list('user-p', WorkRecord::PENDING, 10, 5);
        $this->assertTrue($middle['has_more']);
        $this->assertSame(array_slice($ids, 10, 5), array_column($middle['records'], 'record_id'));

        $last = $this->records->list('user-p', WorkRecord::PENDING, 46, 5);
        $this->assertFalse($last['has_more']);
        $this->assertSame(array_slice($ids, 46, 5), array_column($last['records'], 'record_id'));

        $one = $this->records->list('user-p', WorkRecord::PENDING, 0, 1);
        $this->assertTrue($one['has_more']);
        $this->assertCount(1, $one['records']);
    }

    public function testAllReadsEveryPage(): void
    {
        $ids = $this->createMany('user-a', 101);
        $before = $this->emulator->requests('/topapi/workrecord/getbyuserid');
        $all = $this->records->all('user-a');
        $this->assertSame($ids, array_column($all, 'record_id'));
        $this->assertSame(3, $this->emulator->requests('/topapi/workrecord/getbyuserid') - $before, 'pages of 50');
        $this->assertSame([], $this->records->all('user-a', WorkRecord::DONE));
        $this->assertSame([], $this->records->all('nobody'));
    }

    public function testAllOfExactlyFiftyRecords(): void
    {
        $ids = $this->createMany('user-50', 50);
        $this->assertSame($ids, array_column($this->records->all('user-50', WorkRecord::PENDING), 'record_id'));
    }

    public function testRecordsAreOrderedByCreateTime(): void
    {
        $late = $this->records->create('user-1', 'late', 'https://example.com', [], ['create_time' => 1_700_000_003_000]);
        $early = $this->records->create('user-1', 'early', 'https://example.com', [], ['create_time' => 1_700_000_001_000]);
        $middle = $this->records->create('user-1', 'middle', 'https://example.com', [], ['create_time' => 1_700_000_002_000]);
        $this->assertSame([$early, $middle, $late], array_column($this->records->all('user-1'), 'record_id'));
    }

    public function testCompleteByRecordId(): void
    {
        $id = $this->records->create('user-1', 'to do', 'https://example.com');
        $keep = $this->records->create('user-1', 'stays', 'https://example.com');
        $this->assertTrue($this->records->complete('user-1', $id));

        $this->assertSame(1, $this->emulator->records('user-1')[0]['status']);
        $this->assertSame(0, $this->emulator->records('user-1')[1]['status']);
        $this->assertSame([$keep], array_column($this->records->all('user-1', WorkRecord::PENDING), 'record_id'));
        $done = $this->records->list('user-1', WorkRecord::DONE);
        $this->assertSame([$id], array_column($done['records'], 'record_id'));
        $this->assertFalse($done['has_more']);
    }

    public function testCompleteByBizId(): void
    {
        $id = $this->records->create('user-1', 'to do', 'https://example.com', [], ['biz_id' => 'order-9']);
        $this->assertTrue($this->records->complete('user-1', 'order-9'));
        $this->assertSame([$id], array_column($this->records->all('user-1', WorkRecord::DONE), 'record_id'));
    }

    public function testCompleteTwiceIsFine(): void
    {
        $id = $this->records->create('user-1', 'to do', 'https://example.com');
        $this->assertTrue($this->records->complete('user-1', $id));
        $this->assertTrue($this->records->complete('user-1', $id));
        $this->assertCount(1, $this->records->all('user-1', WorkRecord::DONE));
    }

    public function testCompleteOfAnUnknownRecordIsNotFound(): void
    {
        $id = $this->records->create('user-1', 'to do', 'https://example.com');
        $e = $this->throws(NotFoundException::class, fn () => $this->records->complete('user-1', 'no-such-record'));
        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertSame(40035, $e->getCode());
        // Another user has no such record: the same answer, and this user's record stays pending.
        $this->throws(NotFoundException::class, fn () => $this->records->complete('user-2', $id));
        $this->assertSame(0, $this->emulator->records('user-1')[0]['status']);
    }

    public function testFindPendingDoneAndAbsent(): void
    {
        $pending = $this->records->create('user-1', 'pending', 'https://example.com/p', ['a' => 'b'], ['create_time' => 1_700_000_000_000]);
        $done = $this->records->create('user-1', 'done', 'https://example.com/d');
        $this->records->complete('user-1', $done);

        $this->assertSame([
            'record_id' => $pending,
            'create_time' => 1_700_000_000_000,
            'title' => 'pending',
            'url' => 'https://example.com/p',
            'forms' => [['title' => 'a', 'content' => 'b']],
        ], $this->records->find('user-1', $pending));
        $this->assertSame('done', $this->records->find('user-1', $done)['title']);
        $this->assertNull($this->records->find('user-1', 'absent'));
        $this->assertNull($this->records->find('user-2', $pending));
    }

    public function testFindPastTheFirstPage(): void
    {
        $ids = $this->createMany('user-f', 55);
        $this->assertSame($ids[54], $this->records->find('user-f', $ids[54])['record_id']);
        $this->assertSame($ids[0], $this->records->find('user-f', $ids[0])['record_id']);
        $this->records->complete('user-f', $ids[3]);
        $this->assertSame($ids[3], $this->records->find('user-f', $ids[3])['record_id']);
    }

    public function testWorkRecordIsBoundToItsClientsApp(): void
    {
        $other = $this->client();
        $mine = new WorkRecord($this->client);
        $mine->create('user-1', 't', 'https://example.com');
        $this->assertSame(1, $this->client->stats()['requests']);
        $this->assertSame(0, $other->stats()['requests']);
    }

    /** Creates `$n` records with increasing create_time; returns their ids in that order. */
    private function createMany(string $user, int $n): array
    {
        $ids = [];
        for ($i = 0; $i < $n; $i++) {
            $ids[] = $this->records->create($user, "record {$i}", "https://example.com/{$i}", [], [
                'create_time' => 1_700_000_000_000 + $i * 1000,
            ]);
        }
        return $ids;
    }
}
