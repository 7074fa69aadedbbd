<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\Process;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * Nothing a server sends, and no option a caller passes, may exhaust a worker's memory, threads
 * or file descriptors, or hang it. Victims that could take the process down run in a child with
 * a ceiling (address space, open files, time), so the suite itself survives a regression.
 */
final class ResourceLimitTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';

    /** Child code: a client with `ca_file` set to the first argument. */
    private const NEW_CLIENT_WITH_CA_FILE = 'new DingTalk\Client("key", "secret", ["base_url" => $url, "ca_file" => $argv[2]]);';

    /** A page that always claims more. */
    private const ENDLESS_PAGE = '{"errcode":0,"records":{"has_more":true,"list":[{"record_id":"r","create_time":1700000000000,"title":"t","url":"u","forms":[]}]}}';

    // ---- answer size ---------------------------------------------------------------------------

    public function testAnAnswerOverTheCapIsATransportException(): void
    {
        $client = $this->client(['retries' => 2]);
        $client->getAccessToken();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body_bytes' => 5_000_000]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertStringContainsString('options[max_answer_bytes]', $e->getMessage());
        $this->assertStringContainsString('4194304', $e->getMessage());
        $this->assertSame(1, $this->emulator->requests(self::LIST), 'not retried');
    }

    public function testTheCapIsAnOption(): void
    {
        $client = $this->client(['max_answer_bytes' => 8 << 20]);
        $client->getAccessToken();
        $this->emulator->faults([['path' => '/topapi/echo', 'status' => 200, 'body_bytes' => 6_000_000, 'gzip' => true]]);
        $answer = $client->get('/topapi/echo');
        $this->assertSame(0, $answer['errcode']);
        $this->assertSame(6_000_000 - 22, strlen($answer['pad']));

        $small = $this->client(['max_answer_bytes' => 1024]);
        $small->getAccessToken();
        $this->emulator->faults([['path' => '/topapi/echo', 'status' => 200, 'body_bytes' => 1025]]);
        $this->throws(TransportException::class, fn () => $small->get('/topapi/echo'));
        $this->emulator->faults([['path' => '/topapi/echo', 'status' => 200, 'body_bytes' => 1024]]);
        $this->assertSame(0, $small->get('/topapi/echo')['errcode']);
    }

    /**
     * @dataProvider badCaps
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badCaps')]
    public function testBadCapsAreRefused(mixed $value, string $class): void
    {
        $e = $this->throws($class, fn () => $this->client(['max_answer_bytes' => $value]));
        $this->assertStringContainsString('options[max_answer_bytes]', $e->getMessage());
    }

    public static function badCaps(): array
    {
        return [
            'below 1 KiB' => [1023, \ValueError::class],
            'above 1 GiB' => [(1 << 30) + 1, \ValueError::class],
            'negative' => [-1, \ValueError::class],
            'a string' => ['4M', \TypeError::class],
        ];
    }

    public function testAGzipBombStopsAtTheCap(): void
    {
        // 512 MiB inflated from about half a megabyte. Read whole, it would take the worker's
        // memory outside memory_limit; the child has an address-space ceiling so that it, not
        // the suite, dies if the cap does not hold.
        [$key, $secret] = $this->freshApp();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body_bytes' => 512 << 20, 'gzip' => true]]);
        $result = $this->runVictim(
            '(new DingTalk\Client($argv[2], $argv[3], ["base_url" => $url]))->workRecords()->list("u1");',
            [$key, $secret],
            ['as' => 900 << 20, 'memory_limit' => '128M']
        );
        $this->assertSame(TransportException::class, $result['class'], $result['message']);
        $this->assertStringContainsString('options[max_answer_bytes]', $result['message']);
    }

    // ---- paged calls ---------------------------------------------------------------------------

    public function testAllStopsAfterAThousandPages(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body' => self::ENDLESS_PAGE, 'count' => 1500]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->all('u1'));
        $this->assertStringContainsString('1000 pages', $e->getMessage());
        $this->assertSame(1000, $this->emulator->requests(self::LIST));
    }

    public function testFindStopsAfterAThousandPagesOverBothStatuses(): void
    {
        $client = $this->client();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body' => self::ENDLESS_PAGE, 'count' => 2500]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->find('u1', 'absent'));
        $this->assertStringContainsString('1000 pages', $e->getMessage());
        $this->assertSame(1000, $this->emulator->requests(self::LIST));
    }

    /**
     * @dataProvider pagedCalls
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('pagedCalls')]
    public function testAPagedCallHasOneDeadline(string $method): void
    {
        // Each page takes 150 ms: each alone fits 0.6 s, the walk does not.
        $client = $this->client(['timeout' => 0.6]);
        $client->getAccessToken();
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body' => self::ENDLESS_PAGE, 'delay_ms' => 150, 'count' => 40]]);
        $records = $client->workRecords();
        $start = microtime(true);
        $e = $this->throws(TransportException::class, fn () => $method === 'all' ? $records->all('u1') : $records->find('u1', 'absent'));
        $this->assertStringContainsString('time', $e->getMessage());
        $this->assertLessThan(3.0, microtime(true) - $start, 'sanity bound: no hang');
        $this->assertLessThanOrEqual(5, $this->emulator->requests(self::LIST));
    }

    public static function pagedCalls(): array
    {
        return ['all()' => ['all'], 'find()' => ['find']];
    }

    public function testThePagesOfAllShareTheAnswerCap(): void
    {
        // About 150 bytes a page: 2 KiB for the whole walk is a dozen pages, not a hundred.
        $client = $this->client(['max_answer_bytes' => 2048]);
        $this->emulator->faults([['path' => self::LIST, 'status' => 200, 'body' => self::ENDLESS_PAGE, 'count' => 100]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->all('u1'));
        $this->assertStringContainsString('options[max_answer_bytes]', $e->getMessage());
        $this->assertLessThan(20, $this->emulator->requests(self::LIST));
    }

    // ---- ca_file -------------------------------------------------------------------------------

    public function testAFifoAsCaFileIsRefusedAtOnce(): void
    {
        // Opened the ordinary way, a FIFO blocks until someone writes to it: forever. The child
        // has a time limit, so that a regression fails this test instead of hanging the suite.
        $dir = sys_get_temp_dir() . '/dingtalk-fifo-' . bin2hex(random_bytes(4));
        mkdir($dir);
        $fifo = "{$dir}/ca.pem";
        try {
            [$code] = Process::run(['mkfifo', $fifo]);
            $this->assertSame(0, $code, 'mkfifo');
            $result = $this->runVictim(self::NEW_CLIENT_WITH_CA_FILE, [$fifo], [], 15.0);
        } finally {
            @unlink($fifo);
            @rmdir($dir);
        }
        $this->assertSame(\ValueError::class, $result['class'], $result['message']);
        $this->assertStringContainsString('options[ca_file]', $result['message']);
        $this->assertStringContainsString('not a regular file', $result['message']);
    }

    /**
     * @dataProvider specialFiles
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('specialFiles')]
    public function testCaFilesThatAreNotRegularFilesAreRefused(string $path): void
    {
        // /dev/zero reads forever: the child has an address-space ceiling.
        $result = $this->runVictim(self::NEW_CLIENT_WITH_CA_FILE, [$path], ['as' => 600 << 20]);
        $this->assertSame(\ValueError::class, $result['class'], $result['message']);
        $this->assertStringContainsString('options[ca_file]', $result['message']);
        // Refused for what it is, unread (not after reading until memory ran out).
        $this->assertStringContainsString('not a regular file', $result['message']);
    }

    public static function specialFiles(): array
    {
        return ['/dev/zero' => ['/dev/zero'], 'a directory' => [sys_get_temp_dir()], '/dev/null' => ['/dev/null']];
    }

    // ---- HTTP clients, threads and file descriptors --------------------------------------------

    public function testDistinctUserAgentsShareOneHttpClient(): void
    {
        // Apps make a Client per request, some with a per-request user agent. Each used to get
        // an HTTP client of its own: a thread and a few file descriptors, never freed.
        [$key, $secret] = $this->freshApp();
        $result = $this->runVictim(<<<'PHP'
            (new DingTalk\Client($argv[2], $argv[3], ['base_url' => $url]))->workRecords()->list('u1');
            $before = usage();
            for ($i = 0; $i < 200; $i++) {
                $c = new DingTalk\Client($argv[2], $argv[3], ['base_url' => $url, 'user_agent' => "app/1.0 (request {$i})"]);
                $c->workRecords()->list('u1');
            }
            PHP, [$key, $secret], []);
        $this->assertNull($result['class'], (string) $result['message']);
        $this->assertLessThanOrEqual($result['before']['threads'], $result['after']['threads'], json_encode($result));
        $this->assertLessThanOrEqual($result['before']['fds'] + 2, $result['after']['fds'], json_encode($result));
    }

    public function testHttpClientsForDistinctTransportOptionsAreBounded(): void
    {
        // What does need a client of its own (here 200 different connect timeouts) is pooled:
        // at most 8 clients live, the least recently used ones are closed.
        [$key, $secret] = $this->freshApp();
        $result = $this->runVictim(<<<'PHP'
            (new DingTalk\Client($argv[2], $argv[3], ['base_url' => $url]))->workRecords()->list('u1');
            $before = usage();
            for ($i = 0; $i < 200; $i++) {
                $c = new DingTalk\Client($argv[2], $argv[3], ['base_url' => $url, 'connect_timeout' => 1 + $i / 1000]);
                $c->workRecords()->list('u1');
            }
            PHP, [$key, $secret], []);
        $this->assertNull($result['class'], (string) $result['message']);
        $this->assertLessThanOrEqual($result['before']['threads'] + 8, $result['after']['threads'], json_encode($result));
        $this->assertLessThanOrEqual($result['before']['fds'] + 8 * 6, $result['after']['fds'], json_encode($result));
    }

    public function testALowFileLimitDoesNotMakeLaterClientsFail(): void
    {
        [$key, $secret] = $this->freshApp();
        $result = $this->runVictim(<<<'PHP'
            for ($i = 0; $i < 200; $i++) {
                $c = new DingTalk\Client($argv[2], $argv[3], ['base_url' => $url, 'user_agent' => "app/{$i}", 'connect_timeout' => 1 + ($i % 20) / 10]);
                $c->workRecords()->list('u1');
            }
            PHP, [$key, $secret], ['nofile' => 64]);
        $this->assertNull($result['class'], (string) $result['message']);
    }

    /**
     * Runs `$code` in a confined child (`$limits`: see {@see runPhp()}) and returns what it
     * reports: the class and message of the throwable it caught (null when none), and its
     * threads and open files when `$code` set `$before = usage();` and at the end. In the child,
     * `$url` is the emulator's URL and `$argv[2]`, ... are `$args`.
     *
     * @param list<string> $args
     * @return array{class: ?string, message: ?string, before: ?array, after: array}
     */
    private function runVictim(string $code, array $args, array $limits, float $timeout = 60.0): array
    {
        $script = "<?php\n" . <<<'PHP'
            function usage(): array
            {
                return ['threads' => count(scandir('/proc/self/task')) - 2, 'fds' => count(scandir('/proc/self/fd')) - 2];
            }
            $url = $argv[1];
            $before = null;
            $result = ['class' => null, 'message' => null];
            try {
            PHP . "\n{$code}\n" . <<<'PHP'
            } catch (\Throwable $e) {
                $result['class'] = get_class($e);
                $result['message'] = $e->getMessage();
            }
            $result['before'] = $before;
            $result['after'] = usage();
            echo json_encode($result);
            PHP;
        [$exit, $out, $err] = self::runPhp($script, true, array_merge([$this->emulator->url()], $args), $timeout, $limits);
        $result = json_decode($out, true);
        $this->assertIsArray($result, "child exited {$exit}: {$out} {$err}");
        return $result;
    }
}
