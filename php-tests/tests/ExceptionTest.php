<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\ConflictException;
use DingTalk\DuplicateException;
use DingTalk\Exception;
use DingTalk\NotFoundException;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use DingTalk\WorkRecord;
use ReflectionClass;
use RuntimeException;

/** The exception classes: hierarchy, the data they carry, and where they say they come from. */
final class ExceptionTest extends TestCase
{
    /** @return iterable<string, array{0: class-string, 1: class-string}> */
    public static function parents(): iterable
    {
        yield 'Exception' => [Exception::class, RuntimeException::class];
        yield 'ApiException' => [ApiException::class, Exception::class];
        yield 'AuthenticationException' => [AuthenticationException::class, ApiException::class];
        yield 'RateLimitException' => [RateLimitException::class, ApiException::class];
        yield 'ConflictException' => [ConflictException::class, ApiException::class];
        yield 'NotFoundException' => [NotFoundException::class, ApiException::class];
        yield 'DuplicateException' => [DuplicateException::class, ApiException::class];
        yield 'TransportException' => [TransportException::class, Exception::class];
    }

    /** @dataProvider parents */
    #[\PHPUnit\Framework\Attributes\DataProvider('parents')]
    public function testExactParent(string $class, string $parent): void
    {
        $this->assertTrue(class_exists($class), $class);
        $this->assertSame($parent, get_parent_class($class));
        $reflection = new ReflectionClass($class);
        $this->assertFalse($reflection->isAbstract());
        $this->assertFalse($reflection->isInterface());
        $this->assertSame('dingtalk', $reflection->getExtensionName());
    }

    public function testApiExceptionMethods(): void
    {
        $reflection = new ReflectionClass(ApiException::class);
        foreach (['getErrmsg' => 'string', 'getRequestId' => '?string', 'getSubCode' => '?string'] as $name => $type) {
            $method = $reflection->getMethod($name);
            $this->assertTrue($method->isPublic(), $name);
            $this->assertSame(0, $method->getNumberOfParameters(), $name);
            $this->assertSame($type, (string) $method->getReturnType(), $name);
        }
        // Transport errors carry no DingTalk answer.
        $this->assertFalse(method_exists(TransportException::class, 'getErrmsg'));
    }

