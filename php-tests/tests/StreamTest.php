<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\Stream;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\Process;
use DingTalk\Tests\Support\TestCase;
use RuntimeException;

/**
 * DingTalk\Stream end to end: the real extension against the emulator's gateway over a real
 * WebSocket. Events are raised with the emulator's push control call; control calls made from
 * inside $onEvent (drop, disconnect) change the connection while the worker runs.
 */
final class StreamTest extends TestCase
{
    private static ?Emulator $gateway = null;

    /** Reconnect at once in tests. */
    private const WORKER = ['reconnect_delay' => 0.01, 'max_reconnect_delay' => 0.1];
    /** Every run() is bounded, so a regression fails instead of hanging the suite. */
    private const PATIENCE = 20.0;

    public static function setUpBeforeClass(): void
    {
        self::$gateway = Emulator::start(['--stream-redelivery-delay', '0.1']);
    }

    public static function tearDownAfterClass(): void
    {
        self::$gateway?->stop();
        self::$gateway = null;
    }

    protected function setUp(): void
    {
        parent::setUp();
        $this->gateway()->reset();
    }

    private function gateway(): Emulator
    {
        if (self::$gateway === null) {
            self::fail('the gateway emulator did not start');
        }
        return self::$gateway;
    }

    private function streamClient(?string $secret = null): Client
    {
        $url = $this->gateway()->url();
        return new Client(Emulator::DEMO_KEY, $secret ?? Emulator::DEMO_SECRET, ['base_url' => $url, 'api_base_url' => $url]);
    }

    private function worker(array $options = []): Stream
    {
        return new Stream($this->streamClient(), $options + self::WORKER);
    }

    /** Raises an event; its eventId. */
    private function raise(string $type = 'todo_task_update', array $data = ['taskId' => 't1']): string
    {
        return $this->gateway()->push($type, $data)['eventId'];
    }

    /** @return list<?string> the status of each delivery of the event `$id` */
    private function deliveries(array $log, string $id): array
    {
        foreach ($log['events'] as $event) {
            if ($event['eventId'] === $id) {
                return array_column($event['deliveries'], 'status');
            }
        }
        $this->fail("event {$id} is not in the log: " . json_encode($log));
    }

    public function testEventsArriveInOrderAndAreAcknowledged(): void
    {
        $ids = [$this->raise('todo_task_create'), $this->raise('todo_task_update'), $this->raise('todo_task_delete')];
        $seen = [];
        $handled = $this->worker()->run(function (array $event) use (&$seen): bool {
            $seen[] = $event;
            return true;
        }, ['max_events' => 3, 'timeout' => self::PATIENCE]);

        $this->assertSame(3, $handled);
        $this->assertSame($ids, array_column($seen, 'id'));
        $this->assertSame(['todo_task_create', 'todo_task_update', 'todo_task_delete'], array_column($seen, 'type'));
        $this->assertSame(
            ['type', 'id', 'born_time', 'corp_id', 'topic', 'message_id', 'unified_app_id', 'data'],
            array_keys($seen[0])
        );
        $this->assertSame(['taskId' => 't1'], $seen[0]['data']);
        $this->assertSame('dingemulatorcorp', $seen[0]['corp_id']);
        $this->assertIsInt($seen[0]['born_time']);
        $log = $this->gateway()->streamLog();
        foreach ($ids as $id) {
            $this->assertSame(['SUCCESS'], $this->deliveries($log, $id));
        }
        $this->assertSame(1, $log['tickets']['issued']);
    }

    public function testToDoChangesArriveAsEvents(): void
    {
        $url = $this->gateway()->url();
        $client = $this->streamClient();
        $task = $client->todos()->create('union-boss', ['subject' => 'Stream me']);
        $seen = [];
        (new Stream($client, self::WORKER))->run(function (array $event) use (&$seen): void {
            $seen[] = $event;
        }, ['max_events' => 1, 'timeout' => self::PATIENCE]);
        $this->assertSame('todo_task_create', $seen[0]['type'], $url);
        // DingTalk's to-do events name the task and everyone on it, nothing more: an app
        // reads the task with the to-do API.
        $this->assertSame(['taskId' => $task['id'], 'unionIdList' => ['union-boss']], $seen[0]['data']);
    }

