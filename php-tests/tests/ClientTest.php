<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;
use DingTalk\WorkRecord;
use TypeError;
use ValueError;

/** `DingTalk\Client`: construction, options, tokens, counters and the generic get()/post(). */
final class ClientTest extends TestCase
{
    public function testConstructSendsNothing(): void
    {
        $client = $this->client();
        $this->assertInstanceOf(Client::class, $client);
        $this->assertClientStats(0, 0, 0, $client);
        $this->assertNoRequestReached();
    }

    public function testEveryOptionIsAccepted(): void
    {
        $client = $this->client([
            'timeout' => 5.5,
            'connect_timeout' => 2,
            'retries' => 10,
            'token_margin' => 0,
            'proxy' => 'http://127.0.0.1:9',
            'user_agent' => 'php-tests/1.0',
        ]);
        $this->assertInstanceOf(Client::class, $client);
        // proxy is only used when sending; nothing else is checked here.
        $this->assertNoRequestReached();
    }

    public function testNullOptionsMeanTheDefaults(): void
    {
        $client = $this->client([
            'timeout' => null,
            'connect_timeout' => null,
            'retries' => null,
            'token_margin' => null,
            'ca_file' => null,
            'proxy' => null,
            'user_agent' => null,
        ]);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $client->getAccessToken());
    }

    public function testIntegerSecondsAreAcceptedForFloatOptions(): void
    {
        $client = $this->client(['timeout' => 3, 'connect_timeout' => 1, 'token_margin' => 60]);
        $this->assertNotSame('', $client->getAccessToken());
    }

    public function testUnknownOptionIsAValueErrorNamingIt(): void
    {
        $e = $this->throws(ValueError::class, fn () => new Client('k', 's', ['timeuot' => 1.0]));
        $this->assertStringContainsString('timeuot', $e->getMessage());
    }

    public function testIntegerOptionKeyIsUnknown(): void
    {
        $e = $this->throws(ValueError::class, fn () => new Client('k', 's', ['http://127.0.0.1:1']));
        $this->assertStringContainsString('unknown key', $e->getMessage());
    }

    /** @return iterable<string, array{0: string, 1: mixed}> */
    public static function wrongTypes(): iterable
    {
        yield 'base_url int' => ['base_url', 8080];
        yield 'timeout string' => ['timeout', '5'];
        yield 'timeout array' => ['timeout', [5]];
        yield 'connect_timeout bool' => ['connect_timeout', true];
        yield 'retries float' => ['retries', 2.0];
        yield 'retries string' => ['retries', '2'];
        yield 'token_margin string' => ['token_margin', '600'];
        yield 'ca_file int' => ['ca_file', 1];
        yield 'proxy array' => ['proxy', []];
        yield 'user_agent int' => ['user_agent', 42];
    }

    /** @dataProvider wrongTypes */
    #[\PHPUnit\Framework\Attributes\DataProvider('wrongTypes')]
    public function testWrongOptionTypeIsATypeError(string $key, mixed $value): void
    {
        $e = $this->throws(TypeError::class, fn () => new Client('k', 's', [$key => $value]));
        $this->assertStringContainsString($key, $e->getMessage());
    }

    /** @return iterable<string, array{0: string, 1: mixed}> */
    public static function badValues(): iterable
    {
        yield 'base_url ftp scheme' => ['base_url', 'ftp://127.0.0.1/'];
        yield 'base_url file scheme' => ['base_url', 'file:///etc/passwd'];
        yield 'base_url not a url' => ['base_url', 'not a url'];
        yield 'base_url empty' => ['base_url', ''];
        yield 'base_url with query' => ['base_url', 'http://127.0.0.1:1/?a=b'];
        yield 'base_url with credentials' => ['base_url', 'http://user:pw@127.0.0.1:1'];
        yield 'timeout zero' => ['timeout', 0.0];
        yield 'timeout negative' => ['timeout', -1.0];
        yield 'timeout NAN' => ['timeout', NAN];
        yield 'timeout INF' => ['timeout', INF];
        yield 'connect_timeout zero' => ['connect_timeout', 0];
        yield 'retries negative' => ['retries', -1];
        yield 'retries 11' => ['retries', 11];
        yield 'token_margin negative' => ['token_margin', -1];
        yield 'ca_file missing' => ['ca_file', '/nonexistent/ca.pem'];
        yield 'ca_file not PEM' => ['ca_file', __FILE__];
        yield 'proxy invalid' => ['proxy', '::'];
        yield 'user_agent with newline' => ['user_agent', "a\r\nX-Injected: 1"];
        yield 'user_agent empty' => ['user_agent', ''];
    }

    /** @dataProvider badValues */
    #[\PHPUnit\Framework\Attributes\DataProvider('badValues')]
    public function testBadOptionValueIsAValueErrorNamingIt(string $key, mixed $value): void
    {
        $e = $this->throws(ValueError::class, fn () => new Client('k', 's', [$key => $value]));
        $this->assertStringContainsString("options[{$key}]", $e->getMessage());
    }

    public function testRetryBoundsAreInclusive(): void
    {
        $this->assertInstanceOf(Client::class, new Client('k', 's', ['retries' => 0]));
        $this->assertInstanceOf(Client::class, new Client('k', 's', ['retries' => 10]));
    }

    public function testTrailingSlashOfBaseUrlIsIgnored(): void
    {
        [$key, $secret] = $this->freshApp();
        $a = new Client($key, $secret, ['base_url' => $this->emulator->url() . '/']);
        $b = new Client($key, $secret, ['base_url' => $this->emulator->url()]);
        $this->assertSame($a->getAccessToken(), $b->getAccessToken());
        $this->assertSame(1, $this->emulator->tokenFetches());
    }

    public function testTokenIsReusedAcrossClientInstances(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url()];
        $first = (new Client($key, $secret, $options))->getAccessToken();
        $second = (new Client($key, $secret, $options))->getAccessToken();
        $third = (new Client($key, $secret, $options + ['timeout' => 3.0, 'retries' => 0]))->getAccessToken();
        $this->assertSame($first, $second);
        $this->assertSame($first, $third);
        $this->assertSame(1, $this->emulator->tokenFetches());
    }

    public function testForceRefreshFetchesAgain(): void
    {
        $client = $this->client();
        $client->getAccessToken();
        $client->getAccessToken(true);
        $client->getAccessToken(forceRefresh: true);
        $client->getAccessToken();
        $this->assertSame(3, $this->emulator->tokenFetches());
        $this->assertClientStats(0, 3, 0, $client);
    }

    public function testForcedTokenIsTheOneCachedAfterwards(): void
    {
        $client = $this->client();
        $old = $client->getAccessToken();
        $this->emulator->expireTokens();
        $new = $client->getAccessToken(true);
        $this->assertNotSame($old, $new, 'the emulator issues a new token once the old one expired');
        $this->assertSame($new, $client->getAccessToken());
        $client->workRecords()->list('u1');
        $this->assertClientStats(1, 2, 0, $client);
    }

    public function testStatsCountRequestsAndAreSharedByTheApp(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url()];
        $a = new Client($key, $secret, $options);
        $b = new Client($key, $secret, $options);
        $a->workRecords()->create('u1', 'one', 'https://example.com/1');
        $b->workRecords()->list('u1');
        $b->workRecords()->list('u1', WorkRecord::DONE);
        $expected = ['requests' => 3, 'token_fetches' => 1, 'retries' => 0, 'store_errors' => 0, 'rate_limit_wait_ms' => 0];
        $this->assertSame($expected, $a->stats());
        $this->assertSame($expected, $b->stats());
        // Another app's counters are its own.
        $this->assertClientStats(0, 0, 0, $this->client());
    }

    public function testStatsAreKeyedBySecretToo(): void
    {
        [$key, $secret] = $this->freshApp();
        $good = new Client($key, $secret, ['base_url' => $this->emulator->url()]);
        $bad = new Client($key, $secret . 'x', ['base_url' => $this->emulator->url()]);
        $good->getAccessToken();
        $this->throws(AuthenticationException::class, fn () => $bad->getAccessToken());
        $this->assertClientStats(0, 1, 0, $good);
        $this->assertClientStats(0, 1, 0, $bad);
    }

    public function testWorkRecordsReturnsAWorkRecordOfThisApp(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        $this->assertInstanceOf(WorkRecord::class, $records);
        $id = $records->create('u1', 'title', 'https://example.com');
        $this->assertSame($id, (new WorkRecord($client))->find('u1', $id)['record_id']);
        $this->assertSame(2, $client->stats()['requests']);
    }

    public function testGetReturnsTheWholeBody(): void
    {
        // The emulator serves no oapi GET besides /gettoken; a scripted answer stands in for one.
        $body = '{"errcode":0,"errmsg":"ok","result":{"userid":"u1","name":"张三","admin":true},"request_id":"r1"}';
        $this->emulator->faults([['path' => '/topapi/v2/user/get', 'status' => 200, 'body' => $body]]);
        $client = $this->client();
        $answer = $client->get('/topapi/v2/user/get', ['userid' => 'u1', 'language' => 'zh_CN', 'n' => 5, 'flag' => true]);
        $this->assertSame(json_decode($body, true), $answer);
        $this->assertSame(1, $this->emulator->requests('/topapi/v2/user/get'));
        $this->assertClientStats(1, 1, 0, $client);
    }

    public function testAnswersDecodeLikeJsonDecode(): void
    {
        $body = '{"errcode":0,"big":12345678901234567890,"f":1.5,"i":-3,"n":null,"t":true,"e":{},"l":[],'
            . '"map":{"1":"a","x":"b","-5":"c","01":"d"},"deep":[[{"k":[1,{"z":0}]}]],"s":"\u00e9\ud83c\udf89"}';
        $this->emulator->faults([['path' => '/topapi/json', 'status' => 200, 'body' => $body]]);
        $answer = $this->client()->get('/topapi/json');
        $this->assertSame(json_decode($body, true), $answer);
        $this->assertSame('a', $answer['map'][1], 'numeric keys are integer keys, as in PHP arrays');
    }

    public function testProxyOptionIsUsed(): void
    {
        // The emulator serves absolute-form requests too, so it can stand in for an HTTP proxy:
        // the base URL's host does not resolve, only the proxy makes the calls work.
        $client = $this->client(['base_url' => 'http://oapi.dingtalk.invalid', 'proxy' => $this->emulator->url(), 'retries' => 0]);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $client->getAccessToken());
        $id = $client->workRecords()->create('u-proxy', 't', 'https://example.com');
        $this->assertSame($id, $this->emulator->records('u-proxy')[0]['record_id']);
        $this->assertSame(1, $this->emulator->tokenFetches());
    }

    public function testGetChecksTheErrcode(): void
    {
        $this->emulator->faults([['path' => '/topapi/v2/user/get', 'errcode' => 60121, 'errmsg' => 'user not found']]);
        $client = $this->client();
        $e = $this->throws(ApiException::class, fn () => $client->get('/topapi/v2/user/get', ['userid' => 'x']));
        $this->assertSame(60121, $e->getCode());
        $this->assertSame('user not found', $e->getErrmsg());
        $this->assertStringContainsString('/topapi/v2/user/get', $e->getMessage());
    }

    public function testGetOfTheGettokenPathIsAnOrdinaryGet(): void
    {
        // get() is "any oapi GET ... whole body": /gettoken is an oapi GET like any other, and
        // get() is declared to return an array.
        $client = $this->client();
        $body = $client->get('/gettoken', ['appkey' => Emulator::WEIRD_KEY, 'appsecret' => Emulator::WEIRD_SECRET]);
        $this->assertIsArray($body, 'get("/gettoken") must return the decoded body, not the cached token');
        $this->assertSame(0, $body['errcode']);
        $this->assertSame(7200, $body['expires_in']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $body['access_token']);
    }

    public function testGetOnAnUnknownPathIsAnApiError(): void
    {
        $client = $this->client();
        $e = $this->throws(ApiException::class, fn () => $client->get('/topapi/nothing/here'));
        $this->assertSame(404, $e->getCode());
        $this->assertStringContainsString('/topapi/nothing/here', $e->getMessage());
    }

    public function testPostSendsTheBodyAsJsonAndReturnsTheWholeAnswer(): void
    {
        $client = $this->client();
        $add = $client->post('/topapi/workrecord/add', [
            'userid' => 'u-post',
            'create_time' => 1_700_000_000_000,
            'title' => '标题',
            'url' => 'https://example.com/p',
            'formItemList' => [['title' => 'k', 'content' => 'v']],
            'pcUrl' => 'https://example.com/pc',
        ]);
        $this->assertSame(0, $add['errcode']);
        $this->assertIsString($add['record_id']);
        $this->assertArrayHasKey('request_id', $add);

        $stored = $this->emulator->records('u-post');
        $this->assertCount(1, $stored);
        $this->assertSame('标题', $stored[0]['title']);
        $this->assertSame(1_700_000_000_000, $stored[0]['create_time']);
        $this->assertSame('https://example.com/pc', $stored[0]['pcUrl']);

        $page = $client->post('/topapi/workrecord/getbyuserid', ['userid' => 'u-post', 'offset' => 0, 'limit' => 10, 'status' => 0]);
        $this->assertSame(0, $page['errcode']);
        $this->assertFalse($page['records']['has_more']);
        $this->assertSame($add['record_id'], $page['records']['list'][0]['record_id']);
        $this->assertSame([['title' => 'k', 'content' => 'v']], $page['records']['list'][0]['forms']);
    }

    public function testPostSendsANestedEmptyArrayAsAJsonList(): void
    {
        // As json_encode() does: [] is a JSON list. DingTalk's list fields (formItemList here)
        // refuse an object.
        $client = $this->client();
        $answer = $client->post('/topapi/workrecord/add', [
            'userid' => 'u-empty',
            'create_time' => 1_700_000_000_000,
            'title' => 'no forms',
            'url' => 'https://example.com',
            'formItemList' => [],
        ]);
        $this->assertSame(0, $answer['errcode']);
        $this->assertSame([], $this->emulator->records('u-empty')[0]['forms']);
    }

    public function testPostWithoutBodySendsAnEmptyObject(): void
    {
        $client = $this->client();
        $e = $this->throws(ApiException::class, fn () => $client->post('/topapi/workrecord/getbyuserid'));
        $this->assertSame(40035, $e->getCode());
        // Not "the body must be a JSON object": {} was sent, and a field is missing.
        $this->assertStringContainsString('missing parameter userid', $e->getErrmsg());
    }

    public function testWeirdKeyAndSecretAreEncoded(): void
    {
        $client = $this->client([], null, [Emulator::WEIRD_KEY, Emulator::WEIRD_SECRET]);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $client->getAccessToken());
        $id = $client->workRecords()->create('u1', 't', 'https://example.com');
        $this->assertSame($id, $this->emulator->records('u1')[0]['record_id']);
    }

    public function testUserAgentOptionIsSent(): void
    {
        // The emulator does not expose headers; a header value with control characters is
        // refused up front (see badValues) and a normal one works end to end.
        $client = $this->client(['user_agent' => 'php-tests/1.0 (+https://example.com)']);
        $this->assertSame([], $client->workRecords()->list('nobody')['records']);
    }

    public function testSubclassOfClientWorks(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = new class ($key, $secret, ['base_url' => $this->emulator->url()]) extends Client {
        };
        $this->assertNotSame('', $client->getAccessToken());
        $this->assertSame(1, $client->stats()['token_fetches']);
    }

    public function testCloneIsRefused(): void
    {
        $client = $this->client();
        $this->throws(\Error::class, fn () => clone $client);
    }

    public function testUninitialisedClientThrowsInsteadOfCrashing(): void
    {
        $client = (new \ReflectionClass(Client::class))->newInstanceWithoutConstructor();
        $this->expectException(\Throwable::class);
        $client->getAccessToken();
    }
}