    public function testApiErrorData(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'errcode' => 60011, 'errmsg' => '没有调用该接口的权限']]);
        $line = __LINE__ + 2;
        try {
            $client->workRecords()->list('u1');
            $this->fail('no exception');
        } catch (ApiException $e) {
            $this->assertSame(ApiException::class, get_class($e));
            $this->assertSame(60011, $e->getCode());
            $this->assertSame('没有调用该接口的权限', $e->getErrmsg());
            $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', (string) $e->getRequestId());
            $this->assertNull($e->getSubCode());
            $this->assertStringContainsString('/topapi/workrecord/getbyuserid', $e->getMessage());
            $this->assertStringContainsString('60011', $e->getMessage());
            $this->assertStringContainsString('没有调用该接口的权限', $e->getMessage());
            $this->assertStringContainsString((string) $e->getRequestId(), $e->getMessage());
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertSame($line, $e->getLine());
            $this->assertNull($e->getPrevious());
        }
    }

    public function testSubCode(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/topapi/workrecord/add', 'errcode' => 88, 'errmsg' => 'auth error', 'sub_code' => '60011', 'sub_msg' => 'no permission']]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertSame(88, $e->getCode());
        $this->assertSame('60011', $e->getSubCode());
        $this->assertSame('auth error', $e->getErrmsg());
        $this->assertStringContainsString('60011', $e->getMessage());
    }

    public function testAnswerWithoutRequestIdOrErrmsg(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'status' => 200, 'body' => '{"errcode":"60020"}']]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(60020, $e->getCode(), 'an errcode sent as a numeric string');
        $this->assertSame('', $e->getErrmsg());
        $this->assertNull($e->getRequestId());
        $this->assertNull($e->getSubCode());
    }

    public function testErrcodeBeyond32Bits(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'errcode' => 4_294_967_297]]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(4_294_967_297, $e->getCode());
    }

    /** @return iterable<string, array{0: string, 1: string}> */
    public static function refusedForWhatTheyAre(): iterable
    {
        yield 'a doubled errcode' => ['{"errcode":0,"errcode":0,"record_id":"r"}', 'duplicate field `errcode`'];
        yield 'a list' => ['[{"errcode":0}]', 'not a JSON object'];
        yield 'an HTML page' => ['<html>busy</html>', 'not JSON'];
    }

    /**
     * The refusal of a success answer names what is wrong with it: a body with a doubled
     * errcode is a JSON object, and is not called anything else.
     *
     * @dataProvider refusedForWhatTheyAre
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('refusedForWhatTheyAre')]
    public function testAnUnexpectedAnswerIsRefusedForWhatItIs(string $body, string $reason): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/topapi/workrecord/add', 'status' => 200, 'body' => $body, 'content_type' => 'application/json']]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->create('u1', 't', 'https://example.com'));
        $this->assertStringContainsString('unexpected answer (', $e->getMessage());
        $this->assertStringContainsString($reason, $e->getMessage());
        if ($reason !== 'not a JSON object') {
            $this->assertStringNotContainsString('not a JSON object', $e->getMessage());
        }
    }

    /** @return iterable<string, array{0: string}> */
    public static function unexpectedAnswers(): iterable
    {
        yield 'errcode not a number' => ['{"errcode":"abc"}'];
        yield 'errcode a fraction' => ['{"errcode":1.5}'];
        yield 'no errcode' => ['{"records":{"has_more":false,"list":[]}}'];
        yield 'a JSON list' => ['[1,2]'];
        yield 'success without records' => ['{"errcode":0}'];
        yield 'record_id not a string' => ['{"errcode":0,"records":{"has_more":false,"list":[{"record_id":5,"create_time":1,"title":"t","url":"u"}]}}'];
        yield 'truncated JSON' => ['{"errcode":0,"records":{"has_mo'];
        yield 'empty body' => [''];
    }

    /** @dataProvider unexpectedAnswers */
    #[\PHPUnit\Framework\Attributes\DataProvider('unexpectedAnswers')]
    public function testUnexpectedAnswerIsATransportException(string $body): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'status' => 200, 'body' => $body, 'content_type' => 'application/json']]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertStringContainsString('/topapi/workrecord/getbyuserid', $e->getMessage());
    }

    public function testUnknownRecordFieldsAreKept(): void
    {
        $client = $this->client();
        $body = '{"errcode":0,"records":{"has_more":false,"list":[{"record_id":"r","create_time":1700000000000,"title":"t","url":"u","forms":[],"status_text":"new"}]}}';
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'status' => 200, 'body' => $body]]);
        $this->assertSame('new', $client->workRecords()->list('u1')['records'][0]['status_text']);
    }

    public function testAuthenticationExceptionData(): void
    {
        [$key] = $this->freshApp();
        $client = new \DingTalk\Client($key, 'wrong secret', ['base_url' => $this->emulator->url()]);
        $e = $this->throws(AuthenticationException::class, fn () => $client->getAccessToken());
        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertSame(40096, $e->getCode());
        $this->assertSame('invalid appkey or appsecret', $e->getErrmsg());
        $this->assertNotNull($e->getRequestId());
        $this->assertStringContainsString('/gettoken', $e->getMessage());
    }

    public function testRateLimitExceptionData(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'errcode' => 90018, 'errmsg' => 'too many']]);
        $e = $this->throws(RateLimitException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertInstanceOf(ApiException::class, $e);
        $this->assertSame(90018, $e->getCode());
        $this->assertSame('too many', $e->getErrmsg());
    }

    public function testTransportExceptionLocationAndMessage(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => '/topapi/workrecord/update', 'status' => 502, 'body' => '<html>bad gateway</html>']]);
        $line = __LINE__ + 2;
        try {
            $client->workRecords()->complete('u1', 'r1');
            $this->fail('no exception');
        } catch (TransportException $e) {
            $this->assertSame(0, $e->getCode());
            $this->assertStringContainsString('/topapi/workrecord/update', $e->getMessage());
            $this->assertStringContainsString('502', $e->getMessage());
            $this->assertStringContainsString('bad gateway', $e->getMessage(), 'a snippet of the body helps');
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertSame($line, $e->getLine());
        }
    }

    public function testTraceStartsAtTheCallingMethod(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        $e = $this->throwFromHelper($records);
        $trace = $e->getTrace();
        $this->assertNotEmpty($trace);
        $this->assertSame(WorkRecord::class, $trace[0]['class']);
        $this->assertSame('complete', $trace[0]['function']);
        $this->assertSame(__FILE__, $trace[0]['file']);
        $this->assertSame(__CLASS__, $trace[1]['class']);
        $this->assertSame('throwFromHelper', $trace[1]['function']);
        $this->assertStringContainsString('throwFromHelper', $e->getTraceAsString());
        $this->assertStringContainsString(__FILE__, (string) $e);
    }

    public function testValueErrorPointsAtTheCaller(): void
    {
        $records = $this->client()->workRecords();
        $line = __LINE__ + 2;
        try {
            $records->list('u1', 7);
            $this->fail('no exception');
        } catch (\ValueError $e) {
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertSame($line, $e->getLine());
        }
    }

    public function testCatchableAsRuntimeException(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'errcode' => -1]]);
        try {
            $client->workRecords()->list('u1');
            $this->fail('no exception');
        } catch (RuntimeException $e) {
            $this->assertInstanceOf(Exception::class, $e);
        }
    }

    public function testUserCodeCanConstructAndThrowThem(): void
    {
        // For tests of code that uses the extension: the classes behave as ordinary exceptions.
        $previous = new \LogicException('cause');
        $e = new RateLimitException('throttled', 90018, $previous);
        $this->assertSame('throttled', $e->getMessage());
        $this->assertSame(90018, $e->getCode());
        $this->assertSame($previous, $e->getPrevious());
        $this->assertSame('', $e->getErrmsg());
        $this->assertNull($e->getRequestId());
        $this->assertNull($e->getSubCode());
        $this->assertSame(__LINE__ - 7, $e->getLine());
        $this->expectException(ApiException::class);
        throw $e;
    }

    /** @return iterable<string, array{0: class-string}> */
    public static function apiClasses(): iterable
    {
        foreach ([ApiException::class, AuthenticationException::class, RateLimitException::class, ConflictException::class, NotFoundException::class, DuplicateException::class] as $class) {
            yield $class => [$class];
        }
    }

    /**
     * An application's tests build the exceptions the extension throws, with DingTalk's answer,
     * by name; they have a file, a line and a trace like any exception.
     *
     * @dataProvider apiClasses
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('apiClasses')]
    public function testNamedArgumentsCarryDingTalksAnswer(string $class): void
    {
        $previous = new \LogicException('cause');
        $line = __LINE__ + 1;
        $e = new $class(
            errmsg: 'task not exist',
            code: 400,
            message: 'DingTalk /v1.0/x failed',
            errorCode: 'todo.taskUpdate.paramError',
            requestId: 'r-1',
            subCode: '42001',
            previous: $previous,
        );
        $this->assertSame(
            ['DingTalk /v1.0/x failed', 400, 'todo.taskUpdate.paramError', 'task not exist', 'r-1', '42001', $previous],
            [$e->getMessage(), $e->getCode(), $e->getErrorCode(), $e->getErrmsg(), $e->getRequestId(), $e->getSubCode(), $e->getPrevious()]
        );
        $this->assertSame([__FILE__, $line], [$e->getFile(), $e->getLine()]);
        $this->assertSame(__FUNCTION__, $e->getTrace()[0]['function']);
        // Left out: the defaults.
        $bare = new $class(errorCode: 'x');
        $this->assertSame(['', 0, 'x', '', null, null, null], [$bare->getMessage(), $bare->getCode(), $bare->getErrorCode(), $bare->getErrmsg(), $bare->getRequestId(), $bare->getSubCode(), $bare->getPrevious()]);
        try {
            throw $e;
        } catch (ApiException $caught) {
            $this->assertSame($e, $caught);
        }
    }

    public function testADuplicateCarriesTheExistingId(): void
    {
        $e = new DuplicateException('taken', 400, null, 'todo.taskCreate.paramError', 'task exist', null, null, 'task-42');
        $this->assertSame(['task-42', 'task exist'], [$e->getExistingId(), $e->getErrmsg()]);
        $this->assertNull((new DuplicateException(existingId: null))->getExistingId());
        $this->assertFalse(method_exists(NotFoundException::class, 'getExistingId'));
    }

    public function testTheConstructorRefusesWhatPhpWouldRefuse(): void
    {
        $e = $this->throws(\Error::class, fn () => new NotFoundException(existingId: 'x'));
        $this->assertSame('Unknown named parameter $existingId', $e->getMessage());
        $e = $this->throws(\TypeError::class, fn () => new ApiException(previous: 'cause'));
        $this->assertSame('DingTalk\ApiException::__construct(): Argument #3 ($previous) must be of type ?Throwable, string given', $e->getMessage());
        $e = $this->throws(\ArgumentCountError::class, fn () => new ApiException('m', 1, null, 'c', 'e', 'r', 's', 'one too many'));
        $this->assertStringContainsString('at most 7 arguments', $e->getMessage());
    }

    public function testSubclassInheritsTheGetters(): void
    {
        $e = new class ('m', 1) extends AuthenticationException {
        };
        $this->assertSame('', $e->getErrmsg());
        $this->assertNull($e->getRequestId());
    }

    private function throwFromHelper(WorkRecord $records): \Throwable
    {
        try {
            $records->complete('u1', 'missing-record');
        } catch (ApiException $e) {
            return $e;
        }
        $this->fail('no exception');
    }
}
