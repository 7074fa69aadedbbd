<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\Fleet;
use DingTalk\Tests\Support\RedisServer;
use DingTalk\Tests\Support\TestCase;

/**
 * `token_store`: processes (not threads) sharing one token through files (`file://`) or a real
 * `redis-server` (`redis://`, `rediss://`), and what happens when the store is gone.
 */
final class SharedStoreTest extends TestCase
{
    private static ?RedisServer $redis = null;
    /** @var list<string> directories to remove after the test */
    private array $dirs = [];

    /** Every process of a fleet makes its client from `$argv[1]`: `{key, secret, options}`. */
    private const CLIENT = <<<'PHP'
        $config = json_decode($argv[1], true, 512, JSON_THROW_ON_ERROR);
        $client = new DingTalk\Client($config['key'], $config['secret'], $config['options']);
        function fleet_report(DingTalk\Client $client, array $more = []): void {
            echo json_encode(['token' => sha1($client->getAccessToken()), 'stats' => $client->stats()] + $more), "\n";
        }

        PHP;

    public static function setUpBeforeClass(): void
    {
        self::$redis = RedisServer::start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$redis?->stop();
        self::$redis = null;
    }

    protected function setUp(): void
    {
        parent::setUp();
        self::$redis?->cli('FLUSHALL');
    }

    protected function tearDown(): void
    {
        foreach ($this->dirs as $dir) {
            self::removeTree($dir);
        }
        parent::tearDown();
    }

    /** @return iterable<string, array{0: string}> */
    public static function stores(): iterable
    {
        yield 'file' => ['file'];
        yield 'redis' => ['redis'];
    }

    /** A fresh `token_store` of `$kind`; a file store's directory does not exist yet. */
    private function store(string $kind): string
    {
        if ($kind === 'redis') {
            return self::$redis->url();
        }
        $dir = sys_get_temp_dir() . '/dingtalk-store-' . bin2hex(random_bytes(6));
        $this->dirs[] = $dir;
        return 'file://' . $dir . '/tokens';
    }

    private static function removeTree(string $dir): void
    {
        if (!is_dir($dir)) {
            return;
        }
        chmod($dir, 0700);
        foreach (scandir($dir) ?: [] as $name) {
            if ($name !== '.' && $name !== '..') {
                $path = "{$dir}/{$name}";
                is_dir($path) ? self::removeTree($path) : unlink($path);
            }
        }
        rmdir($dir);
    }

    /**
     * `$argv[1]` of a fleet's processes.
     *
     * @param array{0: string, 1: string} $app
     * @param array<string, mixed> $options
     */
    private static function config(array $app, array $options): string
    {
        return json_encode(['key' => $app[0], 'secret' => $app[1], 'options' => $options], JSON_THROW_ON_ERROR);
    }

    /**
     * Each process's last line, decoded; fails the test if one failed.
     *
     * @param list<array{0: int, 1: string, 2: string}> $results
     * @return list<array<string, mixed>>
     */
    private function reports(array $results): array
    {
        $reports = [];
        foreach ($results as $i => [$code, $out, $err]) {
            $this->assertSame(0, $code, "process {$i}: {$err}{$out}");
            $lines = array_values(array_filter(explode("\n", $out), static fn ($l) => str_starts_with($l, '{')));
            $this->assertNotEmpty($lines, "process {$i} reported nothing: {$out}");
            $reports[] = json_decode(end($lines), true, 512, JSON_THROW_ON_ERROR);
        }
        return $reports;
    }

    /**
     * @param list<array<string, mixed>> $reports
     */
    private static function sum(array $reports, string $stat): int
    {
        return array_sum(array_map(static fn ($r) => $r['stats'][$stat], $reports));
    }

