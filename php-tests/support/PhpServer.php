<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use RuntimeException;

/**
 * `php -S` serving one script with the extension loaded, on 127.0.0.1.
 *
 * `php -S` cannot listen on port 0, so a free port is found by binding port 0 and closing it;
 * another process may take it in between, so a start that fails to listen is retried on a new
 * port. Ready once the server says it started; stopped by its process id.
 */
final class PhpServer
{
    private const ATTEMPTS = 5;
    private const START_TIMEOUT = 15.0;

    /** @var resource|null */
    private $process;
    private string $logFile;
    private int $port;

    /** @param resource $process */
    private function __construct($process, string $logFile, int $port)
    {
        $this->process = $process;
        $this->logFile = $logFile;
        $this->port = $port;
    }

    /**
     * Serves `$script` as the router of every request, with `$env` as its environment.
     *
     * @param array<string, string> $env
     */
    public static function start(string $script, array $env, string $extension): self
    {
        $failures = [];
        for ($attempt = 1; $attempt <= self::ATTEMPTS; $attempt++) {
            $port = self::freePort();
            $logFile = (string) tempnam(sys_get_temp_dir(), 'dingtalk-php-server-');
            $command = [PHP_BINARY, '-n', '-d', 'extension=' . $extension, '-S', "127.0.0.1:{$port}", $script];
            $pipes = [];
            $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $logFile, 'a'], 2 => ['file', $logFile, 'a']], $pipes, dirname($script), $env);
            if (!is_resource($process)) {
                throw new RuntimeException('cannot start php -S');
            }
            $server = new self($process, $logFile, $port);
            if ($server->waitUntilListening()) {
                return $server;
            }
            $failures[] = $server->log();
            $server->stop();
        }
        throw new RuntimeException('php -S did not start: ' . implode(' | ', $failures));
    }

    /** A port that was free a moment ago. */
    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        if ($socket === false) {
            throw new RuntimeException("cannot bind a port: {$error}");
        }
        $name = (string) stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    /** Waits for "Development Server (...) started"; false when it failed to listen or exited. */
    private function waitUntilListening(): bool
    {
        $started = "Development Server (http://127.0.0.1:{$this->port}) started";
        $deadline = microtime(true) + self::START_TIMEOUT;
        while (microtime(true) < $deadline) {
            $log = $this->log();
            if (str_contains($log, $started)) {
                return true;
            }
            if (str_contains($log, 'Failed to listen') || !$this->isRunning()) {
                return false;
            }
            usleep(10_000);
        }
        return false;
    }

    public function url(): string
    {
        return "http://127.0.0.1:{$this->port}/";
    }

    /** What the server and the script logged (stdout and stderr). */
    public function log(): string
    {
        return (string) @file_get_contents($this->logFile);
    }

    public function isRunning(): bool
    {
        return is_resource($this->process) && proc_get_status($this->process)['running'];
    }

    /** SIGTERM, then SIGKILL if it lingers; removes the log. */
    public function stop(): void
    {
        if (is_resource($this->process)) {
            Process::stop($this->process);
            $this->process = null;
        }
        @unlink($this->logFile);
    }
}
