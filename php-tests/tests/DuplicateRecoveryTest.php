<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\ConflictException;
use DingTalk\DuplicateException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\WorkRecord;

/**
 * A create() with a biz_id whose first attempt may have landed, and whose retry is told
 * "duplicate biz_id" (854001). The listing shows no biz_id, so the record is recognised by its
 * content: only a create_time this call made, and exactly one pending record with everything
 * that was sent, prove it is this call's. Anything less is a ConflictException: outcome unknown.
 * A first attempt told "duplicate" is a DuplicateException: nothing of this call had landed.
 */
final class DuplicateRecoveryTest extends TestCase
{
    private const ADD = '/topapi/workrecord/add';
    private const LIST = '/topapi/workrecord/getbyuserid';

    private WorkRecord $records;

    protected function setUp(): void
    {
        parent::setUp();
        $this->records = $this->client()->workRecords();
    }

    public function testTheRecordOfAnAttemptWhoseAnswerWasLostIsReturned(): void
    {
        // Two records that share title and url (another create_time), then the lost attempt.
        $this->records->create('u1', 'Approve', 'https://example.com/a', ['k' => 'v']);
        $this->records->create('u1', 'Approve', 'https://example.com/a', ['k' => 'other']);
        $this->emulator->faults([['path' => self::ADD, 'drop' => true, 'processed' => true]]);
        $id = $this->records->create('u1', 'Approve', 'https://example.com/a', ['k' => 'v'], ['biz_id' => 'b-1']);
        $stored = array_values(array_filter($this->emulator->records('u1'), fn ($r) => $r['biz_id'] === 'b-1'));
        $this->assertCount(1, $stored);
        $this->assertSame($stored[0]['record_id'], $id);
        $this->assertCount(3, $this->emulator->records('u1'));
    }

    public function testAnExplicitCreateTimeIsNeverProof(): void
    {
        // A batch shares one create_time: another call's record matches title, url and time.
        $batch = ['create_time' => 1_700_000_000_000];
        $this->records->create('u1', 'Batch item', 'https://example.com/b', [], $batch + ['biz_id' => 'b-other']);
        // This call's first attempt fails unprocessed (502); its retry is told "duplicate".
        $this->emulator->faults([
            ['path' => self::ADD, 'status' => 502, 'body' => '<html>Bad Gateway</html>'],
            ['path' => self::ADD, 'errcode' => 854001, 'errmsg' => 'duplicate', 'request_id' => 'req-1'],
        ]);
        $e = $this->throws(ConflictException::class, fn () => $this->records->create('u1', 'Batch item', 'https://example.com/b', [], $batch + ['biz_id' => 'b-mine']));
        $this->assertConflict($e);
        $this->assertSame('req-1', $e->getRequestId());
        $this->assertCount(1, $this->emulator->records('u1'));
    }

    public function testNoRecordWithThisCallsCreateTimeIsAConflict(): void
    {
        $this->emulator->faults([
            ['path' => self::ADD, 'status' => 502, 'body' => '<html>Bad Gateway</html>'],
            ['path' => self::ADD, 'errcode' => 854001],
        ]);
        $e = $this->throws(ConflictException::class, fn () => $this->records->create('u1', 'T', 'https://example.com', [], ['biz_id' => 'b-2']));
        $this->assertConflict($e);
    }

    public function testTheLookupIsBoundedByPagesAndEndsInAConflict(): void
    {
        $endless = '{"errcode":0,"records":{"has_more":true,"list":[{"record_id":"r","create_time":1,"title":"t","url":"u","forms":[]}]}}';
        $this->emulator->faults([
            ['path' => self::ADD, 'status' => 502],
            ['path' => self::ADD, 'errcode' => 854001],
            ['path' => self::LIST, 'status' => 200, 'body' => $endless, 'count' => 1200],
        ]);
        $e = $this->throws(ConflictException::class, fn () => $this->records->create('u1', 'T', 'https://example.com', [], ['biz_id' => 'b-4']));
        $this->assertConflict($e);
        $this->assertSame(1000, $this->emulator->requests(self::LIST));
    }

    public function testAFirstAttemptToldDuplicateIsADuplicate(): void
    {
        $this->records->create('u1', 'T', 'https://example.com', [], ['biz_id' => 'b-5']);
        $e = $this->throws(DuplicateException::class, fn () => $this->records->create('u1', 'T', 'https://example.com', [], ['biz_id' => 'b-5']));
        $this->assertSame(854001, $e->getCode());
        $this->assertNull($e->getExistingId());
        $this->assertStringNotContainsString('outcome unknown', $e->getMessage());
        $this->assertSame(0, $this->emulator->requests(self::LIST), 'nothing to look up');
    }

    private function assertConflict(ConflictException $e): void
    {
        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertSame(854001, $e->getCode());
        $this->assertStringContainsString(self::ADD, $e->getMessage());
        $this->assertStringContainsString('outcome unknown', $e->getMessage());
        $this->assertStringContainsString('all()', $e->getMessage(), 'says what to do');
        $this->assertIsString($e->getErrmsg());
    }
}