    /**
     * @dataProvider stores
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('stores')]
    public function testProcessesStartedTogetherWithAnEmptyStoreFetchOneTokenInAll(string $kind): void
    {
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => $this->store($kind)];
        $fleet = Fleet::start(self::CLIENT . <<<'PHP'
            fleet_ready();
            fleet_wait();
            $client->workRecords()->list('u1');
            fleet_report($client);
            PHP, array_fill(0, 6, [self::config($app, $options)]));
        $fleet->waitReady();
        $fleet->go();
        $reports = $this->reports($fleet->finish());
        $this->assertSame(1, $this->emulator->tokenFetches(), 'one token fetch for six processes');
        $this->assertSame(1, self::sum($reports, 'token_fetches'));
        $this->assertCount(1, array_unique(array_column($reports, 'token')), 'one token for all');
        $this->assertSame(0, self::sum($reports, 'store_errors'));
        $this->assertStoreHoldsNoSecret($kind, $options['token_store'], $app);
    }

    /** What the store holds: the app key and a hash in its names, never the secret. */
    private function assertStoreHoldsNoSecret(string $kind, string $store, array $app): void
    {
        [$key, $secret] = $app;
        if ($kind === 'redis') {
            $keys = array_values(array_filter(explode("\n", self::$redis->cli('KEYS', '*'))));
            $this->assertSame(["dingtalk:token:{$key}"], array_map(
                static fn ($k) => substr($k, 0, (int) strrpos($k, '.')),
                $keys
            ));
            $fields = self::$redis->cli('HGETALL', $keys[0]);
            $this->assertStringNotContainsString($secret, implode('', $keys) . $fields);
            $names = array_values(array_filter(explode("\n", $fields)));
            $this->assertSame(['token', 'issued_at_ms', 'expires_at_ms'], [$names[0], $names[2], $names[4]]);
            return;
        }
        $dir = substr($store, strlen('file://'));
        $this->assertSame(0700, fileperms($dir) & 0777, 'the directory is made 0700');
        $files = array_values(array_diff(scandir($dir) ?: [], ['.', '..']));
        $this->assertNotEmpty($files);
        foreach ($files as $name) {
            $this->assertStringStartsWith($key . '.', $name);
            $this->assertSame(0600, fileperms("{$dir}/{$name}") & 0777, $name);
            $this->assertStringNotContainsString($secret, $name . file_get_contents("{$dir}/{$name}"));
        }
        $tokenFile = current(preg_grep('/\.token$/', $files) ?: ['none']);
        $token = json_decode((string) file_get_contents("{$dir}/{$tokenFile}"), true);
        $this->assertSame(['token', 'issued_at_ms', 'expires_at_ms'], array_keys($token));
    }