    public function testTheExampleWorkerPrintsToDoEvents(): void
    {
        $task = $this->streamClient()->todos()->create('union-boss', ['subject' => 'Printed']);
        $env = getenv() + [
            'DINGTALK_APP_KEY' => Emulator::DEMO_KEY,
            'DINGTALK_APP_SECRET' => Emulator::DEMO_SECRET,
            'DINGTALK_ENDPOINT' => $this->gateway()->url(),
            'DINGTALK_MAX_EVENTS' => '1',
            'DINGTALK_TIMEOUT' => (string) self::PATIENCE,
        ];
        [$status, $out, $err] = Process::run(
            [PHP_BINARY, '-n', '-d', 'extension=' . self::extensionPath(), dirname(__DIR__, 2) . '/examples/stream-worker.php'],
            self::PATIENCE + 10,
            $env
        );
        $this->assertSame(0, $status, $err);
        $this->assertMatchesRegularExpression('~^\S+ create task ' . preg_quote($task['id'], '~') . ' "Printed"\n$~', $out);
        $this->assertStringContainsString('stopped after 1 events', $err);
        $this->assertStringContainsString("stream-worker: info: DingTalk Stream connected to 127.0.0.1\n", $err, 'its logger');
        $this->assertStringContainsString("stream-worker: info: DingTalk Stream disconnected: the worker closed the connection\n", $err);
    }

    public function testFalseAcknowledgesLaterAndTheEventComesAgain(): void
    {
        $id = $this->raise();
        $calls = 0;
        $handled = $this->worker()->run(function (array $event) use (&$calls, $id): bool {
            $this->assertSame($id, $event['id']);
            return ++$calls > 1;
        }, ['max_events' => 2, 'timeout' => self::PATIENCE]);
        $this->assertSame(2, $handled);
        $this->assertSame(['LATER', 'SUCCESS'], $this->deliveries($this->gateway()->streamLog(), $id));
    }

    public function testADroppedConnectionIsReconnectedWithANewTicketAndTheEventDeliveredAgain(): void
    {
        $id = $this->raise();
        $gateway = $this->gateway();
        $ids = [];
        // Without deduplication, the handler sees the delivery again.
        $this->worker(['dedupe' => 0])->run(function (array $event) use (&$ids, $gateway): bool {
            $ids[] = $event['id'];
            if (count($ids) === 1) {
                // The acknowledgement of this event will not arrive.
                $this->assertSame(1, $gateway->streamDrop());
            }
            return true;
        }, ['max_events' => 2, 'timeout' => self::PATIENCE]);
        $this->assertSame([$id, $id], $ids);
        $log = $gateway->streamLog();
        $this->assertCount(2, $log['connections']);
        $this->assertNotSame($log['connections'][0]['ticket'], $log['connections'][1]['ticket']);
        $this->assertSame(2, $log['tickets']['issued']);
        $this->assertSame('acknowledged', $log['events'][0]['status']);
    }

    public function testDisconnectIsFollowedByANewTicket(): void
    {
        $first = $this->raise();
        $second = null;
        $gateway = $this->gateway();
        $ids = [];
        $this->worker()->run(function (array $event) use (&$ids, &$second, $gateway): bool {
            $ids[] = $event['id'];
            if (count($ids) === 1) {
                $this->assertSame(1, $gateway->streamDisconnect());
                // Raised after the disconnect: delivered over the next connection only.
                $second = $this->raise();
            }
            return true;
        }, ['max_events' => 2, 'timeout' => self::PATIENCE]);
        $this->assertSame([$first, $second], $ids);
        // The old connection was read until run() ended (the gateway would have closed it after
        // its grace), then closed with the new one: the emulator sees the closes as soon as its
        // side of the sockets reads them.
        $deadline = microtime(true) + self::PATIENCE;
        while (($log = $gateway->streamLog())['connections'][0]['open'] && microtime(true) < $deadline) {
            usleep(20_000);
        }
        $this->assertSame(2, $log['tickets']['issued']);
        $this->assertSame('client closed', $log['connections'][0]['close_reason']);
    }

