<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use RuntimeException;

/**
 * Several `php -n` processes with the extension, running at the same time: what a group of
 * php-fpm workers, cron jobs or queue workers is to a shared token store.
 *
 * Each runs the same script with its own arguments. The script starts with {@see PRELUDE}:
 * `fleet_ready()` prints `ready` and `fleet_wait()` blocks until the test sends `go` to every
 * process ({@see go()}), so that they can be held at a line and released together. Output
 * goes to files, so a chatty process can never block on a full pipe.
 */
final class Fleet
{
    /** What every script of a fleet begins with (after `<?php`). */
    public const PRELUDE = <<<'PHP'
        function fleet_ready(): void { echo "ready\n"; fflush(STDOUT); }
        function fleet_wait(): void {
            $line = fgets(STDIN);
            if ($line !== "go\n") { fwrite(STDERR, "no go: " . var_export($line, true) . "\n"); exit(3); }
        }
        PHP;

    /** @var list<array{process: resource, stdin: resource, out: resource, err: resource, pid: int}> */
    private array $members = [];
    private string $dir;
    /** @var array<int, array<string, mixed>> the final status of processes seen ending */
    private array $ended = [];
    /** @var list<array{0: int, 1: string, 2: string}>|null */
    private ?array $results = null;

    private function __construct(string $dir)
    {
        $this->dir = $dir;
    }

    /**
     * Starts one process per entry of `$argsList` (its `$argv[1..]`). With `$asNobody`, the
     * processes run as the user `nobody` when the test runs as root (for whom no directory is
     * read-only).
     *
     * @param list<list<string>> $argsList
     */
    public static function start(string $body, array $argsList, bool $asNobody = false): self
    {
        // World-readable, for a process that runs as another user.
        $dir = sys_get_temp_dir() . '/dingtalk-fleet-' . bin2hex(random_bytes(6));
        mkdir($dir, 0755);
        chmod($dir, 0755);
        $script = "{$dir}/script.php";
        file_put_contents($script, "<?php\n" . self::PRELUDE . "\n" . $body);
        chmod($script, 0644);
        $fleet = new self($dir);
        $prefix = [];
        if ($asNobody && self::runsAsRoot()) {
            $prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
        }
        foreach ($argsList as $args) {
            $command = array_merge(
                $prefix,
                [PHP_BINARY, '-n', '-d', 'extension=' . Child::extension(), '-d', 'display_errors=stderr', $script],
                $args
            );
            $out = tmpfile();
            $err = tmpfile();
            $pipes = [];
            $process = proc_open($command, [0 => ['pipe', 'r'], 1 => $out, 2 => $err], $pipes);
            if (!is_resource($process)) {
                $fleet->killAll();
                throw new RuntimeException('cannot start ' . PHP_BINARY);
            }
            $fleet->members[] = [
                'process' => $process,
                'stdin' => $pipes[0],
                'out' => $out,
                'err' => $err,
                'pid' => proc_get_status($process)['pid'],
            ];
        }
        return $fleet;
    }

    /** Whether this process runs as root (no posix extension is assumed). */
    public static function runsAsRoot(): bool
    {
        $status = (string) @file_get_contents('/proc/self/status');
        return preg_match('/^Uid:\s+0\s/m', $status) === 1;
    }

    /** Waits until every process printed `ready` (at most `$timeout` s). */
    public function waitReady(float $timeout = 30.0): void
    {
        $deadline = microtime(true) + $timeout;
        foreach (array_keys($this->members) as $i) {
            while (!str_contains($this->output($i), "ready\n")) {
                if (!proc_get_status($this->members[$i]['process'])['running']) {
                    throw new RuntimeException("process {$i} ended before it was ready: " . $this->errors($i));
                }
                if (microtime(true) > $deadline) {
                    $this->killAll();
                    throw new RuntimeException("process {$i} was not ready within {$timeout} s");
                }
                usleep(2_000);
            }
        }
    }

    /** Releases every process waiting in `fleet_wait()`. */
    public function go(): void
    {
        foreach ($this->members as $member) {
            fwrite($member['stdin'], "go\n");
            fflush($member['stdin']);
        }
    }

    /** Process `$i`'s id. */
    public function pid(int $i): int
    {
        return $this->members[$i]['pid'];
    }

    /** Sends process `$i` SIGTERM, by its id (it ends in its own time: {@see finish()}). */
    public function terminate(int $i): void
    {
        proc_terminate($this->members[$i]['process'], 15);
    }

    /** Process `$i`'s output so far. */
    public function outputOf(int $i): string
    {
        return $this->output($i);
    }

    /** Kills process `$i` with SIGKILL, by its id, and reaps it. */
    public function kill(int $i): void
    {
        proc_terminate($this->members[$i]['process'], 9);
        do {
            usleep(1_000);
            // The exit status is reported once: kept for finish().
            $status = proc_get_status($this->members[$i]['process']);
        } while ($status['running']);
        $this->ended[$i] = $status;
    }

    /**
     * Waits for every process to end (at most `$timeout` s) and returns, per process,
     * `[exit code, stdout, stderr]` (128 + the signal for a killed one).
     *
     * @return list<array{0: int, 1: string, 2: string}>
     */
    public function finish(float $timeout = 60.0): array
    {
        if ($this->results !== null) {
            return $this->results;
        }
        foreach ($this->members as $member) {
            if (is_resource($member['stdin'])) {
                fclose($member['stdin']);
            }
        }
        $deadline = microtime(true) + $timeout;
        $results = [];
        foreach ($this->members as $i => $member) {
            $status = $this->ended[$i] ?? proc_get_status($member['process']);
            while ($status['running']) {
                if (microtime(true) > $deadline) {
                    $this->killAll();
                    throw new RuntimeException("process {$i} did not end within {$timeout} s: " . $this->output($i));
                }
                usleep(2_000);
                $status = proc_get_status($member['process']);
            }
            proc_close($member['process']);
            $code = $status['signaled'] ? 128 + $status['termsig'] : $status['exitcode'];
            $results[] = [$code, $this->output($i), $this->errors($i)];
        }
        $this->cleanUp();
        return $this->results = $results;
    }

    private function output(int $i): string
    {
        return self::read($this->members[$i]['out']);
    }

    private function errors(int $i): string
    {
        return self::read($this->members[$i]['err']);
    }

    /** @param resource $file */
    private static function read($file): string
    {
        // From the start each time (the process keeps writing after the end read last).
        fseek($file, 0);
        return (string) stream_get_contents($file);
    }

    private function killAll(): void
    {
        foreach ($this->members as $member) {
            if (is_resource($member['process']) && proc_get_status($member['process'])['running']) {
                proc_terminate($member['process'], 9);
            }
        }
        $this->cleanUp();
    }

    private function cleanUp(): void
    {
        @unlink("{$this->dir}/script.php");
        @rmdir($this->dir);
    }

    public function __destruct()
    {
        if ($this->results === null) {
            $this->killAll();
        }
    }
}