    /**
     * @dataProvider stores
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('stores')]
    public function testATokenExpiredMidRunIsFetchedAgainOnceForTheWholeGroup(string $kind): void
    {
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => $this->store($kind)];
        $fleet = Fleet::start(self::CLIENT . <<<'PHP'
            $old = sha1($client->getAccessToken());
            $client->workRecords()->list('u1');
            fleet_ready();
            fleet_wait();
            // The token this process holds was expired meanwhile: DingTalk refuses it.
            $client->workRecords()->list('u1');
            fleet_report($client, ['old' => $old]);
            PHP, array_fill(0, 5, [self::config($app, $options)]));
        $fleet->waitReady();
        $this->assertSame(1, $this->emulator->tokenFetches());
        $this->emulator->expireTokens();
        $fleet->go();
        $reports = $this->reports($fleet->finish());
        $this->assertSame(2, $this->emulator->tokenFetches(), 'one new token for five processes');
        $this->assertSame(2, self::sum($reports, 'token_fetches'));
        $this->assertCount(1, array_unique(array_column($reports, 'old')));
        $this->assertCount(1, array_unique(array_column($reports, 'token')));
        $this->assertNotSame($reports[0]['old'], $reports[0]['token']);
        $this->assertSame(0, self::sum($reports, 'store_errors'));
    }

    /**
     * @dataProvider stores
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('stores')]
    public function testAProcessKilledWhileHoldingTheLockBlocksNobodyPastTheLockExpiry(string $kind): void
    {
        // An emulator of this test's own: the killed holder's request stays in it, delayed.
        $emulator = $this->startEmulator();
        $app = $emulator->freshApp();
        $store = $this->store($kind);
        $emulator->faults([['path' => '/gettoken', 'delay_ms' => 60_000]]);
        // The holder's lock lasts as long as its time budget: 3 s.
        $holderOptions = ['base_url' => $emulator->url(), 'token_store' => $store, 'timeout' => 3.0];
        $holder = Fleet::start(self::CLIENT . <<<'PHP'
            $client->getAccessToken();
            echo "the fetch came back\n";
            PHP, [[self::config($app, $holderOptions)]]);
        // It holds the lock once its fetch reached the emulator.
        $deadline = microtime(true) + 10.0;
        while ($emulator->tokenFetches() < 1) {
            $this->assertLessThan($deadline, microtime(true), 'the holder never fetched');
            usleep(5_000);
        }
        $waiterOptions = ['base_url' => $emulator->url(), 'token_store' => $store, 'timeout' => 20.0];
        $waiters = Fleet::start(self::CLIENT . <<<'PHP'
            fleet_ready();
            fleet_report($client);
            PHP, array_fill(0, 3, [self::config($app, $waiterOptions)]));
        $waiters->waitReady();
        $holder->kill(0);
        $reports = $this->reports($waiters->finish());
        $this->assertStringNotContainsString('came back', $holder->finish()[0][1]);
        // Had the waiters not waited for the lock, each would have fetched.
        $this->assertSame(2, $emulator->tokenFetches(), "the holder's fetch, then one for the three waiters");
        $this->assertSame(1, self::sum($reports, 'token_fetches'));
        $this->assertCount(1, array_unique(array_column($reports, 'token')));
    }

    public function testRedisStoppedMidRunCallsKeepWorking(): void
    {
        $redis = RedisServer::start();
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => $redis->url(), 'rate_limit' => 1000];
        $fleet = Fleet::start(self::CLIENT . <<<'PHP'
            $client->workRecords()->list('u1');
            fleet_ready();
            fleet_wait();
            // Redis is gone: the rate limit and a forced token fetch cannot use it.
            $client->getAccessToken(true);
            $client->workRecords()->list('u1');
            $client->workRecords()->create('u1', 'still working', 'https://example.com/');
            fleet_report($client);
            PHP, array_fill(0, 3, [self::config($app, $options)]));
        $fleet->waitReady();
        $this->assertSame(1, $this->emulator->tokenFetches());
        $redis->stop();
        $fleet->go();
        $reports = $this->reports($fleet->finish());
        foreach ($reports as $i => $report) {
            $this->assertGreaterThanOrEqual(1, $report['stats']['store_errors'], "process {$i}");
        }
        $this->assertCount(3, $this->emulator->records('u1'));
        // Each forced its own fetch once the store was gone.
        $this->assertSame(4, $this->emulator->tokenFetches());
    }

    public function testAStoreDirectoryThatCannotBeWrittenLeavesCallsWorking(): void
    {
        $parent = sys_get_temp_dir() . '/dingtalk-store-' . bin2hex(random_bytes(6));
        $this->dirs[] = $parent;
        mkdir($parent, 0755);
        mkdir("{$parent}/tokens", 0755);
        // Read-only for the processes: they run as nobody when the test runs as root.
        chmod("{$parent}/tokens", Fleet::runsAsRoot() ? 0755 : 0555);
        $app = $this->freshApp();
        $options = [
            'base_url' => $this->emulator->url(),
            'token_store' => "file://{$parent}/tokens",
            'rate_limit' => 1000,
        ];
        $fleet = Fleet::start(self::CLIENT . <<<'PHP'
            $client->workRecords()->list('u1');
            $client->workRecords()->list('u1');
            fleet_report($client);
            PHP, array_fill(0, 3, [self::config($app, $options)]), true);
        $reports = $this->reports($fleet->finish());
        foreach ($reports as $i => $report) {
            $this->assertGreaterThanOrEqual(1, $report['stats']['store_errors'], "process {$i}");
            $this->assertSame(1, $report['stats']['token_fetches'], "process {$i} fetched on its own");
        }
        $this->assertSame([], array_values(array_diff(scandir("{$parent}/tokens") ?: [], ['.', '..'])));
    }

    /** A process that lists once and reports its stats; `$argv[1]` as a fleet's. */
    private const LIST_ONCE = <<<'PHP'
        <?php
        $config = json_decode($argv[1], true, 512, JSON_THROW_ON_ERROR);
        $client = new DingTalk\Client($config['key'], $config['secret'], $config['options']);
        $client->workRecords()->list('u1');
        echo json_encode($client->stats()), "\n";
        PHP;

