<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * A server at base_url (or a gateway in between) that redirects, echoes the request back, or
 * answers /gettoken with a malformed body: no secret or token may leak, nothing is followed.
 */
final class HostileServerTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';

    /**
     * @dataProvider redirects
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('redirects')]
    public function testRedirectsAreRefusedNotFollowed(string $path, int $status): void
    {
        $elsewhere = $this->startEmulator();
        $client = $this->client(['retries' => 2]);
        // The target would receive the query (appsecret, access_token) and, for 307/308, the body.
        $this->emulator->faults([
            ['path' => $path, 'status' => $status, 'redirect' => $elsewhere->url() . $path . '?{query}'],
        ]);
        $call = $path === '/gettoken'
            ? fn () => $client->getAccessToken()
            : fn () => $client->workRecords()->list('u1');
        $e = $this->throws(TransportException::class, $call);
        $this->assertStringContainsString($path, $e->getMessage());
        $this->assertStringContainsString("HTTP {$status}", $e->getMessage());
        $this->assertStringContainsString('redirect', $e->getMessage());
        $this->assertStringNotContainsString($elsewhere->url(), $e->getMessage());
        $this->assertNoRequestReached($elsewhere);
        // A redirect is an answer, not a failure to retry.
        $this->assertSame(1, $this->emulator->requests($path));
    }

    public static function redirects(): array
    {
        return [
            '/gettoken, 302' => ['/gettoken', 302],
            'getbyuserid, 301' => [self::LIST, 301],
            'getbyuserid, 307 (would re-post the body)' => [self::LIST, 307],
            'getbyuserid, 308' => [self::LIST, 308],
        ];
    }

    /**
     * @dataProvider malformedTokenAnswers
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('malformedTokenAnswers')]
    public function testAMalformedTokenAnswerNeverShowsItsToken(int $status, string $body, string $class): void
    {
        $token = 'TOKEN0f1e2d3c4b5a69788796a5b4c3d2e1f0';
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => '/gettoken', 'status' => $status, 'body' => str_replace('@', $token, $body)]]);
        $e = $this->throws($class, fn () => $client->getAccessToken());
        $this->assertStringContainsString('/gettoken', $e->getMessage());
        foreach ($this->texts($e) as $text) {
            $this->assertStringNotContainsString('TOKEN0f1e2d', $text);
        }
    }

    public static function malformedTokenAnswers(): array
    {
        return [
            'a bad expires_in' => [200, '{"errcode":0,"access_token":"@","expires_in":"soon"}', TransportException::class],
            'a duplicate key' => [200, '{"errcode":0,"access_token":"@","access_token":"x","expires_in":7200}', TransportException::class],
            'errcode 0 with HTTP 500' => [500, '{"errcode":0,"access_token":"@","expires_in":7200}', TransportException::class],
            'a key spelled with an escape' => [200, '{"errcode":0,"access\u005ftoken":"@","expires_in":[]}', TransportException::class],
            'broken JSON' => [200, '{"errcode":0,"access_token":"@",', TransportException::class],
            'an error that quotes it' => [200, '{"errcode":40096,"errmsg":"not @","sub_code":"@","request_id":"@","access_token":"@"}', AuthenticationException::class],
        ];
    }

    public function testEveryFieldOfAnEchoingAnswerIsScrubbed(): void
    {
        $client = $this->client(['retries' => 0]);
        $token = $client->getAccessToken();
        // A gateway that echoes the request into every field of DingTalk's error shape.
        $this->emulator->faults([[
            'path' => self::LIST, 'errcode' => 60011, 'errmsg' => 'echo {query}',
            'sub_code' => '{query}', 'sub_msg' => 'got {query}', 'request_id' => 'req {query}',
        ]]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->list('u1'));
        foreach ($this->texts($e) as $text) {
            $this->assertStringNotContainsString($token, $text);
        }
        $this->assertSame('req access_token=***', $e->getRequestId());
        $this->assertSame('access_token=***', $e->getSubCode());
        $this->assertSame('echo access_token=***', $e->getErrmsg());
    }

    public function testASecretStraddlingTheCutOfAQuotedBodyIsScrubbed(): void
    {
        $client = $this->client(['retries' => 0]);
        $token = $client->getAccessToken();
        // "access_token=" then the token from character 193: a cut at 200 would keep its head.
        $this->emulator->faults([['path' => self::LIST, 'status' => 502, 'body' => str_repeat('x', 180) . '{query}' . str_repeat('y', 100)]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertStringContainsString('access_token=***', $e->getMessage());
        $this->assertStringNotContainsString(substr($token, 0, 6), $e->getMessage());
    }

    /**
     * @dataProvider echoedSecretSpellings
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('echoedSecretSpellings')]
    public function testEveryEncodingOfAnEchoedSecretIsScrubbed(string $body): void
    {
        // The weird app's secret holds a space, "#", "+", "&", "=", "/" and "?": each encoding
        // of it is a different string.
        $client = $this->client(['retries' => 0], null, [Emulator::WEIRD_KEY, Emulator::WEIRD_SECRET]);
        $encoded = [
            '%20' => rawurlencode(Emulator::WEIRD_SECRET),
            '+' => urlencode(Emulator::WEIRD_SECRET),
            'lower-case hex' => strtolower(rawurlencode(Emulator::WEIRD_SECRET)),
        ];
        $body = strtr($body, ['@raw' => Emulator::WEIRD_SECRET] + array_combine(
            ['@%20', '@plus', '@lower'],
            array_values($encoded)
        ));
        $this->emulator->faults([['path' => '/gettoken', 'status' => 502, 'body' => $body]]);
        $e = $this->throws(TransportException::class, fn () => $client->getAccessToken(true));
        foreach ($this->texts($e) as $text) {
            $this->assertStringNotContainsString('s3cr3t', $text);
            $this->assertStringNotContainsString('%23%2B%26', $text);
            $this->assertStringNotContainsString('%23%2b%26', $text);
        }
        $this->assertStringContainsString('appsecret=***', $e->getMessage());
    }

    public static function echoedSecretSpellings(): array
    {
        return [
            'the query as sent' => ['<html>GET /gettoken?{query} failed</html>'],
            'raw' => ['<html>GET /gettoken?appsecret=@raw failed</html>'],
            '%20 for the space' => ['<html>GET /gettoken?appsecret=@%20 failed</html>'],
            '+ for the space' => ['<html>GET /gettoken?appsecret=@plus failed</html>'],
            'lower-case hex' => ['<html>GET /gettoken?appsecret=@lower failed</html>'],
        ];
    }

    public function testATricklingAnswerEndsAtTheTimeBudget(): void
    {
        $client = $this->client(['timeout' => 0.5, 'retries' => 0]);
        $client->getAccessToken();
        // One byte every 20 ms: 20 s for the whole body.
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body_bytes' => 1000, 'trickle_ms' => 20]]);
        $start = microtime(true);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertStringContainsString('timed out', $e->getMessage());
        $this->assertLessThan(5.0, microtime(true) - $start, 'sanity bound: no hang');
    }

    /** Every text an exception shows: message, getters, string form, dumps. */
    private function texts(\Throwable $e): array
    {
        $texts = [$e->getMessage(), (string) $e, print_r($e, true), var_export($e, true)];
        if ($e instanceof ApiException) {
            array_push($texts, $e->getErrmsg(), (string) $e->getRequestId(), (string) $e->getSubCode());
        }
        return $texts;
    }
}
