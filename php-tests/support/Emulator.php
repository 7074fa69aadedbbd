<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use RuntimeException;

/**
 * A running `dingtalk-emulator` process and its control API (`/_emulator/...`).
 *
 * The suite shares one emulator ({@see Emulator::shared()}), started by the bootstrap with a
 * pool of apps so that each test can use an app whose token cache entry is fresh. A test that
 * needs other flags (`--token-ttl`, `--qps-limit`, `--tls-self-signed`) starts its own with
 * {@see Emulator::start()}. Every emulator started here is stopped at shutdown.
 */
final class Emulator
{
    /** Apps of the shared emulator besides the two named ones, for tests that need fresh counts. */
    public const POOL_SIZE = 2000;

    public const DEMO_KEY = 'demo_app_key';
    public const DEMO_SECRET = 'demo_app_secret';
    /** An app whose key and secret need URL-encoding. */
    public const WEIRD_KEY = 'weird&key';
    public const WEIRD_SECRET = 's3cr3t #+&=/?';

    /** How long to wait for the `listening on ...` line. */
    private const START_TIMEOUT = 15.0;
    /** Timeout of one control API request. */
    private const CONTROL_TIMEOUT = 10.0;

    private static ?Emulator $shared = null;
    /** @var array<int, Emulator> running emulators, by object id */
    private static array $running = [];

    /** @var resource|null */
    private $process;
    /** @var array<int, resource> */
    private array $pipes;
    private string $url;
    private string $stderrFile;
    private ?string $certFile;
    /** @var list<array{0: string, 1: string}> */
    private array $pool;
    private int $nextApp = 0;

    /**
     * @param resource $process
     * @param array<int, resource> $pipes
     * @param list<array{0: string, 1: string}> $pool
     */
    private function __construct($process, array $pipes, string $url, string $stderrFile, ?string $certFile, array $pool)
    {
        $this->process = $process;
        $this->pipes = $pipes;
        $this->url = $url;
        $this->stderrFile = $stderrFile;
        $this->certFile = $certFile;
        $this->pool = $pool;
    }

    /** The emulator binary: `$DINGTALK_EMULATOR_BIN`, else the workspace's debug build. */
    public static function binary(): string
    {
        $bin = getenv('DINGTALK_EMULATOR_BIN');
        if ($bin === false || $bin === '') {
            $bin = dirname(__DIR__, 2) . '/target/debug/dingtalk-emulator';
        }
        if (!is_file($bin) || !is_executable($bin)) {
            throw new RuntimeException(
                "dingtalk-emulator not found or not executable: {$bin} "
                . '(build it with `cargo build -p dingtalk-emulator` or set DINGTALK_EMULATOR_BIN)'
            );
        }
        return $bin;
    }

    /**
     * The emulator shared by the whole suite, started on first use with the demo app, the
     * weird app and {@see POOL_SIZE} pool apps.
     */
    public static function shared(): self
    {
        if (self::$shared === null || !self::$shared->isRunning()) {
            self::$shared = self::start([], self::POOL_SIZE);
        }
        return self::$shared;
    }