    /** Runs LIST_ONCE in a process of its own (at most 30 s); its stats. */
    private function listOnce(array $app, array $options): array
    {
        [$code, $out, $err] = Child::run(self::LIST_ONCE, [self::config($app, $options)], [], Child::ADDRESS_SPACE_MIB, 30.0);
        $this->assertSame(0, $code, $err . $out);
        return json_decode(trim($out), true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * A Redis given by its host name: the name is looked up (by the store operation's
     * deadline, on a thread of its own) and the store shares the token between processes.
     */
    public function testARedisGivenByItsHostNameIsShared(): void
    {
        $url = str_replace('@127.0.0.1:', '@localhost:', str_replace('//127.0.0.1:', '//localhost:', self::$redis->url()));
        $this->assertStringContainsString('localhost:', $url);
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => $url];
        $first = $this->listOnce($app, $options);
        $second = $this->listOnce($app, $options);
        $this->assertSame([0, 0], [$first['store_errors'], $second['store_errors']]);
        $this->assertSame([1, 0], [$first['token_fetches'], $second['token_fetches']], 'the second process took the first one\'s token from Redis');
    }

    /**
     * A FIFO where a store file goes (a co-tenant's trap) is refused at once: nothing but a
     * regular file of this user's is opened, read or written, and the call goes on without
     * the store.
     */
    public function testAFifoInPlaceOfAStoreFileIsRefusedAtOnce(): void
    {
        $store = $this->store('file');
        $dir = substr($store, strlen('file://'));
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => $store, 'rate_limit' => 1000];
        // The first process leaves the app's files: its token, its fetch lock, its rate state.
        $this->assertSame(0, $this->listOnce($app, $options)['store_errors']);
        // Without a rate limit the token file is the first one opened.
        unset($options['rate_limit']);
        $names = array_values(array_diff(scandir($dir) ?: [], ['.', '..']));
        $this->assertCount(3, $names, implode(', ', $names));
        foreach ($names as $name) {
            unlink("{$dir}/{$name}");
            [$code, , $err] = \DingTalk\Tests\Support\Process::run(['mkfifo', '-m', '0600', "{$dir}/{$name}"]);
            $this->assertSame(0, $code, $err);
        }
        $stats = $this->listOnce($app, $options);
        $this->assertGreaterThanOrEqual(1, $stats['store_errors']);
        $this->assertSame(1, $stats['token_fetches'], 'fetched without the store');
        foreach ($names as $name) {
            $this->assertSame('fifo', filetype("{$dir}/{$name}"), $name);
        }
    }

    /** @return iterable<string, array{0: string}> */
    public static function directoriesOthersControl(): iterable
    {
        yield 'owned by another user' => ['owner'];
        yield 'writable by everyone' => ['0777'];
        yield 'writable by its group' => ['0770'];
    }

