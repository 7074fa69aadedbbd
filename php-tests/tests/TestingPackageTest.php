<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Testing\Emulator;
use DingTalk\Testing\EmulatorException;
use DingTalk\Tests\Support\Emulator as SuiteEmulator;
use DingTalk\Tests\Support\Process;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * The public test helper (package testing/, `DingTalk\Testing\Emulator`), used as an
 * application's tests use it: started with its defaults, its client and control API, two at
 * once, and every place it looks for the binary, each in a `php -n` of its own environment.
 */
final class TestingPackageTest extends TestCase
{
    /** @var list<string> temporary directories to remove after the test */
    private array $dirs = [];

    protected function tearDown(): void
    {
        foreach ($this->dirs as $dir) {
            Process::run(['rm', '-rf', $dir]);
        }
        $this->dirs = [];
        parent::tearDown();
    }

    public function testAnAppsTestStartsUsesAndStopsAnEmulator(): void
    {
        $emulator = Emulator::start([], SuiteEmulator::binary());
        $this->assertMatchesRegularExpression('~^http://127\.0\.0\.1:\d+$~', $emulator->endpoint());
        $this->assertSame(['demo_app_key', 'demo_app_secret'], [$emulator->appKey(), $emulator->appSecret()]);

        $client = $emulator->client();
        $unionId = $client->unionId('alice');
        $this->assertSame($emulator->unionId('alice'), $unionId);
        $task = $client->todos()->create($unionId, ['subject' => 'Review the contract', 'sourceId' => 'contract-1']);
        $stored = $emulator->todos($unionId);
        $this->assertCount(1, $stored);
        $this->assertSame([$task['id'], 'Review the contract', 'contract-1', false], [
            $stored[0]['id'], $stored[0]['subject'], $stored[0]['sourceId'], $stored[0]['deleted'],
        ]);

        $emulator->faults([[
            'path' => '/v1.0/todo/',
            'status' => 403,
            'code' => 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
            'required_scopes' => ['Todo.Todo.Write'],
        ]]);
        $this->assertSame([['path' => '/v1.0/todo/', 'remaining' => 1]], $emulator->pendingFaults());
        $denied = $this->apiError(fn () => $client->todos()->complete($unionId, $task['id']));
        $this->assertSame('Forbidden.AccessDenied.AccessTokenPermissionDenied', $denied->getErrorCode());
        $this->assertSame([], $emulator->pendingFaults());
        $this->assertFalse($emulator->todos($unionId)[0]['done']);
        $this->assertTrue($client->todos()->complete($unionId, $task['id']));
        $this->assertTrue($emulator->todos($unionId)[0]['done']);
        $this->assertSame(2, $emulator->requests("/v1.0/todo/users/{$unionId}/tasks/{$task['id']}"));

        $emulator->reset();
        $this->assertSame([], $emulator->todos());
        $this->assertSame(0, $emulator->stats()['gettoken']);

        $emulator->stop();
        $emulator->stop();
        $this->assertFalse($emulator->isRunning());
        $gone = $this->throws(EmulatorException::class, fn () => $emulator->stats());
        $this->assertStringContainsString('was stopped by Emulator::stop()', $gone->getMessage());
        $this->throws(TransportException::class, fn () => $emulator->client(['retries' => 0])->getAccessToken(true));
    }

    public function testTwoEmulatorsRunSideBySide(): void
    {
        $first = Emulator::start([], SuiteEmulator::binary());
        $second = Emulator::start(['--app', 'shop_key:shop:secret'], SuiteEmulator::binary());
        $this->assertNotSame($first->endpoint(), $second->endpoint());
        $this->assertSame(['shop_key', 'shop:secret'], [$second->appKey(), $second->appSecret()]);

        $first->faults([['path' => '/v1.0/todo/', 'status' => 403, 'code' => 'Forbidden.AccessDenied.AccessTokenPermissionDenied']]);
        $task = $second->client()->todos()->create('union-bob', ['subject' => 'on the second']);
        $this->assertSame([$task['id']], array_column($second->todos(), 'id'));
        $this->assertSame([], $first->todos());
        $this->assertCount(1, $first->pendingFaults());
        $this->apiError(fn () => $first->client()->todos()->create('union-bob', ['subject' => 'on the first']));

        $first->stop();
        $this->assertTrue($second->isRunning());
        $this->assertSame(1, $second->stats()['requests']['/v1.0/todo/users/union-bob/tasks']);
        $second->stop();
    }

