<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/**
 * One `dingtalk-emulator` process: started without a shell, its address read from the first
 * line it prints (which it prints once it listens: no waiting, no polling), its stderr kept in
 * a file so that it can never block on a full pipe and so that an exception can quote it, and
 * stopped by its process id.
 *
 * @internal use {@see Emulator}
 */
final class Process
{
    /** How long a stop waits for SIGTERM to work before it sends SIGKILL. */
    private const STOP_GRACE = 5.0;

    /** @var resource|null */
    private $handle;
    /** @var array<int, resource> */
    private array $pipes;
    private int $pid;
    /** How it ended (`exited with status 2`, `was killed by signal 9`), once it has. */
    private ?string $ending = null;
    private string $stderrFile;
    /** What stderr held when the process was stopped, once its file is gone. */
    private ?string $lastStderr = null;

    /**
     * @param resource $handle
     * @param array<int, resource> $pipes
     */
    private function __construct($handle, array $pipes, string $stderrFile)
    {
        $this->handle = $handle;
        $this->pipes = $pipes;
        $this->stderrFile = $stderrFile;
        $status = proc_get_status($handle);
        $this->pid = (int) $status['pid'];
        $this->observe($status);
    }

    /**
     * Starts `$command` and returns it with the first line it wrote on stdout.
     *
     * @param list<string> $command
     * @return array{0: self, 1: string}
     */
    public static function start(array $command, float $timeout): array
    {
        $stderrFile = TempFile::create('dingtalk-emulator-stderr-');
        $pipes = [];
        $handle = @proc_open(
            $command,
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $stderrFile, 'w']],
            $pipes
        );
        if (!is_resource($handle)) {
            @unlink($stderrFile);
            $error = error_get_last()['message'] ?? 'proc_open failed';
            throw new EmulatorException("cannot start {$command[0]}: {$error}");
        }
        $process = new self($handle, $pipes, $stderrFile);
        try {
            return [$process, $process->readFirstLine($timeout)];
        } catch (EmulatorException $e) {
            $process->stop();
            throw $e;
        }
    }

    public function pid(): int
    {
        return $this->pid;
    }

    public function isRunning(): bool
    {
        if (!is_resource($this->handle)) {
            return false;
        }
        return $this->observe(proc_get_status($this->handle));
    }

    /**
     * Keeps how the process ended from the first status that shows it: proc_get_status() tells
     * the exit status once only, on the call that sees the exit (later calls say -1).
     *
     * @param array<string, mixed> $status
     */
    private function observe(array $status): bool
    {
        if (!$status['running'] && $this->ending === null) {
            $this->ending = $status['signaled']
                ? "was killed by signal {$status['termsig']}"
                : "exited with status {$status['exitcode']}";
        }
        return $status['running'];
    }

    /** Why the process is not running (`exited with status 2`), or null while it runs. */
    public function exitReason(): ?string
    {
        if ($this->isRunning()) {
            return null;
        }
        return $this->ending ?? 'was stopped';
    }

    /**
     * {@see exitReason()}, waiting up to `$seconds` for a process that is ending to be seen
     * ended; null when it still runs then.
     */
    public function exitReasonWithin(float $seconds): ?string
    {
        $deadline = microtime(true) + $seconds;
        // proc_get_status() is PHP's only non-blocking waitpid(): polled, as in stop().
        while ($this->isRunning() && microtime(true) < $deadline) {
            usleep(5_000);
        }
        return $this->exitReason();
    }

    /** What the process wrote on stderr so far, trimmed; `(nothing)` when it wrote nothing. */
    public function stderr(): string
    {
        $text = $this->lastStderr ?? @file_get_contents($this->stderrFile);
        return !is_string($text) || trim($text) === '' ? '(nothing)' : trim($text);
    }

    /** SIGTERM, SIGKILL when it lingers past {@see STOP_GRACE} s; then its pipes and files go. */
    public function stop(): void
    {
        if (!is_resource($this->handle)) {
            return;
        }
        if ($this->isRunning()) {
            proc_terminate($this->handle, 15);
            $deadline = microtime(true) + self::STOP_GRACE;
            // Waiting for the exit: proc_get_status() is PHP's only non-blocking waitpid().
            while ($this->isRunning() && microtime(true) < $deadline) {
                usleep(5_000);
            }
            if ($this->isRunning()) {
                proc_terminate($this->handle, 9);
            }
            $this->ending = 'was stopped by Emulator::stop()';
        }
        foreach ($this->pipes as $pipe) {
            if (is_resource($pipe)) {
                fclose($pipe);
            }
        }
        proc_close($this->handle);
        $this->handle = null;
        $this->lastStderr = (string) @file_get_contents($this->stderrFile);
        @unlink($this->stderrFile);
    }

    /** Reads stdout up to its first newline, waiting at most `$timeout` seconds. */
    private function readFirstLine(float $timeout): string
    {
        $stdout = $this->pipes[1];
        stream_set_blocking($stdout, false);
        $deadline = microtime(true) + $timeout;
        $buffer = '';
        while (!str_contains($buffer, "\n")) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                throw new EmulatorException(sprintf(
                    'dingtalk-emulator (pid %d) did not announce its address within %.0f s; its stderr: %s',
                    $this->pid,
                    $timeout,
                    $this->stderr()
                ));
            }
            $read = [$stdout];
            $write = $except = null;
            $ready = @stream_select($read, $write, $except, (int) $left, (int) (fmod($left, 1.0) * 1e6));
            if ($ready === false) {
                throw new EmulatorException('cannot wait for the emulator\'s stdout (stream_select failed)');
            }
            if ($ready === 0) {
                continue;
            }
            $chunk = fread($stdout, 8192);
            if ($chunk === false || ($chunk === '' && feof($stdout))) {
                $this->waitForExit();
                throw new EmulatorException(sprintf(
                    'dingtalk-emulator %s before announcing its address; its stderr: %s',
                    $this->exitReason() ?? 'closed its stdout',
                    $this->stderr()
                ));
            }
            $buffer .= $chunk;
        }
        return rtrim((string) strstr($buffer, "\n", true), "\r");
    }

    /** After stdout closed: the exit follows at once; wait a little for it, to report its status. */
    private function waitForExit(): void
    {
        $deadline = microtime(true) + 1.0;
        while ($this->isRunning() && microtime(true) < $deadline) {
            usleep(1_000);
        }
    }
}