    public function testARefusedTicketIsFollowedByANewOne(): void
    {
        $this->gateway()->refuseTickets(2);
        $id = $this->raise();
        $ids = [];
        $this->worker()->run(function (array $event) use (&$ids): void {
            $ids[] = $event['id'];
        }, ['max_events' => 1, 'timeout' => self::PATIENCE]);
        $this->assertSame([$id], $ids);
        $this->assertSame(['issued' => 3, 'refused' => 2], $this->gateway()->streamLog()['tickets']);
    }

    public function testTimeoutEndsAnIdleRun(): void
    {
        $stream = $this->worker();
        $this->assertSame(0, $stream->run(fn (array $event) => true, ['timeout' => 0.3]));
        // The connection was closed when run() returned: the emulator sees the close as soon as
        // its side of the socket reads it, which a loaded machine may take a moment to do.
        $deadline = microtime(true) + self::PATIENCE;
        while (($log = $this->gateway()->streamLog())['open'] !== 0 && microtime(true) < $deadline) {
            usleep(20_000);
        }
        $this->assertCount(1, $log['connections']);
        $this->assertSame(0, $log['open']);
    }

    /**
     * run()'s `timeout` bounds connecting too: a ticket request the gateway never answers ends
     * with the run, not with the client's longer `timeout`.
     */
    public function testTimeoutEndsARunWhoseTicketRequestIsNeverAnswered(): void
    {
        $this->gateway()->faults([['path' => '/v1.0/gateway/connections/open', 'delay_ms' => 60_000]]);
        $url = $this->gateway()->url();
        $client = new Client(Emulator::DEMO_KEY, Emulator::DEMO_SECRET, ['base_url' => $url, 'api_base_url' => $url, 'timeout' => 30.0]);
        $start = microtime(true);
        $handled = (new Stream($client, self::WORKER))->run(fn (array $event) => true, ['timeout' => 1.0]);
        $elapsed = microtime(true) - $start;
        $this->assertSame(0, $handled);
        // Sanity bound against hanging: the client alone would wait 30 s for the ticket.
        $this->assertLessThan(10.0, $elapsed, 'run() returned at its own timeout');
        $this->gateway()->clearFaults();
    }

    /**
     * The keepalive clock runs only while the worker listens: a handler slower than
     * `keepalive` does not make it declare a healthy connection dead (and pay a new ticket).
     */
    public function testAHandlerSlowerThanKeepaliveKeepsTheConnection(): void
    {
        // A gateway of this test's own that waits long before delivering an event again, so
        // each event is delivered once however slow the handler.
        $gateway = $this->startEmulator(['--stream-redelivery-delay', '60']);
        $ids = [];
        foreach ([1, 2, 3] as $n) {
            $ids[] = $gateway->push('todo_task_update', ['n' => $n])['eventId'];
        }
        $url = $gateway->url();
        $client = new Client(Emulator::DEMO_KEY, Emulator::DEMO_SECRET, ['base_url' => $url, 'api_base_url' => $url]);
        $seen = [];
        $handled = (new Stream($client, ['keepalive' => 0.3] + self::WORKER))->run(function (array $event) use (&$seen): bool {
            $seen[] = $event['id'];
            usleep(700_000);
            return true;
        }, ['max_events' => 3, 'timeout' => self::PATIENCE]);
        $this->assertSame(3, $handled);
        $this->assertSame($ids, $seen);
        $log = $gateway->streamLog();
        $this->assertSame(1, $log['tickets']['issued'], 'one connection for all three events');
        foreach ($ids as $id) {
            $this->assertSame(['SUCCESS'], $this->deliveries($log, $id));
        }
    }