    public function testAnyControlRequestAnswersOrSaysWhyNot(): void
    {
        $emulator = Emulator::start([], SuiteEmulator::binary());
        $this->assertSame(['queued' => 2], $emulator->control('POST', '/_emulator/faults', [
            ['path' => '/gettoken', 'status' => 502, 'count' => 2],
            ['path' => '/v1.0/todo/', 'drop' => true],
        ]));
        $this->assertSame(['faults' => [['path' => '/gettoken', 'remaining' => 2], ['path' => '/v1.0/todo/', 'remaining' => 1]]], $emulator->control('GET', '/_emulator/faults'));
        $refused = $this->throws(EmulatorException::class, fn () => $emulator->faults([['path' => 'no-slash', 'status' => 500]]));
        $this->assertStringStartsWith('control request POST /_emulator/faults answered HTTP 400: {"error":', $refused->getMessage());
        $emulator->clearFaults();
        $this->assertSame([], $emulator->pendingFaults());

        $pushed = $emulator->push('todo_task_update', ['taskId' => 't1']);
        $this->assertNull($pushed['id']);
        $events = $emulator->events(5.0);
        $this->assertTrue($events['settled']);
        $this->assertSame(['issued' => 0, 'refused' => 0], $emulator->streamLog()['tickets']);
        $emulator->stop();
    }

    /** A chatbot's users and cards: messages of one app, a card pressed, cards read back. */
    public function testBotMessagesEventsOfOneAppAndCards(): void
    {
        $emulator = Emulator::start(['--app', 'first:s1', '--app', 'second:s2'], SuiteEmulator::binary());
        $group = $emulator->conversation('ops', ['ann']);
        $said = $emulator->botSay('ann', 'hi', $group, ['bob'], 'second');
        $this->assertSame($group, $said['conversationId']);
        $emulator->push('todo_task_update', ['taskId' => 't1'], 'second');
        $log = $emulator->streamLog(0.0);
        $this->assertSame('second', $log['callbacks'][0]['app']);
        $this->assertSame('second', $log['events'][0]['app']);
        $this->assertSame(['bob'], array_column(array_slice($log['callbacks'][0]['data']['atUsers'], 1), 'staffId'));
        $this->throws(EmulatorException::class, fn () => $emulator->push('todo_task_update', [], 'nobody'));

        $this->assertSame([], $emulator->cards());
        $this->assertNull($emulator->card('nope'));
        $this->throws(EmulatorException::class, fn () => $emulator->cardCallback('nope', 'ann'));
        $emulator->stop();
    }

    public function testTlsFlagsAndUsers(): void
    {
        $emulator = Emulator::start(['--tls-self-signed', '--user=boss:U-BOSS', '--strict-users'], SuiteEmulator::binary());
        $this->assertStringStartsWith('https://127.0.0.1:', $emulator->endpoint());
        $certFile = (string) $emulator->certFile();
        $this->assertStringContainsString('BEGIN CERTIFICATE', (string) file_get_contents($certFile));
        $this->assertSame(['boss' => 'U-BOSS'], $emulator->users());

        $client = $emulator->client();
        $this->assertSame('U-BOSS', $client->unionId('boss'));
        $this->assertSame('U-BOSS', $emulator->unionId('boss'));
        $this->throws(EmulatorException::class, fn () => $emulator->unionId('stranger'));
        $this->assertSame('60121', $this->apiError(fn () => $client->unionId('stranger'))->getErrorCode());
        $this->assertSame(1, $emulator->stats()['gettoken']);

        $emulator->stop();
        $this->assertFileDoesNotExist($certFile);
    }

    public function testAnEmulatorThatEndsOrRefusesItsFlagsIsReportedWithItsStderr(): void
    {
        $refused = $this->throws(EmulatorException::class, fn () => Emulator::start(['--qps-limit', 'ten'], SuiteEmulator::binary()));
        $this->assertStringContainsString('exited with status 2', $refused->getMessage());
        $this->assertStringContainsString('--qps-limit needs a positive whole number', $refused->getMessage());

        $this->throws(\ValueError::class, fn () => Emulator::start(['--qps-limit', ['10']], SuiteEmulator::binary()));

        $emulator = Emulator::start(['--qps-limit', 10], SuiteEmulator::binary());
        [$code] = Process::run(['kill', '-KILL', (string) $emulator->pid()]);
        $this->assertSame(0, $code);
        $killed = $this->throws(EmulatorException::class, fn () => $emulator->reset());
        $this->assertStringContainsString('was killed by signal 9', $killed->getMessage());
        $emulator->stop();
    }