    /**
     * Starts an emulator on 127.0.0.1, port 0, with the demo app, the weird app, `$poolSize`
     * pool apps and the extra flags `$args` (e.g. `['--token-ttl', '2']`). With
     * `--tls-self-signed`, a `--cert-out` file is added and {@see certFile()} returns it.
     *
     * @param list<string> $args
     */
    public static function start(array $args = [], int $poolSize = 20): self
    {
        $pool = [];
        $run = bin2hex(random_bytes(3));
        for ($i = 1; $i <= $poolSize; $i++) {
            $pool[] = [sprintf('app-%04d', $i), sprintf('secret-%04d-%s', $i, $run)];
        }
        $command = [
            self::binary(),
            '--listen', '127.0.0.1:0',
            '--app', self::DEMO_KEY . ':' . self::DEMO_SECRET,
            '--app', self::WEIRD_KEY . ':' . self::WEIRD_SECRET,
        ];
        foreach ($pool as [$key, $secret]) {
            $command[] = '--app';
            $command[] = "{$key}:{$secret}";
        }
        $certFile = null;
        if (in_array('--tls-self-signed', $args, true) && !in_array('--cert-out', $args, true)) {
            $certFile = self::tempFile('dingtalk-cert-');
            array_push($args, '--cert-out', $certFile);
        }
        $command = array_merge($command, $args);

        $stderrFile = self::tempFile('dingtalk-emulator-');
        $pipes = [];
        $process = proc_open(
            $command,
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $stderrFile, 'w']],
            $pipes
        );
        if (!is_resource($process)) {
            throw new RuntimeException('cannot start ' . $command[0]);
        }
        $emulator = new self($process, $pipes, '', $stderrFile, $certFile, $pool);
        self::$running[spl_object_id($emulator)] = $emulator;
        try {
            $line = $emulator->readFirstLine(self::START_TIMEOUT);
        } catch (RuntimeException $e) {
            $emulator->stop();
            throw $e;
        }
        if (preg_match('~^listening on (https?://\S+)$~', $line, $m) !== 1) {
            $emulator->stop();
            throw new RuntimeException("unexpected first line from the emulator: {$line}");
        }
        $emulator->url = $m[1];
        return $emulator;
    }

    private static function tempFile(string $prefix): string
    {
        $path = tempnam(sys_get_temp_dir(), $prefix);
        if ($path === false) {
            throw new RuntimeException('cannot create a temporary file');
        }
        return $path;
    }

    /** Reads stdout up to the first newline, waiting at most `$timeout` seconds. */
    private function readFirstLine(float $timeout): string
    {
        $stdout = $this->pipes[1];
        stream_set_blocking($stdout, false);
        $deadline = microtime(true) + $timeout;
        $buffer = '';
        while (!str_contains($buffer, "\n")) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                throw new RuntimeException(sprintf(
                    'dingtalk-emulator did not announce its address within %.0f s; stderr: %s',
                    $timeout,
                    $this->stderr()
                ));
            }
            $read = [$stdout];
            $write = $except = null;
            $ready = stream_select($read, $write, $except, (int) $left, (int) (fmod($left, 1.0) * 1e6));
            if ($ready === false) {
                throw new RuntimeException('stream_select failed on the emulator stdout');
            }
            if ($ready === 0) {
                continue;
            }
            $chunk = fread($stdout, 8192);
            if ($chunk === false || ($chunk === '' && feof($stdout))) {
                throw new RuntimeException('dingtalk-emulator exited before announcing its address; stderr: ' . $this->stderr());
            }
            $buffer .= $chunk;
        }
        return rtrim(strstr($buffer, "\n", true) ?: $buffer, "\r");
    }

    /** What the emulator wrote to stderr so far. */
    public function stderr(): string
    {
        $text = @file_get_contents($this->stderrFile);
        return $text === false || $text === '' ? '(nothing)' : trim($text);
    }

    public function url(): string
    {
        return $this->url;
    }

    /** The PEM file of the TLS certificate, for an emulator started with `--tls-self-signed`. */
    public function certFile(): ?string
    {
        return $this->certFile;
    }

    /** A pool app not handed out before: `[appKey, appSecret]`. */
    public function freshApp(): array
    {
        if ($this->nextApp >= count($this->pool)) {
            throw new RuntimeException('the emulator app pool is used up; raise its size');
        }
        return $this->pool[$this->nextApp++];
    }

    public function isRunning(): bool
    {
        return is_resource($this->process) && proc_get_status($this->process)['running'];
    }

    /** Stops the process (SIGTERM, then SIGKILL if it lingers) and removes its files. */
    public function stop(): void
    {
        unset(self::$running[spl_object_id($this)]);
        if (is_resource($this->process)) {
            Process::stop($this->process, $this->pipes);
            $this->process = null;
        }
        @unlink($this->stderrFile);
        if ($this->certFile !== null) {
            @unlink($this->certFile);
        }
    }

    /** Stops every emulator started by this process; registered as a shutdown function. */
    public static function stopAll(): void
    {
        foreach (self::$running as $emulator) {
            $emulator->stop();
        }
        self::$shared = null;
    }

    // ---- control API -------------------------------------------------------------------------

    /**
     * Queues faults, e.g. `[['path' => '/topapi/workrecord/add', 'errcode' => -1]]`.
     * Fields: path, count, errcode, errmsg, sub_code, sub_msg, request_id, status, body,
     * content_type, delay_ms, drop, redirect, body_bytes, gzip, trickle_ms, processed, and for a
     * v1.0 error (with status) code, message, required_scopes ("{query}" in a text is the
     * request's raw query). Returns how many were queued.
     *
     * @param list<array<string, mixed>> $list
     */
    public function faults(array $list): int
    {
        return (int) $this->control('POST', '/_emulator/faults', json_encode($list, JSON_THROW_ON_ERROR))['queued'];
    }

    /** Faults still queued: list of `['path' => ..., 'remaining' => n]`. */
    public function pendingFaults(): array
    {
        return $this->control('GET', '/_emulator/faults')['faults'];
    }

    public function clearFaults(): void
    {
        $this->control('DELETE', '/_emulator/faults');
    }

    /** Every token issued so far expires now. */
    public function expireTokens(): void
    {
        $this->control('POST', '/_emulator/expire-tokens');
    }

    /**
     * `['gettoken' => n, 'requests' => [path => n], 'throttled' => n, 'in_flight' => n,
     * 'max_in_flight' => n]`: throttled counts the answers "over --qps-limit", max_in_flight
     * the most requests handled at once since the start or the last reset.
     */
    public function stats(): array
    {
        return $this->control('GET', '/_emulator/stats');
    }

    /** Requests the emulator received on `$path` (faulted ones included). */
    public function requests(string $path): int
    {
        return (int) ($this->stats()['requests'][$path] ?? 0);
    }

    /** Token fetches the emulator received. */
    public function tokenFetches(): int
    {
        return (int) $this->stats()['gettoken'];
    }

    /** Back to the state at start: no tokens, records, faults or counts. */
    public function reset(): void
    {
        $this->control('POST', '/_emulator/reset');
    }

    /** Everything stored for `$userid`, done or not, in the order added. */
    public function records(string $userid): array
    {
        return $this->control('GET', '/_emulator/records?' . http_build_query(['userid' => $userid]))['records'];
    }

    /**
     * The to-do tasks stored for `$unionId` (creator, executor or participant), deleted ones
     * included (`'deleted' => true`), in creation order; every task when `$unionId` is null.
     * Each is the task object without `requestId`, plus `deleted`, `executorStatus`
     * (`[executorUnionId => bool]`) and `todoType`.
     */
    public function todos(?string $unionId = null): array
    {
        $query = $unionId === null ? '' : '?' . http_build_query(['unionId' => $unionId], '', '&', PHP_QUERY_RFC3986);
        return $this->control('GET', '/_emulator/todos' . $query)['todos'];
    }

    /**
     * Raises an event now: pushed to `--push-url` (if given) and delivered to every open Stream
     * connection, in the background. `['id' => n or null without --push-url, 'eventId' => ...]`.
     *
     * @param array<string, mixed> $data
     */
    public function push(string $type, array $data = []): array
    {
        $event = ['type' => $type, 'data' => (object) $data];
        return $this->control('POST', '/_emulator/push', json_encode($event, JSON_THROW_ON_ERROR));
    }

    /**
     * The events pushed so far, once none is being delivered (waiting at most `$wait` s):
     * `['events' => [...], 'pending' => n, 'settled' => bool, 'receive_id' => ...]`.
     */
    public function events(float $wait = 10.0): array
    {
        return $this->control('GET', '/_emulator/events?wait=' . $wait, null, $wait + self::CONTROL_TIMEOUT);
    }

    /**
     * The Stream-mode log, once no delivery on an open connection awaits its answer (waiting at
     * most `$wait` s): `['tickets' => ['issued', 'refused'], 'connections' => [...], 'open' => n,
     * 'events' => [['eventId', 'type', 'data', 'status', 'redeliveries', 'deliveries' => [...]]],
     * 'pending' => n, 'settled' => bool]`.
     */
    public function streamLog(float $wait = 10.0): array
    {
        return $this->events($wait)['stream'];
    }

    /** Closes every Stream connection at once; returns once they are closed. */
    public function streamDrop(): int
    {
        return (int) $this->control('POST', '/_emulator/stream/drop')['connections'];
    }

    /** Sends a `disconnect` frame to every open Stream connection. */
    public function streamDisconnect(): int
    {
        return (int) $this->control('POST', '/_emulator/stream/disconnect')['connections'];
    }

    /** The next `$count` Stream handshakes are refused (HTTP 401). */
    public function refuseTickets(int $count): void
    {
        $this->control('POST', '/_emulator/stream/refuse-tickets', json_encode(['count' => $count], JSON_THROW_ON_ERROR));
    }

    /** Sends one control request and returns its decoded JSON answer; fails on HTTP != 200. */
    private function control(string $method, string $path, ?string $body = null, float $timeout = self::CONTROL_TIMEOUT): array
    {
        $http = [
            'method' => $method,
            'timeout' => $timeout,
            'ignore_errors' => true,
            'header' => "Connection: close\r\n",
        ];
        if ($body !== null) {
            $http['header'] .= "Content-Type: application/json\r\n";
            $http['content'] = $body;
        }
        $options = ['http' => $http];
        if ($this->certFile !== null) {
            $options['ssl'] = ['cafile' => $this->certFile, 'verify_peer' => true, 'peer_name' => '127.0.0.1'];
        }
        $text = @file_get_contents($this->url . $path, false, stream_context_create($options));
        $headers = $http_response_header ?? [];
        if ($text === false) {
            $error = error_get_last()['message'] ?? 'unknown error';
            throw new RuntimeException("control request {$method} {$path} failed: {$error}");
        }
        $status = preg_match('~^HTTP/\S+ (\d{3})~', $headers[0] ?? '', $m) === 1 ? (int) $m[1] : 0;
        if ($status !== 200) {
            throw new RuntimeException("control request {$method} {$path} answered HTTP {$status}: {$text}");
        }
        $decoded = json_decode($text, true, 512, JSON_THROW_ON_ERROR);
        if (!is_array($decoded)) {
            throw new RuntimeException("control request {$method} {$path} answered non-object JSON: {$text}");
        }
        return $decoded;
    }
}
