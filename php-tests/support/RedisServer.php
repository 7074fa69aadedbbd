<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use RuntimeException;

/**
 * A real `redis-server` of one test (Debian's package, installed by `make test`), on
 * 127.0.0.1, stopped by its process id. redis-server cannot listen on port 0, so it is given
 * a port the system just handed out; if another process took that port in between, the
 * server exits and a new port is tried. Ready once it logs "Ready to accept connections".
 */
final class RedisServer
{
    private const ATTEMPTS = 10;
    private const READY_WITHIN = 15.0;

    /** @var array<int, RedisServer> running servers, by object id */
    private static array $running = [];

    /** @var resource|null */
    private $process;
    /** @var array<int, resource> */
    private array $pipes;
    private int $port;
    private string $dir;
    private ?string $password;
    private bool $tls;

    /**
     * @param resource $process
     * @param array<int, resource> $pipes
     */
    private function __construct($process, array $pipes, int $port, string $dir, ?string $password, bool $tls)
    {
        $this->process = $process;
        $this->pipes = $pipes;
        $this->port = $port;
        $this->dir = $dir;
        $this->password = $password;
        $this->tls = $tls;
    }

    /**
     * Starts a server; with `$password`, clients must authenticate; with `$tls`
     * (`['cert' => pem file, 'key' => pem file]`), it speaks TLS only.
     *
     * @param array{cert: string, key: string}|null $tls
     */
    public static function start(?string $password = null, ?array $tls = null): self
    {
        $errors = [];
        for ($attempt = 0; $attempt < self::ATTEMPTS; $attempt++) {
            $server = self::tryPort(self::freePort(), $password, $tls, $errors);
            if ($server !== null) {
                self::$running[spl_object_id($server)] = $server;
                return $server;
            }
        }
        throw new RuntimeException('redis-server did not start: ' . implode(' | ', array_slice($errors, -2)));
    }

    /** A port nothing listens on now (bound, then released). */
    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        if ($socket === false) {
            throw new RuntimeException("cannot bind a port: {$errstr}");
        }
        $name = (string) stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    /**
     * @param array{cert: string, key: string}|null $tls
     * @param list<string> $errors
     */
    private static function tryPort(int $port, ?string $password, ?array $tls, array &$errors): ?self
    {
        $dir = sys_get_temp_dir() . '/dingtalk-redis-' . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        $command = ['redis-server', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', '', '--dir', $dir];
        if ($tls === null) {
            array_push($command, '--port', (string) $port);
        } else {
            array_push(
                $command,
                '--port', '0',
                '--tls-port', (string) $port,
                '--tls-cert-file', $tls['cert'],
                '--tls-key-file', $tls['key'],
                '--tls-ca-cert-file', $tls['cert'],
                '--tls-auth-clients', 'no'
            );
        }
        if ($password !== null) {
            array_push($command, '--requirepass', $password);
        }
        $pipes = [];
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($process)) {
            throw new RuntimeException('cannot run redis-server: install it (make deps)');
        }
        $server = new self($process, $pipes, $port, $dir, $password, $tls !== null);
        $log = $server->readUntilReady();
        if ($log === null) {
            return $server;
        }
        $errors[] = trim($log);
        $server->stop();
        return null;
    }

    /** Reads the log until the server is ready: `null`, or what it said before it exited. */
    private function readUntilReady(): ?string
    {
        $out = $this->pipes[1];
        stream_set_blocking($out, false);
        $deadline = microtime(true) + self::READY_WITHIN;
        $log = '';
        while (!str_contains($log, 'Ready to accept connections')) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                return "not ready within " . self::READY_WITHIN . " s: {$log}";
            }
            $read = [$out];
            $write = $except = null;
            if (stream_select($read, $write, $except, (int) $left, (int) (fmod($left, 1.0) * 1e6)) === false) {
                return 'stream_select failed';
            }
            $chunk = fread($out, 8192);
            if ($chunk === false || ($chunk === '' && feof($out))) {
                return $log . (string) stream_get_contents($this->pipes[2]);
            }
            $log .= $chunk;
        }
        return null;
    }

    public function port(): int
    {
        return $this->port;
    }

    /** The `token_store` value for this server. */
    public function url(?string $password = null): string
    {
        $password ??= $this->password;
        $auth = $password === null ? '' : ':' . rawurlencode($password) . '@';
        return ($this->tls ? 'rediss' : 'redis') . "://{$auth}127.0.0.1:{$this->port}/0";
    }

    public function isRunning(): bool
    {
        return is_resource($this->process) && proc_get_status($this->process)['running'];
    }

    /**
     * Runs `redis-cli` against the server and returns its output (`--raw`).
     *
     * @param string ...$args
     */
    public function cli(string ...$args): string
    {
        $command = ['redis-cli', '-h', '127.0.0.1', '-p', (string) $this->port, '--raw'];
        if ($this->password !== null) {
            array_push($command, '--no-auth-warning', '-a', $this->password);
        }
        [$code, $out, $err] = Process::run(array_merge($command, $args), 10.0);
        if ($code !== 0) {
            throw new RuntimeException("redis-cli failed ({$code}): {$err}");
        }
        return $out;
    }

    /** Stops the server: SIGTERM to its process id, SIGKILL if it lingers. */
    public function stop(): void
    {
        unset(self::$running[spl_object_id($this)]);
        if (is_resource($this->process)) {
            Process::stop($this->process, $this->pipes);
            $this->process = null;
        }
        if (is_dir($this->dir)) {
            array_map('unlink', glob($this->dir . '/*') ?: []);
            @rmdir($this->dir);
        }
    }

    /** Stops every server started by this process; registered as a shutdown function. */
    public static function stopAll(): void
    {
        foreach (self::$running as $server) {
            $server->stop();
        }
    }
}
