<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use DingTalk\Client;
use Throwable;

/**
 * Base of every test: resets the shared emulator before each test, stops the emulators a test
 * started, and hands out clients of fresh apps.
 *
 * The extension's token cache and counters are process-wide, keyed by (base_url, appKey,
 * secret). A test that counts token fetches, requests or retries uses a pool app no other test
 * used ({@see client()}), so its counts start at zero whatever ran before.
 */
abstract class TestCase extends \PHPUnit\Framework\TestCase
{
    protected Emulator $emulator;
    /** @var list<Emulator> */
    private array $ownEmulators = [];

    protected function setUp(): void
    {
        parent::setUp();
        $this->emulator = Emulator::shared();
        $this->emulator->reset();
    }

    protected function tearDown(): void
    {
        foreach ($this->ownEmulators as $emulator) {
            $emulator->stop();
        }
        $this->ownEmulators = [];
        parent::tearDown();
    }

    /**
     * An emulator of this test alone, with extra flags; stopped after the test.
     *
     * @param list<string> $args
     */
    protected function startEmulator(array $args = []): Emulator
    {
        $emulator = Emulator::start($args);
        $this->ownEmulators[] = $emulator;
        return $emulator;
    }

    /** `[appKey, appSecret]` of an app that no other test used. */
    protected function freshApp(?Emulator $emulator = null): array
    {
        return ($emulator ?? $this->emulator)->freshApp();
    }

    /**
     * A client of a fresh app (or of `$app`) on `$emulator` (default: the shared one), both
     * hosts (oapi and v1.0) pointing at it.
     *
     * @param array<string, mixed> $options merged over `['base_url' => URL, 'api_base_url' => URL]`
     * @param array{0: string, 1: string}|null $app
     */
    protected function client(array $options = [], ?Emulator $emulator = null, ?array $app = null): Client
    {
        $emulator ??= $this->emulator;
        [$key, $secret] = $app ?? $this->freshApp($emulator);
        return new Client($key, $secret, $options + ['base_url' => $emulator->url(), 'api_base_url' => $emulator->url()]);
    }

    /** A client of the demo app on the shared emulator. */
    protected function demoClient(array $options = []): Client
    {
        return $this->client($options, null, [Emulator::DEMO_KEY, Emulator::DEMO_SECRET]);
    }

    /**
     * Runs `$fn`, asserts it throws exactly `$class` (not a subclass) and returns the throwable.
     *
     * @template T of Throwable
     * @param class-string<T> $class
     * @return T
     */
    protected function throws(string $class, callable $fn): Throwable
    {
        try {
            $fn();
        } catch (Throwable $e) {
            $this->assertSame(
                $class,
                get_class($e),
                'unexpected ' . get_class($e) . ': ' . $e->getMessage()
            );
            return $e;
        }
        $this->fail("expected {$class}, nothing was thrown");
    }

    /** Asserts the emulator received no request at all (no token fetch, no API call). */
    protected function assertNoRequestReached(?Emulator $emulator = null): void
    {
        $stats = ($emulator ?? $this->emulator)->stats();
        $this->assertSame(0, $stats['gettoken'], 'token fetches: ' . json_encode($stats));
        $this->assertSame([], $stats['requests'], 'requests: ' . json_encode($stats));
    }

    /** Asserts a client's counters (no shared store or rate limit in play: those are 0). */
    protected function assertClientStats(int $requests, int $tokenFetches, int $retries, Client $client): void
    {
        $this->assertSame(
            [
                'requests' => $requests,
                'token_fetches' => $tokenFetches,
                'retries' => $retries,
                'store_errors' => 0,
                'rate_limit_wait_ms' => 0,
            ],
            $client->stats()
        );
    }

    /** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
    protected static function closedPort(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        if ($server === false) {
            self::fail("cannot bind a port: {$errstr}");
        }
        $name = stream_socket_get_name($server, false);
        fclose($server);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    /** The path of the extension under test, for PHP subprocesses. */
    protected static function extensionPath(): string
    {
        $path = getenv('DINGTALK_EXTENSION');
        if ($path === false || $path === '') {
            $path = dirname(__DIR__, 2) . '/target/debug/libdingtalk.so';
        }
        return $path;
    }

    /**
     * Runs a PHP script in a fresh `php -n` process (no php.ini), with the extension loaded
     * when `$withExtension`. Returns `[exit code, stdout, stderr]`.
     *
     * `$limits` confines the child, so that a test whose victim misbehaves (eats memory, opens
     * files) cannot take the suite down: `as` (bytes of address space) and `nofile` (open files)
     * through prlimit(1), `memory_limit` for PHP. `$env` replaces the environment (null: inherit).
     *
     * @param list<string> $args
     * @param array{as?: int, nofile?: int, memory_limit?: string} $limits
     * @param array<string, string>|null $env
     */
    protected static function runPhp(
        string $script,
        bool $withExtension,
        array $args = [],
        float $timeout = 30.0,
        array $limits = [],
        ?array $env = null
    ): array {
        $file = tempnam(sys_get_temp_dir(), 'dingtalk-php-');
        file_put_contents($file, $script);
        $command = [];
        if (isset($limits['as']) || isset($limits['nofile'])) {
            $command[] = 'prlimit';
            if (isset($limits['as'])) {
                $command[] = '--as=' . $limits['as'];
            }
            if (isset($limits['nofile'])) {
                $command[] = '--nofile=' . $limits['nofile'] . ':' . $limits['nofile'];
            }
            $command[] = '--';
        }
        array_push($command, PHP_BINARY, '-n');
        if (isset($limits['memory_limit'])) {
            array_push($command, '-d', 'memory_limit=' . $limits['memory_limit']);
        }
        if ($withExtension) {
            array_push($command, '-d', 'extension=' . self::extensionPath());
        }
        $command[] = $file;
        $command = array_merge($command, $args);
        try {
            return Process::run($command, $timeout, $env);
        } finally {
            unlink($file);
        }
    }
}
