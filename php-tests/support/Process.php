<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use RuntimeException;

/** Runs a command (an argument list, no shell) to completion with a time limit. */
final class Process
{
    /**
     * Returns `[exit code, stdout, stderr]`; kills the command and throws past `$timeout` s.
     *
     * @param list<string> $command
     * @param array<string, string>|null $env null: inherit
     * @param string|null $cwd null: this process's
     */
    public static function run(array $command, float $timeout = 30.0, ?array $env = null, ?string $cwd = null): array
    {
        // Files rather than pipes: a chatty child can never block on a full pipe.
        $out = tmpfile();
        $err = tmpfile();
        $pipes = [];
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => $out, 2 => $err], $pipes, $cwd, $env);
        if (!is_resource($process)) {
            throw new RuntimeException('cannot run ' . $command[0]);
        }
        $deadline = microtime(true) + $timeout;
        $status = proc_get_status($process);
        while ($status['running']) {
            if (microtime(true) > $deadline) {
                proc_terminate($process, 9);
                proc_close($process);
                throw new RuntimeException(sprintf('%s did not finish within %.0f s', implode(' ', $command), $timeout));
            }
            usleep(5_000);
            $status = proc_get_status($process);
        }
        proc_close($process);
        // proc_get_status reports the exit code once only, on the call that sees the exit.
        $code = $status['exitcode'];
        if ($status['signaled']) {
            $code = 128 + $status['termsig'];
        }
        rewind($out);
        rewind($err);
        $result = [$code, (string) stream_get_contents($out), (string) stream_get_contents($err)];
        fclose($out);
        fclose($err);
        return $result;
    }

    /**
     * Stops a process `proc_open()` started: SIGTERM, SIGKILL if it lingers past 5 s; then closes
     * its pipes and the process handle.
     *
     * @param resource $process
     * @param array<int, resource> $pipes
     */
    public static function stop($process, array $pipes = []): void
    {
        proc_terminate($process, 15);
        $deadline = microtime(true) + 5.0;
        while (proc_get_status($process)['running'] && microtime(true) < $deadline) {
            usleep(10_000);
        }
        if (proc_get_status($process)['running']) {
            proc_terminate($process, 9);
        }
        foreach ($pipes as $pipe) {
            if (is_resource($pipe)) {
                fclose($pipe);
            }
        }
        proc_close($process);
    }
}
