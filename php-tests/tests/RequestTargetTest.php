<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\TestCase;

/**
 * Where requests go: only to base_url, under its path, through the proxy the options name and
 * no other, with the token the extension adds and no other.
 */
final class RequestTargetTest extends TestCase
{
    // ---- proxies -------------------------------------------------------------------------------

    public function testProxiesFromTheEnvironmentAreIgnored(): void
    {
        // A proxy variable exported for something else must not route /gettoken?appsecret=...
        // through whatever it names (here a port nobody listens on).
        $proxy = 'http://127.0.0.1:' . self::closedPort();
        $env = array_merge(getenv(), [
            'http_proxy' => $proxy, 'HTTP_PROXY' => $proxy, 'https_proxy' => $proxy,
            'HTTPS_PROXY' => $proxy, 'all_proxy' => $proxy, 'ALL_PROXY' => $proxy,
        ]);
        unset($env['no_proxy'], $env['NO_PROXY']);
        [$key, $secret] = $this->freshApp();
        $script = <<<'PHP'
            <?php
            $client = new DingTalk\Client($argv[1], $argv[2], ['base_url' => $argv[3], 'retries' => 0]);
            try {
                echo json_encode($client->workRecords()->list('u1'));
            } catch (Throwable $e) {
                echo get_class($e), ': ', $e->getMessage();
            }
            PHP;
        [$exit, $out, $err] = self::runPhp($script, true, [$key, $secret, $this->emulator->url()], 30.0, [], $env);
        $this->assertSame('{"has_more":false,"records":[]}', $out, "exit {$exit}: {$err}");
        $this->assertSame(1, $this->emulator->tokenFetches());
    }

    /**
     * @dataProvider unusableProxies
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('unusableProxies')]
    public function testProxySchemesTheExtensionCannotUseAreRefused(string $proxy): void
    {
        $e = $this->throws(\ValueError::class, fn () => $this->client(['proxy' => $proxy]));
        $this->assertStringContainsString('options[proxy]', $e->getMessage());
        $this->assertStringNotContainsString('hunter2', $e->getMessage());
    }

    public static function unusableProxies(): array
    {
        return [
            'ftp' => ['ftp://127.0.0.1:21'],
            'ftp with a password' => ['ftp://user:hunter2@127.0.0.1:21'],
            'socks4' => ['socks4://127.0.0.1:1080'],
            'file' => ['file:///tmp/proxy'],
            'no scheme' => ['127.0.0.1:3128'],
        ];
    }

    /**
     * @dataProvider usableProxies
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('usableProxies')]
    public function testTheDocumentedProxySchemesAreAccepted(string $scheme): void
    {
        // Accepted, and used: through a proxy that is not there, the call cannot connect.
        $client = $this->client(['proxy' => "{$scheme}://127.0.0.1:" . self::closedPort(), 'retries' => 0]);
        $e = $this->throws(\DingTalk\TransportException::class, fn () => $client->getAccessToken());
        $this->assertStringContainsString('cannot connect', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public static function usableProxies(): array
    {
        return ['http' => ['http'], 'https' => ['https'], 'socks5' => ['socks5'], 'socks5h' => ['socks5h']];
    }

    // ---- base_url and paths --------------------------------------------------------------------

    /**
     * @dataProvider misleadingBaseUrls
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('misleadingBaseUrls')]
    public function testMisleadingBaseUrlsAreRefused(string $template): void
    {
        $url = str_replace('URL', $this->emulator->url(), $template);
        $e = $this->throws(\ValueError::class, fn () => $this->client(['base_url' => $url]));
        $this->assertStringContainsString('options[base_url]', $e->getMessage());
        $this->assertStringNotContainsString('pw', $e->getMessage());
    }

    public static function misleadingBaseUrls(): array
    {
        return [
            'a password without a user' => ['http://:pw@127.0.0.1:1'],
            'a user and a password' => ['http://u:pw@127.0.0.1:1'],
            'a leading space' => [' URL'],
            'a trailing space' => ['URL '],
            'a newline' => ["URL\n"],
            'a tab inside' => ["URL/a\tb"],
        ];
    }

    /**
     * @dataProvider escapingPaths
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('escapingPaths')]
    public function testAPathCannotLeaveTheBaseUrlPrefix(string $path): void
    {
        // A gateway that serves DingTalk under /dingtalk/ and something else beside it.
        $client = $this->client(['base_url' => $this->emulator->url() . '/dingtalk']);
        $e = $this->throws(\ValueError::class, fn () => $client->get($path));
        $this->assertStringContainsString('$path', $e->getMessage());
        $e = $this->throws(\ValueError::class, fn () => $client->post($path));
        $this->assertStringContainsString('$path', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public static function escapingPaths(): array
    {
        return [
            '/../' => ['/../gettoken'],
            'deeper' => ['/topapi/../../gettoken'],
            '%2e%2e' => ['/%2e%2e/gettoken'],
            '%2E%2e' => ['/%2E%2e/topapi/workrecord/getbyuserid'],
            '.%2e' => ['/.%2e/gettoken'],
            'a backslash' => ['/topapi\\..\\..\\gettoken'],
        ];
    }

    public function testABaseUrlWithDotSegmentsIsNormalised(): void
    {
        $client = $this->client(['base_url' => $this->emulator->url() . '/x/../']);
        $this->assertSame([], $client->workRecords()->list('u1')['records']);
    }

    // ---- reserved query keys -------------------------------------------------------------------

    /**
     * @dataProvider reservedKeys
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('reservedKeys')]
    public function testTheTokenKeyIsReservedInAQuery(string $key): void
    {
        $client = $this->client();
        $e = $this->throws(\ValueError::class, fn () => $client->get('/topapi/v2/user/get', ['userid' => 'u1', $key => 'mine']));
        $this->assertStringContainsString("\$query[{$key}]", $e->getMessage());
        $this->assertStringContainsString('reserved', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public static function reservedKeys(): array
    {
        return ['access_token' => ['access_token'], 'ACCESS_TOKEN' => ['ACCESS_TOKEN'], 'Access_Token' => ['Access_Token']];
    }
}
