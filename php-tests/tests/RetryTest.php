<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\ConflictException;
use DingTalk\DuplicateException;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use DingTalk\WorkRecord;

/**
 * The retry rules, driven by scripted emulator faults. Each test uses a fresh app, so the
 * client's counters (`stats()`) start at zero.
 */
final class RetryTest extends TestCase
{
    private const ADD = '/topapi/workrecord/add';
    private const UPDATE = '/topapi/workrecord/update';
    private const LIST = '/topapi/workrecord/getbyuserid';

    private const HTML_502 = '<html><body><h1>502 Bad Gateway</h1></body></html>';

    // ---- -1 "system busy" --------------------------------------------------------------------

    public function testBusyThenSuccessIsRetriedForList(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $this->assertSame(['has_more' => false, 'records' => []], $client->workRecords()->list('u1'));
        $this->assertSame(2, $this->emulator->requests(self::LIST));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function testBusyIsNotRetriedForAddWithoutBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'errcode' => -1]]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertSame(-1, $e->getCode());
        $this->assertSame(1, $this->emulator->requests(self::ADD));
        $this->assertSame([], $this->emulator->records('u1'));
        $this->assertClientStats(1, 1, 0, $client);
    }

    public function testBusyIsRetriedForAddWithBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'errcode' => -1]]);
        $id = $client->workRecords()->create('u1', 't', 'https://example.com', [], ['biz_id' => 'b1']);
        $this->assertSame($id, $this->emulator->records('u1')[0]['record_id']);
        $this->assertSame(2, $this->emulator->requests(self::ADD));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function testBusyIsRetriedForCompleteAndFind(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        $id = $records->create('u1', 't', 'https://example.com');
        $this->emulator->faults([
            ['path' => self::UPDATE, 'errcode' => -1],
            ['path' => self::LIST, 'errcode' => -1],
        ]);
        $this->assertTrue($records->complete('u1', $id));
        $this->assertSame($id, $records->find('u1', $id)['record_id']);
        $this->assertSame(2, $this->emulator->requests(self::UPDATE));
        // find: pending page refused then empty, then the done page.
        $this->assertSame(3, $this->emulator->requests(self::LIST));
        $this->assertSame(2, $client->stats()['retries']);
    }

    public function testBusyIsRetriedForGet(): void
    {
        $client = $this->client();
        $this->emulator->faults([
            ['path' => '/topapi/v2/user/get', 'errcode' => -1],
            ['path' => '/topapi/v2/user/get', 'status' => 200, 'body' => '{"errcode":0,"result":{"name":"n"}}'],
        ]);
        $this->assertSame(['errcode' => 0, 'result' => ['name' => 'n']], $client->get('/topapi/v2/user/get', ['userid' => 'u']));
        $this->assertSame(2, $this->emulator->requests('/topapi/v2/user/get'));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function testBusyIsNotRetriedForGenericPost(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $e = $this->throws(ApiException::class, fn () => $client->post(self::LIST, ['userid' => 'u1', 'offset' => 0, 'limit' => 1, 'status' => 0]));
        $this->assertSame(-1, $e->getCode());
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        $this->assertClientStats(1, 1, 0, $client);
    }

    // ---- token refused -----------------------------------------------------------------------

    /** @return iterable<string, array{0: int, 1: ?string}> */
    public static function tokenErrors(): iterable
    {
        yield '40014 invalid token' => [40014, null];
        yield '42001 token expired' => [42001, null];
        yield '40001 invalid credential' => [40001, null];
        yield '88 sub_code 40014' => [88, '40014'];
        yield '88 sub_code 42001' => [88, '42001'];
    }

    /** @dataProvider tokenErrors */
    #[\PHPUnit\Framework\Attributes\DataProvider('tokenErrors')]
    public function testTokenErrorRefreshesOnceAndRetriesEvenAnAddWithoutBizId(int $errcode, ?string $subCode): void
    {
        $client = $this->client();
        $client->getAccessToken();
        $fault = ['path' => self::ADD, 'errcode' => $errcode];
        if ($subCode !== null) {
            $fault += ['sub_code' => $subCode, 'sub_msg' => 'token problem'];
        }
        $this->emulator->faults([$fault]);

        $id = $client->workRecords()->create('u1', 't', 'https://example.com');

        $this->assertSame($id, $this->emulator->records('u1')[0]['record_id']);
        $this->assertCount(1, $this->emulator->records('u1'));
        $this->assertSame(2, $this->emulator->requests(self::ADD));
        $this->assertSame(2, $this->emulator->tokenFetches(), 'the refused token was dropped and fetched again');
        $this->assertClientStats(2, 2, 1, $client);
    }

    /** @dataProvider tokenErrors */
    #[\PHPUnit\Framework\Attributes\DataProvider('tokenErrors')]
    public function testTokenStillRefusedAfterRefreshIsAnAuthenticationException(int $errcode, ?string $subCode): void
    {
        $client = $this->client(['retries' => 10]);
        $fault = ['path' => self::LIST, 'errcode' => $errcode, 'count' => 5];
        if ($subCode !== null) {
            $fault['sub_code'] = $subCode;
        }
        $this->emulator->faults([$fault]);

        $e = $this->throws(AuthenticationException::class, fn () => $client->workRecords()->list('u1'));

        $this->assertSame($errcode, $e->getCode());
        $this->assertSame($subCode, $e->getSubCode());
        // Refresh once, not once per allowed retry.
        $this->assertSame(2, $this->emulator->requests(self::LIST));
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertClientStats(2, 2, 1, $client);
    }

    public function testSubCodeOtherThanATokenErrorIsFinal(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => 88, 'sub_code' => '60011', 'sub_msg' => 'no permission']]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(88, $e->getCode());
        $this->assertSame('60011', $e->getSubCode());
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        $this->assertClientStats(1, 1, 0, $client);
    }

    // ---- throttling ----------------------------------------------------------------------------

    public function testThrottledEveryTimeIsARateLimitExceptionAfterTheRetries(): void
    {
        $client = $this->client(['retries' => 2]);
        $this->emulator->faults([['path' => self::ADD, 'errcode' => 90018, 'count' => 3]]);
        $start = microtime(true);
        $e = $this->throws(RateLimitException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $elapsed = microtime(true) - $start;
        $this->assertSame(90018, $e->getCode());
        $this->assertSame(3, $this->emulator->requests(self::ADD), 'throttling is retried even for an add without biz_id');
        $this->assertClientStats(3, 1, 2, $client);
        // Backoff of about 1 s, doubled, with jitter: 0.5–1 s then 1–2 s.
        $this->assertGreaterThanOrEqual(1.4, $elapsed, 'throttle backoff starts near 1 s');
        $this->assertLessThan(5.0, $elapsed);
    }

    public function testThrottledOnceThenSuccess(): void
    {
        $client = $this->client(['retries' => 1]);
        $this->emulator->faults([['path' => self::ADD, 'errcode' => 90002]]);
        $id = $client->workRecords()->create('u1', 't', 'https://example.com');
        $this->assertSame($id, $this->emulator->records('u1')[0]['record_id']);
        $this->assertClientStats(2, 1, 1, $client);
    }

    /** @return iterable<string, array{0: int}> */
    public static function throttleCodes(): iterable
    {
        yield '90018' => [90018];
        yield '90002' => [90002];
        yield '90006' => [90006];
    }

    /** @dataProvider throttleCodes */
    #[\PHPUnit\Framework\Attributes\DataProvider('throttleCodes')]
    public function testThrottleCodeIsARateLimitException(int $errcode): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => self::LIST, 'errcode' => $errcode]]);
        $e = $this->throws(RateLimitException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame($errcode, $e->getCode());
        $this->assertClientStats(1, 1, 0, $client);
    }

    /** @return iterable<string, array{0: int}> */
    public static function banCodes(): iterable
    {
        foreach ([90001, 90003, 90004, 90005, 90007, 90008, 90009, 90010, 90011, 90012, 90013, 90014] as $code) {
            yield (string) $code => [$code];
        }
    }

    /** @dataProvider banCodes */
    #[\PHPUnit\Framework\Attributes\DataProvider('banCodes')]
    public function testBanCodeIsARateLimitExceptionAtOnce(int $errcode): void
    {
        $client = $this->client(['retries' => 2]);
        $this->emulator->faults([['path' => self::LIST, 'errcode' => $errcode]]);
        $e = $this->throws(RateLimitException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame($errcode, $e->getCode());
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        $this->assertClientStats(1, 1, 0, $client);
    }

    public function testRealQpsLimitOfTheEmulatorIsRetried(): void
    {
        // --qps-limit 1: the second list in the same second is refused with 90018 by the
        // emulator itself, then passes after the backoff (into the next second).
        $emulator = $this->startEmulator(['--qps-limit', '1']);
        $client = $this->client(['retries' => 3], $emulator);
        $records = $client->workRecords();
        $records->list('u1');
        $records->list('u1');
        $stats = $client->stats();
        $this->assertSame(0, $stats['token_fetches'] - 1);
        $this->assertGreaterThanOrEqual(2, $stats['requests']);
        $this->assertSame($stats['requests'] - 2, $stats['retries'], 'every extra request is a counted retry');
    }

    // ---- final codes -------------------------------------------------------------------------

    /** @return iterable<string, array{0: int, 1: class-string}> */
    public static function finalCodes(): iterable
    {
        yield '90020 monthly quota' => [90020, ApiException::class];
        yield '41001 token missing' => [41001, ApiException::class];
        yield '40035 invalid parameter' => [40035, ApiException::class];
        yield '60011 no permission' => [60011, ApiException::class];
        yield '40089 bad credentials' => [40089, AuthenticationException::class];
        yield '40096 bad credentials' => [40096, AuthenticationException::class];
    }

    /** @dataProvider finalCodes */
    #[\PHPUnit\Framework\Attributes\DataProvider('finalCodes')]
    public function testFinalCodeIsNotRetried(int $errcode, string $class): void
    {
        $client = $this->client(['retries' => 5]);
        $this->emulator->faults([['path' => self::LIST, 'errcode' => $errcode]]);
        $e = $this->throws($class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame($errcode, $e->getCode());
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        $this->assertClientStats(1, 1, 0, $client);
    }

    /** @return iterable<string, array{0: int}> */
    public static function credentialCodes(): iterable
    {
        yield '40089' => [40089];
        yield '40096' => [40096];
    }

    /** @dataProvider credentialCodes */
    #[\PHPUnit\Framework\Attributes\DataProvider('credentialCodes')]
    public function testBadCredentialsOnTokenFetchAreFinal(int $errcode): void
    {
        $client = $this->client(['retries' => 5]);
        $this->emulator->faults([['path' => '/gettoken', 'errcode' => $errcode, 'errmsg' => 'invalid appkey or appsecret']]);
        $e = $this->throws(AuthenticationException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertSame($errcode, $e->getCode());
        $this->assertStringContainsString('/gettoken', $e->getMessage());
        $this->assertSame(1, $this->emulator->tokenFetches());
        $this->assertSame(0, $this->emulator->requests(self::ADD));
        $this->assertClientStats(0, 1, 0, $client);
    }

    public function testWrongSecretIsFinal(): void
    {
        [$key] = $this->freshApp();
        $client = new Client($key, 'wrong', ['base_url' => $this->emulator->url(), 'retries' => 5]);
        $e = $this->throws(AuthenticationException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(40096, $e->getCode());
        $this->assertSame(1, $this->emulator->tokenFetches());
        $this->assertClientStats(0, 1, 0, $client);
    }

    // ---- HTTP 5xx without a DingTalk body ---------------------------------------------------

    public function test502IsRetriedForList(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'status' => 502, 'body' => self::HTML_502]]);
        $this->assertSame([], $client->workRecords()->list('u1')['records']);
        $this->assertSame(2, $this->emulator->requests(self::LIST));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function test502IsNotRetriedForAddWithoutBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'status' => 502, 'body' => self::HTML_502]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertStringContainsString('502', $e->getMessage());
        $this->assertStringContainsString(self::ADD, $e->getMessage());
        $this->assertSame(1, $this->emulator->requests(self::ADD));
        $this->assertClientStats(1, 1, 0, $client);
    }

    public function test502IsRetriedForAddWithBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'status' => 502, 'body' => self::HTML_502]]);
        $id = $client->workRecords()->create('u1', 't', 'https://example.com', [], ['biz_id' => 'b-502']);
        $this->assertSame([$id], array_column($this->emulator->records('u1'), 'record_id'));
        $this->assertSame(2, $this->emulator->requests(self::ADD));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function test503IsRetriedForComplete(): void
    {
        $client = $this->client();
        $id = $client->workRecords()->create('u1', 't', 'https://example.com');
        $this->emulator->faults([['path' => self::UPDATE, 'status' => 503, 'body' => '']]);
        $this->assertTrue($client->workRecords()->complete('u1', $id));
        $this->assertSame(2, $this->emulator->requests(self::UPDATE));
    }

    public function test500IsNotRetriedForGenericPost(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::UPDATE, 'status' => 500, 'body' => 'Internal Server Error']]);
        $this->throws(TransportException::class, fn () => $client->post(self::UPDATE, ['userid' => 'u1', 'record_id' => 'x']));
        $this->assertSame(1, $this->emulator->requests(self::UPDATE));
    }

    public function testRepeated5xxEndsAfterTheRetries(): void
    {
        $client = $this->client(['retries' => 2]);
        $this->emulator->faults([['path' => self::LIST, 'status' => 500, 'body' => 'oops', 'count' => 10]]);
        $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(3, $this->emulator->requests(self::LIST));
        $this->assertClientStats(3, 1, 2, $client);
    }

    public function test4xxWithoutDingTalkBodyIsATransportErrorNotRetried(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'status' => 403, 'body' => '<html>Forbidden</html>']]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertStringContainsString('403', $e->getMessage());
        $this->assertSame(1, $this->emulator->requests(self::LIST));
    }

    public function testNonDingTalkJsonIsATransportError(): void
    {
        // An IP-level throttling answer: JSON, but not DingTalk's shape.
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body' => '{"status":1111,"wait":5}']]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertStringContainsString(self::LIST, $e->getMessage());
    }

    public function testHtmlWithStatus200IsATransportError(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body' => '<html>captive portal</html>']]);
        $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
    }

    // ---- dropped connection ------------------------------------------------------------------

    public function testDroppedConnectionIsRetriedForList(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'drop' => true]]);
        $this->assertSame([], $client->workRecords()->list('u1')['records']);
        $this->assertSame(2, $this->emulator->requests(self::LIST));
        $this->assertClientStats(2, 1, 1, $client);
    }

    public function testDroppedConnectionIsNotRetriedForAddWithoutBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'drop' => true]]);
        $this->throws(TransportException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertSame(1, $this->emulator->requests(self::ADD));
        $this->assertClientStats(1, 1, 0, $client);
    }

    public function testDroppedConnectionIsRetriedForAddWithBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'drop' => true]]);
        $id = $client->workRecords()->create('u1', 't', 'https://example.com', [], ['biz_id' => 'b-drop']);
        $this->assertSame([$id], array_column($this->emulator->records('u1'), 'record_id'));
        $this->assertSame(2, $this->emulator->requests(self::ADD));
        $this->assertClientStats(2, 1, 1, $client);
    }

    // ---- failures before the API request ----------------------------------------------------

    public function testTokenFetchFailureIsRetriedEvenForAddWithoutBizId(): void
    {
        $client = $this->client();
        $this->emulator->faults([
            ['path' => '/gettoken', 'status' => 502, 'body' => self::HTML_502],
            ['path' => '/gettoken', 'errcode' => -1],
        ]);
        $id = $client->workRecords()->create('u1', 't', 'https://example.com');
        $this->assertSame([$id], array_column($this->emulator->records('u1'), 'record_id'));
        $this->assertSame(3, $this->emulator->tokenFetches());
        $this->assertSame(1, $this->emulator->requests(self::ADD));
        $this->assertClientStats(1, 3, 2, $client);
    }

    public function testDroppedTokenFetchIsRetried(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/gettoken', 'drop' => true]]);
        $client->workRecords()->create('u1', 't', 'https://example.com');
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertSame(1, $this->emulator->requests(self::ADD));
    }

    public function testConnectionRefusedIsRetriedThenATransportException(): void
    {
        $client = new Client('k', 's', ['base_url' => 'http://127.0.0.1:' . self::closedPort(), 'retries' => 2]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertStringContainsString('/gettoken', $e->getMessage());
        $this->assertClientStats(0, 3, 2, $client);
    }

    // ---- retries => 0 ----------------------------------------------------------------------

    public function testRetriesZeroDisablesRetries(): void
    {
        $client = $this->client(['retries' => 0]);
        $records = $client->workRecords();
        $this->emulator->faults([
            ['path' => self::LIST, 'errcode' => -1],
            ['path' => self::UPDATE, 'status' => 502, 'body' => self::HTML_502],
            ['path' => self::ADD, 'drop' => true],
        ]);
        $this->throws(ApiException::class, fn () => $records->list('u1'));
        $this->throws(TransportException::class, fn () => $records->complete('u1', 'r'));
        $this->throws(TransportException::class, fn () => $records->create('u1', 't', 'https://example.com', [], ['biz_id' => 'b']));
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        $this->assertSame(1, $this->emulator->requests(self::UPDATE));
        $this->assertSame(1, $this->emulator->requests(self::ADD));
        $this->assertClientStats(3, 1, 0, $client);
    }

    public function testTokenRefreshHappensOnceEvenWithRetriesZero(): void
    {
        // DingTalk refused the stale token before doing anything: renewing it and resending is
        // not a retry of a failure, so `retries => 0` does not turn an expiry into an error.
        $client = $this->client(['retries' => 0]);
        $records = $client->workRecords();
        $records->list('u1');
        $this->emulator->expireTokens();
        $this->assertSame([], $records->list('u1')['records']);
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertSame(3, $this->emulator->requests(self::LIST), 'the refused one is resent');
        // The resend is an extra attempt: stats() counts it as a retry.
        $this->assertClientStats(3, 2, 1, $client);
        // Once only: a token refused again is an authentication error, and not cached.
        $this->emulator->faults([['path' => self::LIST, 'errcode' => 42001, 'count' => 2]]);
        $e = $this->throws(AuthenticationException::class, fn () => $records->list('u1'));
        $this->assertSame(42001, $e->getCode());
        $this->assertSame(3, $this->emulator->tokenFetches());
        $this->assertSame([], $records->list('u1')['records'], 'the next call fetches a new token');
        $this->assertSame(4, $this->emulator->tokenFetches());
    }

    // ---- an add that may have landed --------------------------------------------------------

    public function testRetriedAddWithBizIdFindsTheRecordItsLostAttemptCreated(): void
    {
        // The first attempt is stored, then its answer is lost (502 after the work); the retry
        // is told "duplicate biz_id" and must return that record's id.
        $client = $this->client();
        $records = $client->workRecords();
        $this->emulator->faults([['path' => self::ADD, 'status' => 502, 'body' => self::HTML_502, 'processed' => true]]);
        $id = $records->create('u1', 'Pay invoice', 'https://example.com/i/1', ['k' => 'v'], ['biz_id' => 'inv-1']);
        $stored = $this->emulator->records('u1');
        $this->assertCount(1, $stored);
        $this->assertSame($stored[0]['record_id'], $id);
        $this->assertSame(2, $this->emulator->requests(self::ADD));
    }

    public function testRetriedAddAfterBusyFindsTheLandedRecord(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        // Other records of the user, one with the same title and url but another create_time.
        $records->create('u1', 'Pay invoice', 'https://example.com/i/2', [], ['create_time' => 1_700_000_000_001]);
        $records->create('u1', 'Other', 'https://example.com/i/3');
        $this->emulator->faults([['path' => self::ADD, 'errcode' => -1, 'processed' => true]]);
        $id = $records->create('u1', 'Pay invoice', 'https://example.com/i/2', [], ['biz_id' => 'inv-2']);
        $this->assertSame('inv-2', $this->findStored('u1', $id)['biz_id']);
    }

    public function testDuplicateThatIsNotTheSameRecordIsAConflict(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        $records->create('u1', 'First title', 'https://example.com', [], ['biz_id' => 'dup']);
        $this->emulator->faults([['path' => self::ADD, 'status' => 502, 'body' => self::HTML_502]]);
        $e = $this->throws(ConflictException::class, fn () => $records->create('u1', 'Second title', 'https://example.com', [], ['biz_id' => 'dup']));
        $this->assertSame(854001, $e->getCode());
        $this->assertCount(1, $this->emulator->records('u1'));
    }

    /** The stored record with this id. */
    private function findStored(string $user, string $id): array
    {
        foreach ($this->emulator->records($user) as $record) {
            if ($record['record_id'] === $id) {
                return $record;
            }
        }
        $this->fail("no stored record {$id}");
    }

    public function testRetryAfterATokenErrorIsNotTakenForALandedAttempt(): void
    {
        // A token refusal means the add was not processed: a later duplicate answer is a real
        // duplicate, not the call's own record.
        $client = $this->client();
        $records = $client->workRecords();
        $args = ['u1', 'T', 'https://example.com', [], ['biz_id' => 'tok', 'create_time' => 1_700_000_000_000]];
        $records->create(...$args);
        $this->emulator->faults([['path' => self::ADD, 'errcode' => 40014]]);
        $e = $this->throws(DuplicateException::class, fn () => $records->create(...$args));
        $this->assertSame(854001, $e->getCode());
    }

    public function testGenericPostIsRetriedAfterATokenError(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::ADD, 'errcode' => 42001]]);
        $answer = $client->post(self::ADD, [
            'userid' => 'u1', 'create_time' => 1_700_000_000_000, 'title' => 't',
            'url' => 'https://example.com', 'formItemList' => [['title' => 'k', 'content' => 'v']],
        ]);
        $this->assertSame(0, $answer['errcode']);
        $this->assertCount(1, $this->emulator->records('u1'));
        $this->assertClientStats(2, 2, 1, $client);
    }
}
