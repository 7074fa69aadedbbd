<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * `Client::request()` (any v1.0 API), `Client::unionId()` and the `api_base_url` option: the
 * token only in the v1.0 header (the emulator refuses it anywhere else), one token for both
 * families, answers decoded whole.
 */
final class V1RequestTest extends TestCase
{
    private const TASKS = '/v1.0/todo/users/union-boss/tasks';
    private const QUERY = '/v1.0/todo/users/union-boss/org/tasks/query';

    public function testEveryMethodReachesDingTalk(): void
    {
        $client = $this->client();
        $created = $client->request('POST', self::TASKS, ['operatorId' => 'union-clerk'], ['subject' => 's', 'detailUrl' => ['appUrl' => 'https://a']]);
        $this->assertIsString($created['id']);
        $this->assertSame('union-clerk', $this->emulator->todos()[0]['modifierId'], 'the query went with it');
        $task = self::TASKS . '/' . $created['id'];

        $got = $client->request('GET', $task);
        $this->assertSame($created['id'], $got['id']);
        $this->assertSame($created['id'], $client->request('get', $task)['id'], 'any letter case');

        $put = $client->request('PUT', $task, [], ['subject' => 'changed', 'done' => true]);
        $this->assertTrue($put['result']);
        $this->assertSame('changed', $this->emulator->todos()[0]['subject']);

        $listed = $client->request('POST', self::QUERY, [], ['isDone' => true]);
        $this->assertSame([$created['id']], array_column($listed['todoCards'], 'taskId'));
        $this->assertArrayHasKey('nextToken', $listed);
        $this->assertNull($listed['nextToken']);

        $deleted = $client->request('DELETE', $task);
        $this->assertTrue($deleted['result']);
        $this->assertTrue($this->emulator->todos()[0]['deleted']);

        // The emulator has no PATCH route: its 404 names the method it received.
        $e = $this->throws(ApiException::class, fn () => $client->request('PATCH', $task, [], ['subject' => 'x']));
        $this->assertSame(404, $e->getCode());
        $this->assertSame('InvalidAction.NotFound', $e->getErrorCode());
        $this->assertStringContainsString('PATCH ' . $task, $e->getErrmsg());

        $this->assertSame(1, $client->stats()['token_fetches']);
    }

    public function testTheTokenGoesInTheHeaderNeverInTheQuery(): void
    {
        $client = $this->client();
        // The fault quotes the query string as the client sent it.
        $this->emulator->faults([['path' => self::TASKS, 'status' => 400, 'code' => 'Echo', 'message' => 'query={query}']]);
        $e = $this->throws(ApiException::class, fn () => $client->request('GET', self::TASKS, ['a' => 'b c', 'n' => 5, 'yes' => true, 'no' => false, 'f' => 1.5]));
        $this->assertSame('query=a=b+c&n=5&yes=1&no=0&f=1.5', $e->getErrmsg());
        // Without the header the emulator answers AuthenticationFailed.MissingParameter.
        $this->assertSame(['subject' => 's'], array_intersect_key($client->request('POST', self::TASKS, [], ['subject' => 's']), ['subject' => 1]));
    }

    public function testABodyIsAJsonObjectOrNothing(): void
    {
        $client = $this->client();
        $client->todos()->create('union-boss', ['subject' => 'listed', 'detailUrl' => ['appUrl' => 'https://a']]);
        // No body and an empty array both read as {}: every task, done or not.
        $this->assertCount(1, $client->request('POST', self::QUERY)['todoCards']);
        $this->assertCount(1, $client->request('POST', self::QUERY, [], [])['todoCards']);
        // A list is sent as a JSON array, which DingTalk refuses.
        $e = $this->throws(ApiException::class, fn () => $client->request('POST', self::QUERY, [], ['a', 'b']));
        $this->assertSame('InvalidParameter', $e->getErrorCode());
    }

    /** @return iterable<string, array{0: int, 1: string}> */
    public static function emptyAnswers(): iterable
    {
        yield '204, no body' => [204, ''];
        yield '200, no body' => [200, ''];
        yield '200, whitespace' => [200, " \r\n"];
        yield '200, {}' => [200, '{}'];
    }

    /**
     * @dataProvider emptyAnswers
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('emptyAnswers')]
    public function testAnEmptyAnswerIsAnEmptyArray(int $status, string $body): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::TASKS, 'status' => $status, 'body' => $body]]);
        $this->assertSame([], $client->request('DELETE', self::TASKS . '/t1'));
    }

    /** @return iterable<string, array{0: int, 1: string}> */
    public static function foreignAnswers(): iterable
    {
        yield 'an HTML 502' => [502, '<html><body><h1>502 Bad Gateway</h1></body></html>'];
        yield 'the IP-flood JSON' => [403, '{"status":1111,"wait":5}'];
        yield 'an empty 500' => [500, ''];
        yield 'a 400 with the wrong JSON' => [400, '{"errcode":40014,"errmsg":"oapi shape"}'];
    }

