<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\Fleet;
use DingTalk\Tests\Support\RedisServer;
use DingTalk\Tests\Support\TestCase;

/**
 * Two Stream worker processes of one app sharing a Redis token_store, against the emulator's
 * gateway and each of its faults: a message raised is handled, and handled once, whatever the
 * gateway does — copies after a correct acknowledgement, deliveries again while a slow handler
 * still works, a disconnect whose connection keeps delivering until it closes, a dropped
 * connection, a zombie socket that swallows what it is given.
 */
final class StreamFleetTest extends TestCase
{
    private static ?RedisServer $redis = null;
    private ?Emulator $gateway = null;

    /** Seconds a test waits for the workers to handle everything (a sanity bound, not a speed). */
    private const PATIENCE = 40.0;
    /** Messages of each kind raised before the fault, and again after it. */
    private const EACH = 3;

    /** One worker: prints `ready` once connected, `handled <id>` per message, its stats at the end. */
    private const WORKER = <<<'PHP'
        [, $url, $store, $sleepMs] = $argv;
        $client = new DingTalk\Client('demo_app_key', 'demo_app_secret', [
            'base_url' => $url, 'api_base_url' => $url, 'token_store' => $store,
        ]);
        $ready = false;
        $stream = new DingTalk\Stream($client, [
            'topics' => ['events', 'bot'],
            'keepalive' => 1.5,
            'reconnect_delay' => 0.01,
            'max_reconnect_delay' => 0.2,
            'on_state' => function (string $state, array $info) use (&$ready): void {
                if ($state === 'connected' && !$ready) {
                    $ready = true;
                    fleet_ready();
                }
            },
        ]);
        $stream->run(function (array $event) use ($sleepMs): void {
            echo "handled {$event['id']}\n";
            fflush(STDOUT);
            usleep(1000 * (int) $sleepMs);
        }, ['timeout' => 120]);
        echo 'stats ', json_encode($stream->stats()), "\n";
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
        $this->gateway = $this->startEmulator([
            '--stream-redelivery-delay', '0.3',
            '--stream-disconnect-grace', '1',
            '--stream-ping-interval', '0.5',
        ]);
    }

    /** Raises `EACH` events and `EACH` bot messages; the ids their handlers see. */
    private function raise(int $round): array
    {
        $ids = [];
        for ($n = 0; $n < self::EACH; $n++) {
            $ids[] = $this->gateway->push('todo_task_update', ['round' => $round, 'n' => $n])['eventId'];
            $ids[] = $this->gateway->botSay('manager4711', "round {$round}, message {$n}")['msgId'];
        }
        return $ids;
    }

    /**
     * @return iterable<string, array{0: string, 1: int}> the fault, and how long each handler
     *     takes (ms)
     */
    public static function faults(): iterable
    {
        yield 'copies after a correct acknowledgement' => ['duplicate', 0];
        yield 'copies with the same messageId' => ['duplicate-same-id', 0];
        yield 'deliveries again while a slow handler works' => ['late', 700];
        yield 'a disconnect, messages, then the close' => ['disconnect', 0];
        yield 'a dropped connection' => ['drop', 0];
        yield 'a zombie socket that swallows what it gets' => ['zombie', 0];
    }

    private function inject(string $fault): void
    {
        match ($fault) {
            'duplicate' => $this->gateway->streamDuplicate(2 * self::EACH),
            'duplicate-same-id' => $this->gateway->streamDuplicate(2 * self::EACH, true),
            'late' => null,
            'disconnect' => $this->assertSame(2, $this->gateway->streamDisconnectWith(1.0, true)),
            'drop' => $this->assertSame(2, $this->gateway->streamDrop()),
            'zombie' => $this->assertSame(2, $this->gateway->streamSilence(true)),
        };
    }

    /**
     * @dataProvider faults
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('faults')]
    public function testEveryMessageIsHandledOnceByOneOfTwoWorkers(string $fault, int $sleepMs): void
    {
        $args = [$this->gateway->url(), self::$redis->url(), (string) $sleepMs];
        $fleet = Fleet::start(self::WORKER, [$args, $args]);
        $fleet->waitReady();
        $raised = $this->raise(1);
        $this->inject($fault);
        $raised = array_merge($raised, $this->raise(2));
        $log = $this->settled(count($raised));
        $fleet->terminate(0);
        $fleet->terminate(1);
        $results = $fleet->finish();

        $handled = [];
        $stats = [];
        foreach ($results as $i => [$status, $out, $err]) {
            $this->assertSame(0, $status, "worker {$i}: {$err}");
            $this->assertStringNotContainsString('demo_app_secret', $out . $err);
            preg_match_all('~^handled (\S+)$~m', $out, $matches);
            array_push($handled, ...$matches[1]);
            $this->assertSame(1, preg_match('~^stats (\{.*\})$~m', $out, $line), $out);
            $stats[] = json_decode($line[1], true);
        }
        sort($handled);
        sort($raised);
        // Nothing lost, nothing handled twice.
        $this->assertSame($raised, $handled, json_encode($log));
        $duplicates = array_sum(array_column($stats, 'duplicates'));
        $deliveries = array_sum(array_column($stats, 'deliveries'));
        $this->assertSame($deliveries - count($raised), $duplicates, 'every delivery beyond the first of each was only acknowledged');
        // The claims live in the shared Redis, under the app's key and hashes: no secret.
        $marks = self::$redis->cli('KEYS', 'dingtalk:mark:*');
        $this->assertStringContainsString('dingtalk:mark:demo_app_key.', $marks);
        $this->assertStringNotContainsString('demo_app_secret', $marks);
        match ($fault) {
            'duplicate', 'duplicate-same-id' => $this->assertGreaterThanOrEqual(2 * self::EACH, $duplicates),
            'late' => $this->assertGreaterThan(0, $duplicates, 'deliveries again reached the other worker while the first worked'),
            'disconnect' => $this->assertSame(2, array_sum(array_column($stats, 'reconnects'))),
            'drop', 'zombie' => $this->assertGreaterThanOrEqual(2, array_sum(array_column($stats, 'failures'))),
        };
    }

    /**
     * Waits until the `$count` messages raised are acknowledged and no delivery awaits its
     * answer (copies and deliveries again included, on every connection still open and not a
     * zombie: a worker answers what it was given before it is stopped); the Stream log then.
     */
    private function settled(int $count): array
    {
        $deadline = microtime(true) + self::PATIENCE;
        while (true) {
            $log = $this->gateway->streamLog(1.0);
            $messages = array_merge($log['events'], $log['callbacks']);
            $live = array_filter($log['connections'], fn ($c) => $c['open'] && !$c['silent']);
            $open = array_column($live, 'id');
            $unanswered = 0;
            foreach ($messages as $message) {
                foreach ($message['deliveries'] as $delivery) {
                    $unanswered += (int) ($delivery['answered_at'] === null && in_array($delivery['connection'], $open, true));
                }
            }
            $done = count($messages) === $count
                && array_filter($messages, fn ($m) => $m['status'] !== 'acknowledged') === []
                && $log['settled'] && $log['duplicates_left'] === 0 && $unanswered === 0;
            if ($done) {
                return $log;
            }
            if (microtime(true) > $deadline) {
                $this->fail('not every message was acknowledged: ' . json_encode($log));
            }
        }
    }
}
