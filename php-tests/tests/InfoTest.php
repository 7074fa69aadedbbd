<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\Process;
use DingTalk\Tests\Support\TestCase;

/**
 * `php --ri dingtalk` and `phpinfo()`: the build, this process's state and the ini entries in
 * force; never a key, a secret or a token.
 */
final class InfoTest extends TestCase
{
    private const BUILD = [
        'dingtalk support' => '/^enabled$/',
        'version' => '/^\d+\.\d+\.\d+/',
        'git commit' => '/^([0-9a-f]{12}|unknown)$/',
        'rustc' => '/^\d+\.\d+\.\d+/',
        'ext-php-rs' => '/^0\.16\.4$/',
        'reqwest' => '/^\d+\.\d+\.\d+$/',
        'rustls' => '/^\d+\.\d+\.\d+$/',
    ];

    private const STATE = ['apps with a cached token', 'pooled HTTP clients', 'requests', 'token fetches', 'retries'];

    /**
     * The rows of the text rendering (`name => value [=> value]`), by name.
     *
     * @return array<string, list<string>>
     */
    private static function rows(string $text): array
    {
        $rows = [];
        foreach (explode("\n", $text) as $line) {
            $cells = explode(' => ', $line);
            if (count($cells) >= 2) {
                $rows[$cells[0]] = array_slice($cells, 1);
            }
        }
        return $rows;
    }

    /** The state rows as numbers. */
    private function state(array $rows): array
    {
        $state = [];
        foreach (self::STATE as $name) {
            $this->assertArrayHasKey($name, $rows);
            $this->assertMatchesRegularExpression('/^\d+$/', $rows[$name][0], $name);
            $state[$name] = (int) $rows[$name][0];
        }
        return $state;
    }

    /** The versions of `$crate` that Cargo.lock holds. */
    private static function lockedVersions(string $crate): array
    {
        $lock = (string) file_get_contents(dirname(__DIR__, 2) . '/Cargo.lock');
        preg_match_all('/^name = "' . preg_quote($crate, '/') . '"\nversion = "([^"]+)"/m', $lock, $m);
        return $m[1];
    }

    public function testRiShowsTheBuildTheStateAndEveryEntry(): void
    {
        [$code, $out, $err] = Process::run([
            PHP_BINARY, '-n', '-d', 'extension=' . Child::extension(),
            '-d', 'dingtalk.timeout=7',
            '-d', 'dingtalk.proxy=socks5h://ops:hunter22@127.0.0.1:1080',
            '--ri', 'dingtalk',
        ]);
        $this->assertSame(0, $code, $err);
        $rows = self::rows($out);

        foreach (self::BUILD as $name => $pattern) {
            $this->assertArrayHasKey($name, $rows, $out);
            $this->assertMatchesRegularExpression($pattern, $rows[$name][0], $name);
        }
        $this->assertSame(phpversion('dingtalk'), $rows['version'][0]);
        $this->assertSame(self::lockedVersions('reqwest'), [$rows['reqwest'][0]]);
        $this->assertContains($rows['rustls'][0], self::lockedVersions('rustls'));

        $this->assertMatchesRegularExpression('/^pid \d+$/', $rows['this process'][0] ?? '', $out);
        $this->assertSame(array_fill_keys(self::STATE, 0), $this->state($rows));

        $this->assertSame(['Local Value', 'Master Value'], $rows['Directive'] ?? null, $out);
        foreach (array_keys(ini_get_all('dingtalk')) as $entry) {
            $expected = match ($entry) {
                'dingtalk.timeout' => ['7', '7'],
                'dingtalk.proxy' => ['socks5h://***@127.0.0.1:1080', 'socks5h://***@127.0.0.1:1080'],
                default => ['no value', 'no value'],
            };
            $this->assertSame($expected, $rows[$entry] ?? null, $entry);
        }
        $this->assertStringNotContainsString('hunter22', $out, "a proxy's password is masked");
    }

    public function testTheStateCountsCallsAndNeverShowsAKeySecretOrToken(): void
    {
        [$key, $secret] = $this->freshApp();
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'errcode' => -1]]);
        $script = <<<'PHP'
            <?php
            [, $url, $key, $secret] = $argv;
            $info = static function (): string {
                ob_start();
                (new ReflectionExtension('dingtalk'))->info();
                return (string) ob_get_clean();
            };
            $before = $info();
            $client = new DingTalk\Client($key, $secret, ['base_url' => $url]);
            $token = $client->getAccessToken();
            $client->workRecords()->list('info-user'); // busy once, retried
            $client->workRecords()->list('info-user');
            $after = $info();
            ob_start();
            phpinfo(INFO_MODULES);
            $phpinfo = (string) ob_get_clean();
            echo json_encode(compact('before', 'after', 'token', 'phpinfo'));
            PHP;
        [$code, $out, $err] = Child::run($script, [$this->emulator->url(), $key, $secret]);
        $this->assertSame(0, $code, $err);
        $result = json_decode($out, true);
        $this->assertIsArray($result, $out . $err);

        $this->assertSame(array_fill_keys(self::STATE, 0), $this->state(self::rows($result['before'])));
        $this->assertSame(
            [
                'apps with a cached token' => 1,
                'pooled HTTP clients' => 1,
                'requests' => 3,
                'token fetches' => 1,
                'retries' => 1,
            ],
            $this->state(self::rows($result['after'])),
            $result['after']
        );
        $this->assertStringContainsString('dingtalk support => enabled', $result['phpinfo']);
        foreach (['after', 'phpinfo'] as $text) {
            $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $result['token']);
            $this->assertStringNotContainsString($result['token'], $result[$text], "{$text}: the token");
            $this->assertStringNotContainsString($secret, $result[$text], "{$text}: the secret");
            $this->assertStringNotContainsString($key, $result[$text], "{$text}: the app key");
        }
    }
}