    /**
     * @dataProvider foreignAnswers
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('foreignAnswers')]
    public function testAnAnswerNotInDingTalksShapeIsATransportExceptionNamingTheStatus(int $status, string $body): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => self::TASKS, 'status' => $status, 'body' => $body]]);
        $e = $this->throws(TransportException::class, fn () => $client->request('POST', self::TASKS, [], ['subject' => 's']));
        $this->assertStringContainsString(self::TASKS, $e->getMessage());
        $this->assertStringContainsString("HTTP {$status}", $e->getMessage());
        $this->assertSame([], $this->emulator->todos(), 'the fault answered instead of the emulator');
    }

    public function testAnHtmlSuccessIsATransportException(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::TASKS, 'status' => 200, 'body' => '<html>maintenance</html>']]);
        $e = $this->throws(TransportException::class, fn () => $client->request('GET', self::TASKS . '/t1'));
        $this->assertStringContainsString('maintenance', $e->getMessage());
    }

    // ---- unionId() ---------------------------------------------------------------------------

    public function testUnionIdIsCachedPerAppAndProcess(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = $this->client([], null, [$key, $secret]);
        $this->assertSame('union-manager1', $client->unionId('manager1'));
        $this->assertSame('union-manager1', $client->unionId('manager1'));
        // Another Client of the same app: the same cache.
        $this->assertSame('union-manager1', $this->client([], null, [$key, $secret])->unionId('manager1'));
        $this->assertSame(1, $this->emulator->requests('/topapi/v2/user/get'));
        $this->assertSame('union-张三 li', $client->unionId('张三 li'));
        $this->assertSame(2, $this->emulator->requests('/topapi/v2/user/get'));
        // Another app asks for itself.
        $this->assertSame('union-manager1', $this->client()->unionId('manager1'));
        $this->assertSame(3, $this->emulator->requests('/topapi/v2/user/get'));
    }

    public function testUnionIdOfAnUnknownUserIsDingTalksErrorAndNotCached(): void
    {
        $emulator = $this->startEmulator(['--user', 'alice:UNION-ALICE', '--user', 'bob:b:ob', '--strict-users']);
        $client = $this->client([], $emulator);
        $this->assertSame('UNION-ALICE', $client->unionId('alice'));
        $this->assertSame('b:ob', $client->unionId('bob'));
        for ($i = 0; $i < 2; $i++) {
            $e = $this->throws(ApiException::class, fn () => $client->unionId('carol'));
            $this->assertSame(60121, $e->getCode());
            $this->assertSame('60121', $e->getErrorCode());
            $this->assertStringContainsString('/topapi/v2/user/get', $e->getMessage());
        }
        $this->assertSame(4, $emulator->requests('/topapi/v2/user/get'));
    }

    // ---- api_base_url --------------------------------------------------------------------------

    public function testOneTokenServesBothFamilies(): void
    {
        $client = $this->client();
        $unionId = $client->unionId('manager1');
        $task = $client->todos()->create($unionId, ['subject' => 's', 'sourceId' => 'src']);
        $this->assertSame($task['id'], $client->request('GET', "/v1.0/todo/users/{$unionId}/tasks/sources/src", [], null)['id']);
        $this->assertSame('union-manager1', $client->post('/topapi/v2/user/get', ['userid' => 'manager1'])['result']['unionid']);
        $this->assertSame(1, $this->emulator->tokenFetches());
        $this->assertSame(1, $client->stats()['token_fetches']);
    }

    public function testToDosGoToApiBaseUrlAndTokensComeFromBaseUrl(): void
    {
        $v1 = $this->startEmulator();
        $client = $this->client(['api_base_url' => $v1->url(), 'retries' => 0]);
        // The v1.0 host never issued this token: refused, renewed once at base_url, refused again.
        $e = $this->throws(AuthenticationException::class, fn () => $client->todos()->create('union-boss', ['subject' => 's']));
        $this->assertSame(400, $e->getCode());
        $this->assertSame('InvalidAuthentication', $e->getErrorCode());
        $this->assertSame(2, $v1->requests(self::TASKS));
        $this->assertSame(0, $v1->tokenFetches());
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertSame(0, $this->emulator->requests(self::TASKS));
        $this->assertSame([], $v1->todos());
    }
}