    public function testTheDestructorAndAFatalErrorStopTheEmulator(): void
    {
        $pid = (static fn (): int => Emulator::start([], SuiteEmulator::binary())->pid())();
        $this->assertFalse(is_dir("/proc/{$pid}"), 'the emulator outlived its object');

        // After a fatal error (not an uncaught exception) PHP calls no destructor: the shutdown
        // function stops it.
        [$code, $out] = $this->runHelper(
            '$kept = DingTalk\Testing\Emulator::start([], ' . var_export(SuiteEmulator::binary(), true) . ');'
            . ' echo $kept->pid(), "\n"; ini_set("memory_limit", "16M"); $s = str_repeat("x", 32 << 20);',
            [],
            ['PATH' => '/usr/bin:/bin']
        );
        $this->assertSame(255, $code, $out);
        $child = (int) $out;
        $this->assertGreaterThan(0, $child, $out);
        $this->assertFalse(is_dir("/proc/{$child}"), 'the emulator outlived the fatal error');
    }

    public function testAnEmulatorDoesNotOutliveAKilledProcessThatStartedIt(): void
    {
        $src = dirname(__DIR__, 2) . '/testing/src/';
        $script = '<?php spl_autoload_register(static function (string $c): void {'
            . ' if (str_starts_with($c, "DingTalk\\\\Testing\\\\")) { require ' . var_export($src, true) . ' . substr($c, 17) . ".php"; } });'
            . ' $e = DingTalk\\Testing\\Emulator::start([], ' . var_export(SuiteEmulator::binary(), true) . ');'
            . ' echo $e->pid(), "\\n"; fclose(STDOUT); while (true) { sleep(60); }';
        $child = proc_open([PHP_BINARY, '-n', '-r', substr($script, 6)], [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        $this->assertIsResource($child);
        $pid = (int) fgets($pipes[1]);
        $this->assertGreaterThan(0, $pid);
        $this->assertTrue(self::running($pid), 'the emulator runs while its starter does');

        // SIGKILL: no destructor, no shutdown function; only the end of the emulator's stdin tells it.
        proc_terminate($child, 9);
        proc_close($child);
        $deadline = microtime(true) + 10.0;
        while (self::running($pid) && microtime(true) < $deadline) {
            usleep(20_000);
        }
        $this->assertFalse(self::running($pid), 'the emulator outlived the process that started it');
    }

    /** Whether process `$pid` runs (a zombie, ended but not yet reaped by its new parent, does not). */
    private static function running(int $pid): bool
    {
        $stat = @file_get_contents("/proc/{$pid}/stat");
        return $stat !== false && preg_match('/\\) Z /', $stat) !== 1;
    }

    public function testAMissingBinaryNamesWhereItWasLookedFor(): void
    {
        $empty = $this->tempDir();
        $given = $this->throws(EmulatorException::class, fn () => Emulator::start([], "{$empty}/dingtalk-emulator"));
        $this->assertStringContainsString("{$empty}/dingtalk-emulator (given to Emulator::start()) is not an executable file", $given->getMessage());

        [, $out] = $this->runHelper('Emulator::start();', ['-d', "extension_dir={$empty}"], ['PATH' => "{$empty}/bin:/nonexistent"]);
        $this->assertStringContainsString('dingtalk-emulator not found. Looked for it:', $out);
        $this->assertStringContainsString("\$DINGTALK_EMULATOR_BIN (not set)", $out);
        $this->assertStringContainsString("beside the dingtalk extension ({$empty})", $out);
        $this->assertStringContainsString("on PATH ({$empty}/bin:/nonexistent)", $out);

        [, $out] = $this->runHelper('Emulator::start();', [], ['DINGTALK_EMULATOR_BIN' => "{$empty}/nothing", 'PATH' => '/usr/bin:/bin']);
        $this->assertStringContainsString("{$empty}/nothing (named by DINGTALK_EMULATOR_BIN) is not an executable file", $out);
    }

    public function testTheBinaryIsFoundBesideTheExtensionThenOnPath(): void
    {
        $ext = $this->tempDir();
        $bin = $this->tempDir();
        $empty = $this->tempDir();
        foreach (["{$ext}/dingtalk-emulator", "{$bin}/dingtalk-emulator"] as $fake) {
            file_put_contents($fake, "#!/bin/sh\nexit 1\n");
            chmod($fake, 0755);
        }
        $find = 'echo Emulator::findBinary();';
        $path = ['PATH' => "{$bin}:/usr/bin:/bin"];

        // The directory the module was loaded from, whatever extension_dir says.
        if (!@link(self::extensionPath(), "{$ext}/dingtalk.so")) {
            copy(self::extensionPath(), "{$ext}/dingtalk.so");
        }
        $loaded = ['-d', "extension_dir={$empty}", '-d', "extension={$ext}/dingtalk.so"];
        $this->assertSame([0, "{$ext}/dingtalk-emulator"], array_slice($this->runHelper($find, $loaded, $path), 0, 2));
        // extension_dir, where PIE and the release archives put it.
        $this->assertSame([0, "{$ext}/dingtalk-emulator"], array_slice($this->runHelper($find, ['-d', "extension_dir={$ext}"], $path), 0, 2));
        // PATH, where `make install` puts it.
        $this->assertSame([0, "{$bin}/dingtalk-emulator"], array_slice($this->runHelper($find, ['-d', "extension_dir={$empty}"], $path), 0, 2));
        // The environment variable before them all.
        $this->assertSame(
            [0, "{$bin}/dingtalk-emulator"],
            array_slice($this->runHelper($find, ['-d', "extension_dir={$ext}"], $path + ['DINGTALK_EMULATOR_BIN' => "{$bin}/dingtalk-emulator"]), 0, 2)
        );
    }

    public function testTheTestingGuideShowsTheExampleAppAsItIs(): void
    {
        $root = dirname(__DIR__, 2);
        $guide = (string) file_get_contents("{$root}/docs/testing.md");
        $example = "{$root}/testing/example";
        foreach (['tests/bootstrap.php' => 'php', 'src/Reminders.php' => 'php', 'tests/RemindersTest.php' => 'php fragment'] as $file => $fence) {
            $block = "```{$fence}\n" . file_get_contents("{$example}/{$file}") . "```\n";
            $this->assertStringContainsString($block, $guide, "docs/testing.md does not show testing/example/{$file} as it is");
        }
    }

    /** The DingTalk error `$call` throws (of whichever subclass: this test is about the helper). */
    private function apiError(callable $call): ApiException
    {
        try {
            $call();
        } catch (ApiException $e) {
            return $e;
        }
        $this->fail('expected a DingTalk\ApiException, nothing was thrown');
    }

    /**
     * Runs `$code` in `php -n` with the helper's classes autoloaded, the `-d` settings
     * `$settings` and the environment `$env` (nothing else). Returns `[exit code, stdout +
     * uncaught exception message, stderr]`.
     *
     * @param list<string> $settings
     * @param array<string, string> $env
     */
    private function runHelper(string $code, array $settings, array $env): array
    {
        $src = dirname(__DIR__, 2) . '/testing/src/';
        $script = tempnam(sys_get_temp_dir(), 'dingtalk-testing-');
        file_put_contents($script, '<?php declare(strict_types=1);'
            . ' use DingTalk\Testing\Emulator;'
            . ' spl_autoload_register(static function (string $c): void {'
            . '   if (str_starts_with($c, "DingTalk\\\\Testing\\\\")) { require ' . var_export($src, true) . ' . substr($c, 17) . ".php"; }'
            . ' });'
            . ' try { ' . $code . ' } catch (DingTalk\Testing\EmulatorException $e) { echo $e->getMessage(); exit(3); }');
        try {
            return Process::run(array_merge([PHP_BINARY, '-n'], $settings, [$script]), 30.0, $env);
        } finally {
            unlink($script);
        }
    }

    private function tempDir(): string
    {
        $dir = sys_get_temp_dir() . '/dingtalk-testing-' . bin2hex(random_bytes(6));
        mkdir($dir);
        $this->dirs[] = $dir;
        return $dir;
    }
}