    public function testStopEndsRunAfterTheAcknowledgement(): void
    {
        $first = $this->raise();
        $second = $this->raise();
        $stream = $this->worker();
        $handled = $stream->run(function (array $event) use ($stream): bool {
            $stream->stop();
            return true;
        }, ['timeout' => self::PATIENCE]);
        $this->assertSame(1, $handled);
        $this->assertSame(['SUCCESS'], $this->deliveries($this->gateway()->streamLog(), $first));
        // The next run picks up where this one stopped.
        $ids = [];
        $stream->run(function (array $event) use (&$ids): void {
            $ids[] = $event['id'];
        }, ['max_events' => 1, 'timeout' => self::PATIENCE]);
        $this->assertSame([$second], $ids);
    }

    public function testAnExceptionIsRethrownAfterALater(): void
    {
        $id = $this->raise();
        $thrown = new RuntimeException('handler failed');
        try {
            $this->worker()->run(function (array $event) use ($thrown): void {
                throw $thrown;
            }, ['timeout' => self::PATIENCE]);
            $this->fail('run() returned');
        } catch (RuntimeException $e) {
            $this->assertSame($thrown, $e);
        }
        $this->assertSame(['LATER'], $this->deliveries($this->gateway()->streamLog(), $id));
    }

    public function testOnErrorContinueKeepsTheWorkerRunning(): void
    {
        $id = $this->raise();
        $calls = 0;
        $handled = $this->worker()->run(function (array $event) use (&$calls): bool {
            if (++$calls === 1) {
                throw new RuntimeException('first try fails');
            }
            return true;
        }, ['max_events' => 2, 'timeout' => self::PATIENCE, 'on_error' => 'continue']);
        $this->assertSame(2, $handled);
        $this->assertSame(['LATER', 'SUCCESS'], $this->deliveries($this->gateway()->streamLog(), $id));
    }

    public function testSigtermEndsAWorkerCleanlyAfterTheCurrentEvent(): void
    {
        $url = $this->gateway()->url();
        $script = <<<'PHP'
<?php
[, $url] = $argv;
$client = new DingTalk\Client('demo_app_key', 'demo_app_secret', ['base_url' => $url, 'api_base_url' => $url]);
$stream = new DingTalk\Stream($client, ['reconnect_delay' => 0.01]);
$handled = $stream->run(function (array $event): bool {
    echo "event {$event['id']}\n";
    fgets(STDIN); // the test sends SIGTERM, then a line
    return true;
}, ['timeout' => 60]);
echo "stopped after {$handled}\n";
PHP;
        $file = tempnam(sys_get_temp_dir(), 'dingtalk-worker-');
        file_put_contents($file, $script);
        $pipes = [];
        $process = proc_open(
            [PHP_BINARY, '-n', '-d', 'extension=' . self::extensionPath(), $file, $url],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes
        );
        $this->assertIsResource($process);
        try {
            $id = $this->raise();
            $line = $this->readLine($pipes[1]);
            $this->assertSame("event {$id}", $line);
            proc_terminate($process, SIGTERM);
            fwrite($pipes[0], "go\n");
            fclose($pipes[0]);
            $rest = stream_get_contents($pipes[1]);
            $errors = stream_get_contents($pipes[2]);
        } finally {
            $status = proc_close($process);
            unlink($file);
        }
        $this->assertSame("stopped after 1\n", $rest, $errors);
        $this->assertSame(0, $status, $errors);
        $this->assertSame(['SUCCESS'], $this->deliveries($this->gateway()->streamLog(), $id));
    }

    public function testTheScriptsOwnSignalHandlerRunsBetweenFramesAndMayStopTheWorker(): void
    {
        if (!function_exists('pcntl_signal') || !function_exists('posix_kill')) {
            $this->markTestSkipped('needs pcntl and posix');
        }
        $stream = $this->worker();
        $previous = pcntl_signal_get_handler(SIGTERM);
        $async = pcntl_async_signals(false);
        $ran = false;
        try {
            pcntl_signal(SIGTERM, function () use ($stream, &$ran): void {
                $ran = true;
                $stream->stop();
            });
            posix_kill(getmypid(), SIGTERM);
            $handled = $stream->run(fn (array $event) => true, ['timeout' => self::PATIENCE]);
            // Without async signals, only run()'s own dispatch can have run the handler.
            $this->assertTrue($ran);
            $this->assertSame(0, $handled);
        } finally {
            pcntl_signal(SIGTERM, $previous);
            pcntl_async_signals($async);
        }
    }

