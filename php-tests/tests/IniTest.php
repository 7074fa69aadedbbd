<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;

/**
 * The `dingtalk.*` ini entries: one per `Client` option, the defaults of a server, pool or
 * directory. Each case runs in a child `php -n` with its `-d` settings, as ops would set them.
 */
final class IniTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';
    private const V1_TASK = '/v1.0/todo/users/ini-union/tasks/missing';

    /** `INI_PERDIR | INI_SYSTEM`: php.ini, -d, a pool's php_value/php_admin_value, .user.ini. */
    private const ACCESS = 2 | 4;

    /**
     * Makes a client (`$argv[3]`: its options as JSON), lists work records and, given a path in
     * `$argv[4]`, makes a v1.0 call; prints what happened as JSON.
     */
    private const CALL = <<<'PHP'
        <?php
        [, $key, $secret, $options] = $argv;
        $result = [];
        try {
            $client = new DingTalk\Client($key, $secret, json_decode($options, true));
            $result['token'] = $client->getAccessToken();
            try {
                $client->workRecords()->list('ini-user');
                $result['list'] = 'ok';
            } catch (DingTalk\Exception $e) {
                $result['list'] = get_class($e) . ': ' . $e->getMessage();
            }
            if (isset($argv[4])) {
                try {
                    $client->request('GET', $argv[4]);
                    $result['request'] = 'ok';
                } catch (DingTalk\Exception $e) {
                    $result['request'] = get_class($e);
                }
            }
            $result['stats'] = $client->stats();
        } catch (Throwable $e) {
            $result['error'] = get_class($e) . ': ' . $e->getMessage();
        }
        echo json_encode($result);
        PHP;

    /**
     * Runs CALL in a child with `$ini` (as the demo app unless `$app` is given: a child is a new
     * process, whose token cache and counters start empty anyway); returns its JSON.
     *
     * @param array<string, string> $ini
     * @param array<string, mixed> $options
     * @param array{0: string, 1: string}|null $app
     */
    private function call(array $ini, array $options = [], ?array $app = null, ?string $v1Path = null): array
    {
        [$key, $secret] = $app ?? [Emulator::DEMO_KEY, Emulator::DEMO_SECRET];
        $args = [$key, $secret, json_encode((object) $options)];
        if ($v1Path !== null) {
            $args[] = $v1Path;
        }
        [$code, $out, $err] = Child::run(self::CALL, $args, $ini);
        $this->assertSame(0, $code, $err);
        $result = json_decode($out, true);
        $this->assertIsArray($result, $out . $err);
        return $result;
    }

    /** The options `Client` knows, as its own error message lists them. */
    private static function knownOptions(): array
    {
        try {
            new Client('k', 's', ['no such option' => 1]);
        } catch (\ValueError $e) {
            preg_match('/\(known: ([^)]*)\)/', $e->getMessage(), $m);
            return explode(', ', $m[1]);
        }
        self::fail('an unknown option was accepted');
    }

    public function testEveryOptionHasAnEntryOfItsOwnSettablePerDirectory(): void
    {
        $entries = ini_get_all('dingtalk');
        $options = self::knownOptions();
        // An object, which an ini file cannot name: the one option without an entry.
        $this->assertContains('logger', $options);
        $options = array_values(array_diff($options, ['logger']));
        $expected = array_map(static fn (string $option): string => "dingtalk.{$option}", $options);
        sort($expected);
        $names = array_keys($entries);
        sort($names);
        $this->assertSame($expected, $names);
        foreach ($entries as $name => $entry) {
            $this->assertSame(self::ACCESS, $entry['access'], $name);
        }
    }

    public function testIniSetIsRefusedWhileAScriptRuns(): void
    {
        $before = ini_get('dingtalk.timeout');
        $this->assertFalse(ini_set('dingtalk.timeout', '5'));
        $this->assertSame($before, ini_get('dingtalk.timeout'));
    }

    public function testEntriesGiveTheDefaults(): void
    {
        $url = $this->emulator->url();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $result = $this->call([
            'dingtalk.base_url' => $url,
            'dingtalk.api_base_url' => $url,
            'dingtalk.retries' => '0',
        ], [], null, self::V1_TASK);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $result['token'] ?? json_encode($result));
        // retries = 0: the "system busy" answer is not retried.
        $this->assertStringStartsWith('DingTalk\ApiException', $result['list']);
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        // api_base_url: the v1.0 call reached the emulator (and found no such task).
        $this->assertSame('DingTalk\ApiException', $result['request']);
        $this->assertSame(1, $this->emulator->requests(self::V1_TASK));
    }

    public function testTheConstructorWins(): void
    {
        $url = $this->emulator->url();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $result = $this->call(
            [
                'dingtalk.base_url' => 'http://127.0.0.1:' . self::closedPort(),
                'dingtalk.retries' => '0',
                'dingtalk.timeout' => 'not a number', // not even read: the option is given
            ],
            ['base_url' => $url, 'retries' => 2, 'timeout' => 5]
        );
        $this->assertSame('ok', $result['list'] ?? json_encode($result));
        $this->assertSame(2, $this->emulator->requests(self::LIST), 'retried once, as retries = 2 allows');
    }

    public function testNullInTheOptionsLeavesTheEntryInForce(): void
    {
        $result = $this->call(['dingtalk.base_url' => $this->emulator->url()], ['base_url' => null]);
        $this->assertSame('ok', $result['list'] ?? json_encode($result));
    }

    public function testAnEmptyValueIsNotSet(): void
    {
        $this->emulator->faults([['path' => self::LIST, 'errcode' => -1]]);
        $result = $this->call([
            'dingtalk.base_url' => $this->emulator->url(),
            'dingtalk.retries' => '',
            'dingtalk.timeout' => '',
            'dingtalk.proxy' => '',
        ]);
        $this->assertSame('ok', $result['list'] ?? json_encode($result), 'the default retries apply');
        $this->assertSame(2, $this->emulator->requests(self::LIST));
    }

    public function testTransportEntriesReachTheTransport(): void
    {
        // proxy: the emulator stands in for an HTTP proxy; the base URL's host does not resolve.
        $result = $this->call([
            'dingtalk.base_url' => 'http://oapi.dingtalk.invalid',
            'dingtalk.proxy' => $this->emulator->url(),
        ]);
        $this->assertSame('ok', $result['list'] ?? json_encode($result));

        // ca_file: an emulator with a self-signed certificate is trusted through the entry only.
        $tls = $this->startEmulator(['--tls-self-signed']);
        $app = $this->freshApp($tls);
        $trusted = $this->call(['dingtalk.base_url' => $tls->url(), 'dingtalk.ca_file' => (string) $tls->certFile()], [], $app);
        $this->assertSame('ok', $trusted['list'] ?? json_encode($trusted));
        $untrusted = $this->call(['dingtalk.base_url' => $tls->url(), 'dingtalk.retries' => '0'], [], $app);
        $this->assertStringStartsWith('DingTalk\TransportException', $untrusted['error'] ?? json_encode($untrusted));

        // max_answer_bytes, written as PHP's quantities are.
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body_bytes' => 4096]]);
        $capped = $this->call(['dingtalk.base_url' => $this->emulator->url(), 'dingtalk.max_answer_bytes' => '2K']);
        $this->assertStringStartsWith('DingTalk\TransportException', $capped['list'] ?? json_encode($capped));
    }

    /**
     * A webhook takes the entries of the transport options (and no other): here a proxy, which
     * the robot's host (one that does not resolve) is reached through.
     */
    public function testAWebhookTakesTheTransportEntries(): void
    {
        $robot = $this->emulator->webhook();
        $url = 'http://oapi.dingtalk.invalid/robot/send?access_token=' . $robot['access_token'];
        $send = <<<'PHP'
            <?php
            try {
                (new DingTalk\Webhook($argv[1]))->send(DingTalk\Message::text('via the proxy'));
                echo 'sent';
            } catch (Throwable $e) {
                echo get_class($e), ': ', $e->getMessage();
            }
            PHP;
        $ini = ['dingtalk.proxy' => $this->emulator->url(), 'dingtalk.rate_limit' => 'not read', 'dingtalk.agent_id' => '-1'];
        [$code, $out, $err] = Child::run($send, [$url], $ini);
        $this->assertSame([0, 'sent'], [$code, $out], $err);
        $this->assertCount(1, $this->emulator->messages(['webhook' => $robot['name']]));
        [, $out] = Child::run($send, [$url], ['dingtalk.timeout' => '0']);
        $this->assertStringStartsWith('ValueError: DingTalk\Webhook::__construct(): ini setting dingtalk.timeout ', $out);
    }

    /**
     * @return iterable<string, array{0: string, 1: string, 2: string}>
     */
    public static function badValues(): iterable
    {
        yield 'base_url' => ['dingtalk.base_url', 'ftp://127.0.0.1', 'must use http or https'];
        yield 'api_base_url' => ['dingtalk.api_base_url', 'http://127.0.0.1/?q=1', 'must not hold a query'];
        yield 'timeout zero' => ['dingtalk.timeout', '0', 'greater than 0'];
        yield 'timeout text' => ['dingtalk.timeout', '10s', 'must be a number of seconds, "10s" given'];
        yield 'connect_timeout' => ['dingtalk.connect_timeout', '-1', 'greater than 0'];
        yield 'retries' => ['dingtalk.retries', '11', 'between 0 and 10'];
        yield 'retries float' => ['dingtalk.retries', '1.5', 'must be an integer'];
        yield 'token_margin' => ['dingtalk.token_margin', '-5', '0 or more'];
        yield 'ca_file' => ['dingtalk.ca_file', '/nonexistent/ca.pem', 'cannot be read'];
        yield 'proxy' => ['dingtalk.proxy', 'ftp://127.0.0.1:21', 'must use one of'];
        yield 'user_agent' => ['dingtalk.user_agent', "agent\x01", 'header value'];
        yield 'max_answer_bytes' => ['dingtalk.max_answer_bytes', '1023', 'between 1024'];
        yield 'max_answer_bytes text' => ['dingtalk.max_answer_bytes', '4 MB', 'must be a number of bytes'];
        yield 'agent_id' => ['dingtalk.agent_id', '0', 'must be the app\'s agent_id, a number from 1, 0 given'];
    }

    /**
     * @dataProvider badValues
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badValues')]
    public function testABadValueIsAValueErrorNamingTheEntry(string $entry, string $value, string $reason): void
    {
        $result = $this->call(array_merge(['dingtalk.base_url' => $this->emulator->url()], [$entry => $value]));
        $this->assertStringStartsWith(
            "ValueError: DingTalk\\Client::__construct(): ini setting {$entry} ",
            $result['error'] ?? json_encode($result)
        );
        $this->assertStringContainsString($reason, $result['error']);
        $this->assertStringNotContainsString('options[', $result['error']);
        $this->assertNoRequestReached();
    }

    public function testDingtalkIniDocumentsEveryEntryWithAValidDefault(): void
    {
        $text = (string) file_get_contents(dirname(__DIR__, 2) . '/dingtalk.ini');
        $this->assertMatchesRegularExpression('/^; priority=\d+$/m', $text, 'Debian reads the priority');
        $this->assertMatchesRegularExpression('/^extension=dingtalk\.so$/m', $text);
        // Each entry commented out, under a line of its own that says what it means.
        preg_match_all('/^; [^\n]+\n;(dingtalk\.\w+) =/m', $text, $m);
        $documented = $m[1];
        sort($documented);
        $entries = array_keys(ini_get_all('dingtalk')); // sorted
        $this->assertSame($entries, $documented);

        // Uncommented, the documented defaults are values the extension accepts.
        $defaults = parse_ini_string(
            (string) preg_replace(['/^;(dingtalk\.)/m', '/^extension=.*$/m'], ['$1', ''], $text),
            false,
            INI_SCANNER_RAW
        );
        $this->assertEqualsCanonicalizing($entries, array_keys($defaults));
        $result = $this->call(['dingtalk.base_url' => $this->emulator->url()] + $defaults);
        $this->assertArrayNotHasKey('error', $result);
        $this->assertSame('ok', $result['list'], json_encode($result));
    }

    public function testEveryEntryIsChecked(): void
    {
        // Whatever options are added, a control character is no valid value of any.
        foreach (array_keys(ini_get_all('dingtalk')) as $entry) {
            $result = $this->call(array_merge(['dingtalk.base_url' => $this->emulator->url()], [$entry => "\x01"]));
            $this->assertStringStartsWith(
                "ValueError: DingTalk\\Client::__construct(): ini setting {$entry} ",
                $result['error'] ?? json_encode($result)
            );
        }
    }
}
