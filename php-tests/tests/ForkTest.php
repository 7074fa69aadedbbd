<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\TestCase;

/**
 * A process that used the extension and then forks (pcntl_fork in a CLI worker; php-fpm forks
 * before any use): the child must build its own HTTP client, since the parent's background
 * thread does not exist in it, and must neither hang nor crash. The token cache is copied with
 * the process, so the child fetches no new token.
 */
final class ForkTest extends TestCase
{
    public function testAChildProcessKeepsWorkingAfterAFork(): void
    {
        if (!function_exists('pcntl_fork')) {
            $this->markTestSkipped('pcntl is not available');
        }
        [$key, $secret] = $this->freshApp();
        $script = <<<'PHP'
            <?php
            [, $url, $key, $secret] = $argv;
            $client = new DingTalk\Client($key, $secret, ['base_url' => $url, 'timeout' => 5.0]);
            $records = $client->workRecords();
            $records->create('fork-user', 'before the fork', 'https://example.com/1');
            $pid = pcntl_fork();
            if ($pid === 0) {
                $id = $records->create('fork-user', 'in the child', 'https://example.com/2');
                echo "child created $id\n";
                exit(0);
            }
            pcntl_waitpid($pid, $status);
            $records->create('fork-user', 'in the parent after the fork', 'https://example.com/3');
            echo 'child exit ', pcntl_wexitstatus($status), "\n";
            echo 'parent token fetches ', $client->stats()['token_fetches'], "\n";
            PHP;
        [$code, $out, $err] = self::runPhp($script, true, [$this->emulator->url(), $key, $secret], 20.0);

        $this->assertSame(0, $code, "stdout: {$out}\nstderr: {$err}");
        $this->assertMatchesRegularExpression('/^child created \S+$/m', $out);
        $this->assertStringContainsString('child exit 0', $out);
        $this->assertStringContainsString('parent token fetches 1', $out);
        $titles = array_column($this->emulator->records('fork-user'), 'title');
        $this->assertSame(['before the fork', 'in the child', 'in the parent after the fork'], $titles);
        $this->assertSame(1, $this->emulator->stats()['gettoken'], 'the child reused the copied token');
    }
}