    /**
     * A store directory that another user owns or can write is not a store: a co-tenant could
     * read the tokens written there or plant one of its own. The call goes on without it.
     *
     * @dataProvider directoriesOthersControl
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('directoriesOthersControl')]
    public function testAStoreDirectoryOthersControlIsRefused(string $case): void
    {
        if ($case === 'owner' && !Fleet::runsAsRoot()) {
            $this->markTestSkipped('giving the directory to another user needs root');
        }
        $parent = sys_get_temp_dir() . '/dingtalk-store-' . bin2hex(random_bytes(6));
        $this->dirs[] = $parent;
        mkdir($parent, 0755);
        mkdir("{$parent}/tokens", 0700);
        if ($case === 'owner') {
            $this->assertTrue(chown("{$parent}/tokens", 65534));
        } else {
            chmod("{$parent}/tokens", octdec($case));
        }
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => "file://{$parent}/tokens", 'rate_limit' => 1000];
        $stats = $this->listOnce($app, $options);
        $this->assertGreaterThanOrEqual(1, $stats['store_errors']);
        $this->assertSame(1, $stats['token_fetches']);
        $this->assertSame([], array_values(array_diff(scandir("{$parent}/tokens") ?: [], ['.', '..'])), 'nothing written there');
    }

    public function testTheRedisPasswordIsUsedAndNeverShown(): void
    {
        $password = 'pw-' . bin2hex(random_bytes(8));
        $redis = RedisServer::start($password);
        $app = $this->freshApp();
        $good = ['base_url' => $this->emulator->url(), 'token_store' => $redis->url()];
        $bad = ['token_store' => $redis->url($password . 'x')] + $good;
        $fleet = Fleet::start(self::CLIENT . <<<'PHP'
            $client->workRecords()->list('u1');
            fleet_report($client);
            PHP, [[self::config($app, $good)], [self::config($app, $good)], [self::config($app, $bad)]]);
        $results = $fleet->finish();
        $reports = $this->reports($results);
        $this->assertSame([0, 0], [$reports[0]['stats']['store_errors'], $reports[1]['stats']['store_errors']]);
        $this->assertGreaterThanOrEqual(1, $reports[2]['stats']['store_errors'], 'a wrong password: the store is not used');
        $this->assertSame(1, $reports[0]['stats']['token_fetches'] + $reports[1]['stats']['token_fetches']);
        foreach ($results as [, $out, $err]) {
            $this->assertStringNotContainsString($password, $out . $err);
        }
        $this->assertStringContainsString('dingtalk:token:', $redis->cli('KEYS', '*'));
        $redis->stop();
    }

    public function testAnInvalidStoreUrlNamesTheOptionButNotItsPassword(): void
    {
        $script = <<<'PHP'
            <?php
            try {
                new DingTalk\Client('k', 's', ['token_store' => $argv[1]]);
            } catch (ValueError $e) {
                echo get_class($e), ': ', $e->getMessage(), "\n", $e, "\n";
                print_r($e->getTrace());
            }
            PHP;
        foreach (['redis://:hunter22pw@127.0.0.1:port/0', 'redis://u:hunter22pw@127.0.0.1:6379/db', 'rediss://:hunter22pw@/0'] as $url) {
            [$code, $out, $err] = \DingTalk\Tests\Support\Child::run($script, [$url], ['zend.exception_ignore_args' => '0']);
            $this->assertSame(0, $code, $err);
            $this->assertStringContainsString('ValueError: DingTalk\Client::__construct(): Argument #3 ($options[token_store])', $out);
            $this->assertStringNotContainsString('hunter22pw', $out . $err, $url);
            $this->assertStringContainsString('SensitiveParameterValue', $out, 'the options are hidden in traces');
        }
    }

    public function testAProcessForkedAfterUsingRedisMakesItsOwnConnection(): void
    {
        if (!function_exists('pcntl_fork')) {
            $this->markTestSkipped('pcntl is not available');
        }
        $app = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'token_store' => self::$redis->url(), 'rate_limit' => 1000];
        $script = <<<'PHP'
            <?php
            [, $config, $port] = $argv;
            $config = json_decode($config, true);
            $client = new DingTalk\Client($config['key'], $config['secret'], $config['options']);
            // Redis's connections other than redis-cli's own: `id => line`.
            $connections = static function () use ($port): array {
                $list = [];
                foreach (explode("\n", (string) shell_exec("redis-cli -p {$port} CLIENT LIST")) as $line) {
                    if (preg_match('/^id=(\d+) /', $line, $m) === 1 && !str_contains($line, 'cmd=client|list')) {
                        $list[$m[1]] = $line;
                    }
                }
                return $list;
            };
            $client->workRecords()->list('u1');      // connects to Redis
            $before = $connections();
            $pid = pcntl_fork();
            if ($pid === 0) {
                $client->getAccessToken(true);       // the lock, the token: Redis again
                $client->workRecords()->list('u1');
                echo 'child store errors ', $client->stats()['store_errors'], "\n";
                // The parent's connection is still open: the child's is a new one.
                echo 'new connections ', count(array_diff_key($connections(), $before)), "\n";
                exit(0);
            }
            pcntl_waitpid($pid, $status);
            $client->workRecords()->list('u1');
            echo 'parent store errors ', $client->stats()['store_errors'], "\n";
            PHP;
        [$code, $out, $err] = self::runPhp($script, true, [self::config($app, $options), (string) self::$redis->port()], 30.0);
        $this->assertSame(0, $code, $err . $out);
        $this->assertStringContainsString("child store errors 0\n", $out);
        $this->assertStringContainsString("parent store errors 0\n", $out);
        $this->assertStringContainsString("new connections 1\n", $out, 'the child made its own');
    }

    public function testRedisOverTlsIsCheckedAgainstTheCaFile(): void
    {
        $dir = sys_get_temp_dir() . '/dingtalk-tls-' . bin2hex(random_bytes(6));
        $this->dirs[] = $dir;
        mkdir($dir, 0700);
        [$code, , $err] = \DingTalk\Tests\Support\Process::run([
            'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
            '-keyout', "{$dir}/key.pem", '-out', "{$dir}/cert.pem", '-days', '1', '-subj', '/CN=127.0.0.1',
            '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:FALSE',
        ]);
        $this->assertSame(0, $code, $err);
        $redis = RedisServer::start(null, ['cert' => "{$dir}/cert.pem", 'key' => "{$dir}/key.pem"]);
        $app = $this->freshApp();
        $trusting = ['base_url' => $this->emulator->url(), 'token_store' => $redis->url(), 'ca_file' => "{$dir}/cert.pem"];
        $public = ['base_url' => $this->emulator->url(), 'token_store' => $redis->url()];
        $fleet = Fleet::start(self::CLIENT . <<<'PHP'
            $client->workRecords()->list('u1');
            fleet_report($client);
            PHP, [[self::config($app, $trusting)], [self::config($app, $trusting)], [self::config($app, $public)]]);
        $reports = $this->reports($fleet->finish());
        $this->assertSame([0, 0], [$reports[0]['stats']['store_errors'], $reports[1]['stats']['store_errors']]);
        $this->assertSame(1, $reports[0]['stats']['token_fetches'] + $reports[1]['stats']['token_fetches']);
        $this->assertGreaterThanOrEqual(1, $reports[2]['stats']['store_errors'], 'not a public certificate');
        $redis->stop();
    }
}