    /** The next line of `$pipe`, waiting at most PATIENCE seconds. */
    private function readLine($pipe): string
    {
        $deadline = microtime(true) + self::PATIENCE;
        $line = '';
        stream_set_blocking($pipe, false);
        while (!str_ends_with($line, "\n")) {
            $left = $deadline - microtime(true);
            $this->assertGreaterThan(0, $left, "no line from the worker, got: {$line}");
            $read = [$pipe];
            $write = $except = null;
            if (stream_select($read, $write, $except, 0, (int) min(200_000, $left * 1e6)) > 0) {
                $chunk = fgets($pipe);
                if ($chunk === false && feof($pipe)) {
                    $this->fail("the worker ended, output: {$line}");
                }
                $line .= (string) $chunk;
            }
        }
        stream_set_blocking($pipe, true);
        return rtrim($line, "\n");
    }

    public function testWrongCredentialsEndRunWithAnAuthenticationException(): void
    {
        $secret = 'wrong-secret-7c1d';
        $stream = new Stream($this->streamClient($secret), self::WORKER);
        $e = $this->throws(AuthenticationException::class, fn () => $stream->run(fn (array $e) => true, ['timeout' => self::PATIENCE]));
        $this->assertStringContainsString('invalidClientIdOrSecret', $e->getMessage());
        $this->assertStringNotContainsString($secret, $e->getMessage());
        $this->assertStringNotContainsString($secret, $e->getTraceAsString());
    }

    /**
     * @return array<string, array{0: array, 1: array, 2: class-string, 3: string}>
     */
    public static function badOptions(): array
    {
        return [
            'unknown worker option' => [['keepalive_s' => 1], [], \ValueError::class, 'Argument #2 ($options) has an unknown key "keepalive_s"'],
            'zero keepalive' => [['keepalive' => 0], [], \ValueError::class, '($options[keepalive])'],
            'negative reconnect_delay' => [['reconnect_delay' => -1], [], \ValueError::class, '($options[reconnect_delay])'],
            'tiny max_frame_bytes' => [['max_frame_bytes' => 10], [], \ValueError::class, '($options[max_frame_bytes])'],
            'string keepalive' => [['keepalive' => 'soon'], [], \TypeError::class, '($options[keepalive])'],
            'unknown run option' => [[], ['max' => 1], \ValueError::class, 'has an unknown key "max"'],
            'zero max_events' => [[], ['max_events' => 0], \ValueError::class, '($options[max_events]) must be 1 or more'],
            'float max_events' => [[], ['max_events' => 1.5], \TypeError::class, '($options[max_events])'],
            'negative timeout' => [[], ['timeout' => -1], \ValueError::class, '($options[timeout])'],
            'NAN timeout' => [[], ['timeout' => NAN], \ValueError::class, '($options[timeout])'],
            'bad on_error' => [[], ['on_error' => 'ignore'], \ValueError::class, '($options[on_error]) must be "throw" or "continue"'],
        ];
    }

    /**
     * @dataProvider badOptions
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badOptions')]
    public function testOptionsAreCheckedBeforeAnyRequest(array $worker, array $run, string $class, string $needle): void
    {
        $e = $this->throws($class, function () use ($worker, $run): void {
            (new Stream($this->streamClient(), $worker))->run(fn (array $e) => true, $run);
        });
        $this->assertStringContainsString($needle, $e->getMessage());
        $this->assertSame(0, $this->gateway()->streamLog(0)['tickets']['issued']);
    }

    public function testRunIsNotReentrant(): void
    {
        $this->raise();
        $stream = $this->worker();
        $e = $this->throws(\Error::class, function () use ($stream): void {
            $stream->run(fn (array $e) => $stream->run(fn (array $e) => true), ['timeout' => self::PATIENCE]);
        });
        $this->assertStringContainsString('already running', $e->getMessage());
    }
}
