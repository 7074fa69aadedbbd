<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Fleet;
use DingTalk\Tests\Support\RedisServer;
use DingTalk\Tests\Support\TestCase;

/**
 * DingTalk's 20 messages a minute per webhook robot, shared by every process that sends through
 * it: four processes alerting one robot as fast as they can, with the extension's defaults on
 * one side (per_minute 20) and DingTalk's on the other (the emulator's --webhook-limit 20 in any
 * 60 s, then 130101 and a mute). More messages than a minute allows are sent, so a limit that
 * did not hold across the processes would be caught: it runs for a little over a minute, which
 * is what a limit per minute takes to show.
 *
 * Both stores that reach beyond a process run at once, each with its own robot and processes:
 * a host's files and a fleet's Redis.
 */
final class WebhookFleetTest extends TestCase
{
    private const PROCESSES = 4;
    private const PER_PROCESS = 6;
    private const LIMIT = 20;

    public function testFourProcessesSharingARobotAreNeverMutedAndReachItsLimit(): void
    {
        $this->assertGreaterThan(self::LIMIT, self::PROCESSES * self::PER_PROCESS, 'more than a minute allows');
        $redis = RedisServer::start();
        $dir = sys_get_temp_dir() . '/dingtalk-webhook-fleet-' . bin2hex(random_bytes(6));
        $stores = ['file' => "file://{$dir}", 'redis' => $redis->url()];
        $fleets = [];
        $robots = [];
        foreach ($stores as $kind => $store) {
            $robots[$kind] = $this->emulator->webhook(['secret' => true, 'name' => "alerts-{$kind}"]);
            $config = json_encode([$robots[$kind]['url'], $robots[$kind]['secret'], [
                'token_store' => $store,
                // Time enough for every slot of the run: a send waits for its own.
                'timeout' => 120,
            ]]);
            $fleets[$kind] = Fleet::start(<<<'PHP'
                [$url, $secret, $options] = json_decode($argv[1], true);
                $webhook = new DingTalk\Webhook($url, $secret, $options);
                fleet_ready();
                fleet_wait();
                for ($i = 0; $i < (int) $argv[2]; $i++) {
                    $webhook->send(DingTalk\Message::text("disk full on db{$i}"));
                }
                echo "done\n";
                PHP, array_fill(0, self::PROCESSES, [$config, (string) self::PER_PROCESS]));
        }
        foreach ($fleets as $fleet) {
            $fleet->waitReady();
        }
        foreach ($fleets as $fleet) {
            $fleet->go();
        }
        foreach ($fleets as $kind => $fleet) {
            foreach ($fleet->finish(180.0) as $i => [$code, $out, $err]) {
                $this->assertSame(0, $code, "{$kind} process {$i}: {$err}{$out}");
            }
        }
        $redis->stop();
        array_map('unlink', glob("{$dir}/*") ?: []);
        @rmdir($dir);

        $this->assertSame(0, $this->emulator->stats()['webhook_throttled'], 'no 130101 answer');
        foreach ($robots as $kind => $robot) {
            $received = array_column($this->emulator->messages(['webhook' => $robot['name']]), 'received_at');
            $this->assertCount(self::PROCESSES * self::PER_PROCESS, $received, "{$kind}: every alert delivered");
            sort($received);
            $perMinute = (count($received) - 1) * 60_000 / (end($received) - $received[0]);
            if (getenv('DINGTALK_TEST_FIGURES')) {
                fwrite(STDERR, sprintf("\nwebhook fleet, %s: %d alerts from %d processes at %.2f a minute (limit %d)\n", $kind, count($received), self::PROCESSES, $perMinute, self::LIMIT));
            }
            $this->assertEqualsWithDelta(self::LIMIT, $perMinute, self::LIMIT * 0.10, "{$kind}: the achieved rate");
        }
    }
}
