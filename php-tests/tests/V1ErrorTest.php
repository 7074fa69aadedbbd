<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\NotFoundException;
use DingTalk\AuthenticationException;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\TestCase;

/**
 * Each v1.0 error code of DingTalk's reference, played by the emulator's v1.0 faults, becomes
 * the right exception class with the right getters: getCode() the HTTP status, getErrorCode()
 * DingTalk's code, getErrmsg() its message, getRequestId() its requestid. With `retries => 0`
 * each shows after the fewest attempts its rule allows (the retries themselves are in
 * TodoRetryTest).
 */
final class V1ErrorTest extends TestCase
{
    private const QUERY = '/v1.0/todo/users/union-boss/org/tasks/query';

    /** @return iterable<string, array{0: int, 1: string, 2: class-string, 3: int}> */
    public static function codes(): iterable
    {
        // status, code, exception class, attempts with retries => 0
        yield 'token refused twice' => [400, 'InvalidAuthentication', AuthenticationException::class, 2];
        yield 'no token header' => [400, 'AuthenticationFailed.MissingParameter', ApiException::class, 1];
        yield 'bad app key or secret' => [400, 'invalidClientIdOrSecret', AuthenticationException::class, 1];
        yield 'missing scope' => [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', ApiException::class, 1];
        yield 'IP not allowed' => [403, 'Forbidden.AccessDenied.IpNotInWhiteList', ApiException::class, 1];
        yield 'QPS per app and API' => [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', RateLimitException::class, 1];
        yield 'QPM per app and API' => [403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi', RateLimitException::class, 1];
        yield 'QPS per API' => [403, 'Forbidden.AccessDenied.QpsLimitForApi', RateLimitException::class, 1];
        yield 'monthly quota' => [403, 'Forbidden.AccessDenied.ApiCountLimitForOrg', RateLimitException::class, 1];
        yield 'busy' => [429, 'system.busy', ApiException::class, 1];
        yield 'busy, other spelling' => [429, 'systemBusy', ApiException::class, 1];
        yield 'server error' => [500, 'todo.orgTaskQuery.systemError', ApiException::class, 1];
        yield 'unavailable' => [503, 'ServiceUnavailable', ApiException::class, 1];
        yield 'unknown API' => [404, 'InvalidAction.NotFound', ApiException::class, 1];
        yield 'bad parameter' => [400, 'todo.orgTaskQuery.paramError', ApiException::class, 1];
        yield 'create throttled per executor' => [400, 'todo.taskCreate.flowControlError', ApiException::class, 1];
        yield 'another bizTag' => [400, 'todo.taskUpdate.paramError', ApiException::class, 1];
    }

    /**
     * @dataProvider codes
     * @param class-string $class
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('codes')]
    public function testACodeIsItsExceptionWithDingTalksFields(int $status, string $code, string $class, int $attempts): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => self::QUERY, 'status' => $status, 'code' => $code, 'message' => "说明 of {$code}", 'count' => 2]]);
        $line = __LINE__ + 1;
        $e = $this->throws($class, fn () => $client->todos()->list('union-boss'));

        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertInstanceOf(\DingTalk\Exception::class, $e);
        $this->assertSame($status, $e->getCode(), 'getCode() is the HTTP status');
        $this->assertSame($code, $e->getErrorCode());
        $this->assertSame("说明 of {$code}", $e->getErrmsg());
        $this->assertNull($e->getSubCode());
        $requestId = $e->getRequestId();
        $this->assertIsString($requestId);
        $this->assertNotSame('', $requestId);
        $this->assertSame(
            sprintf('DingTalk %s failed: HTTP %d %s, message "说明 of %s" [request_id %s]', self::QUERY, $status, $code, $code, $requestId),
            $e->getMessage()
        );
        $this->assertSame(__FILE__, $e->getFile(), 'thrown where PHP called');
        $this->assertSame($line, $e->getLine());
        $this->assertSame($attempts, $this->emulator->requests(self::QUERY));
    }

    public function testAPermissionErrorNamesTheRequiredScopes(): void
    {
        $client = $this->client();
        $this->emulator->faults([[
            'path' => self::QUERY,
            'status' => 403,
            'code' => 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
            'message' => 'You are not authorized',
            'required_scopes' => ['qyapi_todo', 'Todo.Todo.Write'],
        ]]);
        $e = $this->throws(ApiException::class, fn () => $client->todos()->all('union-boss'));
        $this->assertSame(403, $e->getCode());
        $this->assertSame('You are not authorized', $e->getErrmsg());
        $this->assertStringContainsString('(required scopes: qyapi_todo, Todo.Todo.Write)', $e->getMessage());
        $this->assertSame(1, $this->emulator->requests(self::QUERY), 'a missing permission is final');
    }

    public function testDingTalksOwnErrorBodyIsReadAsSent(): void
    {
        $client = $this->client();
        $body = '{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"没有调用该接口的权限",'
            . '"requestid":"5D0B1C6E-REQ","accessdenieddetail":{"requiredScopes":["qyapi_todo"]}}';
        $this->emulator->faults([['path' => self::QUERY, 'status' => 403, 'body' => $body]]);
        $e = $this->throws(ApiException::class, fn () => $client->todos()->list('union-boss'));
        $this->assertSame('5D0B1C6E-REQ', $e->getRequestId());
        $this->assertSame('没有调用该接口的权限', $e->getErrmsg());
        $this->assertSame('Forbidden.AccessDenied.AccessTokenPermissionDenied', $e->getErrorCode());
        $this->assertSame(
            'DingTalk ' . self::QUERY . ' failed: HTTP 403 Forbidden.AccessDenied.AccessTokenPermissionDenied, message "没有调用该接口的权限" (required scopes: qyapi_todo) [request_id 5D0B1C6E-REQ]',
            $e->getMessage()
        );
    }

    public function testAnErrorWithoutMessageOrRequestId(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::QUERY, 'status' => 400, 'body' => '{"code":"InvalidParameter"}']]);
        $e = $this->throws(ApiException::class, fn () => $client->todos()->list('union-boss'));
        $this->assertSame('', $e->getErrmsg());
        $this->assertNull($e->getRequestId());
        $this->assertSame('DingTalk ' . self::QUERY . ' failed: HTTP 400 InvalidParameter', $e->getMessage());
    }

    public function testDingTalksRealAnswersKeepTheirCodes(): void
    {
        $client = $this->client();
        $todos = $client->todos();
        $e = $this->throws(NotFoundException::class, fn () => $todos->delete('union-boss', 'no-such-task'));
        $this->assertSame([400, 'todo.taskDelete.paramError', 'task not exist'], [$e->getCode(), $e->getErrorCode(), $e->getErrmsg()]);
        $e = $this->throws(ApiException::class, fn () => $client->request('GET', '/v1.0/todo/nothing'));
        $this->assertSame([404, 'InvalidAction.NotFound'], [$e->getCode(), $e->getErrorCode()]);
        $this->assertIsString($e->getRequestId());
    }

    public function testAnOapiErrorHasItsErrcodeAsErrorCode(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => '/topapi/v2/user/get', 'errcode' => 60011, 'errmsg' => 'no permission']]);
        $e = $this->throws(ApiException::class, fn () => $client->unionId('manager1'));
        $this->assertSame(60011, $e->getCode());
        $this->assertSame('60011', $e->getErrorCode());
    }
}
