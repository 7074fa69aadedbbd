<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Stream;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * DingTalk\Stream beyond events: topics (bot messages, card callbacks, any CALLBACK path), the
 * acknowledgement of each kind as DingTalk's official SDKs send it, `ack`, `on_state`,
 * `max_failures`, and the gateway's faults one worker meets: a `disconnect` whose connection
 * keeps delivering until it closes, a zombie socket. The real extension against the emulator's
 * gateway over a real WebSocket.
 */
final class StreamCallbacksTest extends TestCase
{
    private static ?Emulator $gateway = null;

    /** Reconnect at once in tests. */
    private const WORKER = ['reconnect_delay' => 0.01, 'max_reconnect_delay' => 0.1];
    /** Every run() is bounded, so a regression fails instead of hanging the suite. */
    private const PATIENCE = 20.0;
    private const BOT = '/v1.0/im/bot/messages/get';
    private const CARD = '/v1.0/card/instances/callback';

    public static function setUpBeforeClass(): void
    {
        self::$gateway = Emulator::start(['--stream-redelivery-delay', '0.3', '--stream-disconnect-grace', '1']);
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

    private function worker(array $options = [], ?Emulator $gateway = null): Stream
    {
        $url = ($gateway ?? $this->gateway())->url();
        $client = new Client(Emulator::DEMO_KEY, Emulator::DEMO_SECRET, ['base_url' => $url, 'api_base_url' => $url]);
        return new Stream($client, $options + self::WORKER);
    }

    /** The log entry of the callback `$id`. */
    private function logged(string $id, ?array $log = null): array
    {
        $log ??= $this->gateway()->streamLog();
        foreach ($log['callbacks'] as $callback) {
            if ($callback['id'] === $id) {
                return $callback;
            }
        }
        $this->fail("callback {$id} is not in the log: " . json_encode($log));
    }

    public function testABotMessageArrivesAsACallbackAndIsAcknowledgedBeforeTheHandler(): void
    {
        $said = $this->gateway()->botSay('manager4711', 'hello robot');
        $gateway = $this->gateway();
        $seen = [];
        $statusMeanwhile = null;
        $handled = $this->worker(['topics' => ['bot']])->run(function (array $event) use (&$seen, &$statusMeanwhile, $gateway, $said): bool {
            $seen[] = $event;
            // `ack` is `early` for bot messages: acknowledged before the handler runs.
            $statusMeanwhile = $this->logged($said['id'], $gateway->streamLog(0))['deliveries'][0]['status'];
            return true;
        }, ['max_events' => 1, 'timeout' => self::PATIENCE]);

        $this->assertSame(1, $handled);
        $this->assertSame('SUCCESS', $statusMeanwhile);
        $event = $seen[0];
        $this->assertSame(['type', 'id', 'topic', 'message_id', 'data'], array_keys($event));
        $this->assertSame('bot_message', $event['type']);
        $this->assertSame(self::BOT, $event['topic']);
        $this->assertSame($said['msgId'], $event['id'], 'a bot message is known by its msgId');
        $this->assertSame('hello robot', $event['data']['text']['content']);
        $this->assertSame($said['sessionWebhook'], $event['data']['sessionWebhook']);
        $this->assertSame($said['conversationId'], $event['data']['conversationId']);
        $this->assertSame('1', $event['data']['conversationType']);

        $log = $this->gateway()->streamLog();
        $delivery = $this->logged($said['id'], $log)['deliveries'][0];
        $this->assertSame($event['message_id'], $delivery['messageId']);
        // Exactly what DingTalk's protocol page shows, and the Node SDK sends, for a bot message.
        $this->assertSame(
            '{"code":200,"headers":{"messageId":"' . $event['message_id'] . '","contentType":"application/json"},"message":"OK","data":"{\"response\":null}"}',
            $delivery['answer']
        );
        // Only what was asked for: the subscriptions of the ticket.
        $this->assertSame([['type' => 'CALLBACK', 'topic' => self::BOT]], $log['connections'][0]['subscriptions']);
    }

    public function testOnlyTheTopicsSubscribedToArrive(): void
    {
        $gateway = $this->gateway();
        $eventId = $gateway->push('todo_task_update', ['taskId' => 't1'])['eventId'];
        $card = $gateway->streamCallback(self::CARD, ['outTrackId' => 'card-1', 'userId' => 'manager4711']);
        $custom = $gateway->streamCallback('/v1.0/graph/api/invoke', ['q' => 1]);
        $types = [];
        $this->worker(['topics' => ['events', 'card', '/v1.0/graph/api/invoke']])->run(function (array $event) use (&$types): void {
            $types[$event['type']] = $event;
        }, ['max_events' => 3, 'timeout' => self::PATIENCE]);

        $this->assertSame(['todo_task_update', 'card_callback', '/v1.0/graph/api/invoke'], array_keys($types));
        $this->assertSame($eventId, $types['todo_task_update']['id']);
        $this->assertSame(['outTrackId' => 'card-1', 'userId' => 'manager4711'], $types['card_callback']['data']);
        $this->assertSame($card, $this->logged($card)['id']);
        $this->assertSame('/v1.0/graph/api/invoke', $types['/v1.0/graph/api/invoke']['topic']);
        $this->assertSame(['q' => 1], $types['/v1.0/graph/api/invoke']['data']);
        $this->assertSame('acknowledged', $this->logged($custom)['status']);
        $subscriptions = $this->gateway()->streamLog()['connections'][0]['subscriptions'];
        $this->assertSame([
            ['type' => 'EVENT', 'topic' => '*'],
            ['type' => 'CALLBACK', 'topic' => self::CARD],
            ['type' => 'CALLBACK', 'topic' => '/v1.0/graph/api/invoke'],
        ], $subscriptions);
    }

    /** An array returned for a callback is its `response`: a card callback's updates the card. */
    public function testAnArrayReturnedForACallbackIsItsResponse(): void
    {
        $id = $this->gateway()->streamCallback(self::CARD, ['outTrackId' => 'card-2']);
        $this->worker(['topics' => ['card']])->run(
            fn (array $event): array => ['cardData' => ['cardParamMap' => ['status' => 'approved']]],
            ['max_events' => 1, 'timeout' => self::PATIENCE]
        );
        $delivery = $this->logged($id)['deliveries'][0];
        $this->assertSame('SUCCESS', $delivery['status']);
        $answer = json_decode($delivery['answer'], true);
        $this->assertSame(200, $answer['code']);
        $this->assertSame(
            ['response' => ['cardData' => ['cardParamMap' => ['status' => 'approved']]]],
            json_decode($answer['data'], true)
        );
    }

    /**
     * A callback not handled (`false`, or a throwable) is answered code 500 `internal error`
     * once its handler returned (`ack` `after`), and a gateway that delivers it again gets it
     * handled.
     */
    public function testACallbackNotHandledIsAnsweredAsAFailure(): void
    {
        $id = $this->gateway()->streamCallback('/v1.0/custom/topic', ['n' => 1]);
        $calls = 0;
        $statusMeanwhile = [];
        $gateway = $this->gateway();
        $handled = $this->worker(['topics' => ['/v1.0/custom/topic'], 'ack' => 'after'])->run(
            function (array $event) use (&$calls, &$statusMeanwhile, $gateway, $id): bool {
                $statusMeanwhile[] = end($this->logged($id, $gateway->streamLog(0))['deliveries'])['status'];
                return ++$calls > 1;
            },
            ['max_events' => 2, 'timeout' => self::PATIENCE]
        );
        $this->assertSame(2, $handled);
        $this->assertSame([null, null], $statusMeanwhile, 'acknowledged after the handler');
        $deliveries = $this->logged($id)['deliveries'];
        $this->assertCount(2, $deliveries);
        $first = json_decode($deliveries[0]['answer'], true);
        $this->assertSame(500, $first['code']);
        $this->assertSame('internal error', $first['message']);
        $this->assertSame('SUCCESS', $deliveries[1]['status']);
    }

    public function testOnStateTellsEachChangeOfTheConnection(): void
    {
        $gateway = $this->gateway();
        $first = $gateway->push('todo_task_update', ['n' => 1])['eventId'];
        $states = [];
        $stream = $this->worker(['on_state' => function (string $state, array $info) use (&$states): void {
            $states[] = [$state, $info];
        }]);
        $ids = [];
        $second = null;
        $stream->run(function (array $event) use (&$ids, &$second, $gateway): void {
            $ids[] = $event['id'];
            if (count($ids) === 1) {
                // Dropped: the acknowledgement is lost; the worker reconnects.
                $this->assertSame(1, $gateway->streamDrop());
                $second = $gateway->push('todo_task_update', ['n' => 2])['eventId'];
            }
        }, ['max_events' => 2, 'timeout' => self::PATIENCE]);

        $this->assertSame([$first, $second], $ids, 'the first is delivered again, and only acknowledged');
        $names = array_column($states, 0);
        $this->assertSame(
            ['connecting', 'connected', 'disconnected', 'retrying', 'connecting', 'connected', 'disconnected'],
            $names,
            json_encode($states)
        );
        $this->assertSame(['attempt' => 1], $states[0][1]);
        $this->assertSame(['attempt' => 1, 'host' => '127.0.0.1'], $states[1][1]);
        $this->assertSame(['reason', 'draining'], array_keys($states[2][1]));
        $this->assertNotSame('the worker closed the connection', $states[2][1]['reason']);
        $this->assertFalse($states[2][1]['draining']);
        $retrying = $states[3][1];
        $this->assertSame(['attempt', 'pause', 'reason'], array_keys($retrying));
        $this->assertSame(1, $retrying['attempt'], 'the connection had worked: a new count');
        $this->assertSame($states[2][1]['reason'], $retrying['reason']);
        $this->assertIsFloat($retrying['pause']);
        $this->assertLessThanOrEqual(0.01, $retrying['pause']);
        $this->assertSame(['attempt' => 1], $states[4][1]);
        $this->assertSame(['reason' => 'the worker closed the connection', 'draining' => false], $states[6][1]);
        $stats = $stream->stats();
        $this->assertSame(['tickets', 'connections', 'reconnects', 'failures', 'deliveries', 'duplicates', 'last_failure'], array_keys($stats));
        $this->assertSame(2, $stats['connections']);
        $this->assertSame(1, $stats['reconnects']);
        $this->assertSame(1, $stats['failures']);
        $this->assertSame($states[2][1]['reason'], $stats['last_failure']);
        $this->assertSame(3, $stats['deliveries'], 'the first, its delivery again, the second');
        $this->assertSame(1, $stats['duplicates'], 'handled once: its second delivery only acknowledged');
    }

    public function testMaxFailuresEndsRunWithTheLastCause(): void
    {
        $this->gateway()->refuseTickets(10);
        $states = [];
        $stream = $this->worker(['max_failures' => 3, 'on_state' => function (string $state, array $info) use (&$states): void {
            $states[] = $state . (isset($info['attempt']) ? " {$info['attempt']}" : '');
        }]);
        $e = $this->throws(TransportException::class, fn () => $stream->run(fn (array $e) => true, ['timeout' => self::PATIENCE]));
        $this->assertStringContainsString('3 connection attempts in a row failed (options[max_failures] is 3)', $e->getMessage());
        $this->assertStringContainsString('the gateway refused the connection (HTTP 401)', $e->getMessage());
        $this->assertSame(['connecting 1', 'retrying 2', 'connecting 2', 'retrying 3', 'connecting 3'], $states);
        $this->assertSame(3, $stream->stats()['failures']);
        $this->assertSame(3, $this->gateway()->streamLog(0)['tickets']['refused']);
    }

    /**
     * A `disconnect` opens the next connection at once while the old one is read until the
     * gateway closes it: what the gateway sends over the old one meanwhile is handled too.
     */
    public function testAfterDisconnectTheOldConnectionIsReadUntilItCloses(): void
    {
        $gateway = $this->gateway();
        $first = $gateway->push('todo_task_update', ['n' => 0])['eventId'];
        $raised = [];
        $ids = [];
        $states = [];
        $stream = $this->worker(['on_state' => function (string $state, array $info) use (&$states): void {
            $states[] = $state . (isset($info['draining']) && $info['draining'] ? ' (draining)' : '');
        }]);
        $open = [];
        $stream->run(function (array $event) use (&$ids, &$raised, &$open, &$stream, $gateway): bool {
            $ids[] = $event['id'];
            $open[$event['id']] = $stream->stats()['connections'];
            if (count($ids) === 1) {
                // The old connection keeps getting messages for 1.5 s after its disconnect.
                $this->assertSame(1, $gateway->streamDisconnectWith(1.5, true));
                for ($n = 1; $n <= 3; $n++) {
                    $raised[] = $gateway->push('todo_task_update', ['n' => $n])['eventId'];
                }
            }
            return true;
        }, ['max_events' => 4, 'timeout' => self::PATIENCE]);

        $this->assertSame(array_merge([$first], $raised), $ids);
        $log = $gateway->streamLog();
        $this->assertCount(2, $log['connections']);
        $old = $log['connections'][0];
        $this->assertTrue($old['disconnect_sent']);
        $overOld = 0;
        foreach (array_slice($log['events'], 1) as $event) {
            $this->assertSame('acknowledged', $event['status']);
            // Each acknowledged over the connection that brought it.
            $delivery = end($event['deliveries']);
            $this->assertSame('SUCCESS', $delivery['status']);
            if ($delivery['connection'] === $old['id']) {
                $overOld++;
                // The next connection was open already when the old one brought it.
                $this->assertSame(2, $open[$event['eventId']]);
            }
        }
        $this->assertGreaterThan(0, $overOld, 'messages came over the old connection after its disconnect');
        $this->assertSame(['connecting', 'connected', 'disconnected (draining)', 'connecting', 'connected', 'disconnected'], $states);
        $this->assertSame(1, $stream->stats()['reconnects']);
    }

    /** A gateway that keeps the TCP connection open and says nothing (no frame, no ping, no pong) is dead. */
    public function testAZombieConnectionIsReplaced(): void
    {
        $gateway = $this->gateway();
        $gateway->push('todo_task_update', ['n' => 1]);
        $ids = [];
        $reasons = [];
        $stream = $this->worker(['keepalive' => 1.0, 'on_state' => function (string $state, array $info) use (&$reasons): void {
            if ($state === 'disconnected') {
                $reasons[] = $info['reason'];
            }
        }]);
        $second = null;
        $stream->run(function (array $event) use (&$ids, &$second, $gateway): bool {
            $ids[] = $event['id'];
            if (count($ids) === 1) {
                $this->assertSame(1, $gateway->streamSilence());
                $second = $gateway->push('todo_task_update', ['n' => 2])['eventId'];
            }
            return true;
        }, ['max_events' => 2, 'timeout' => self::PATIENCE]);

        $this->assertCount(2, $ids);
        $this->assertSame($second, $ids[1]);
        $this->assertMatchesRegularExpression('~^the gateway sent nothing for [0-9.]+ s \(options\[keepalive\]\)$~', $reasons[0]);
        $log = $gateway->streamLog();
        $this->assertTrue($log['connections'][0]['silent']);
        $this->assertCount(2, $log['connections']);
    }

    /**
     * @return array<string, array{0: array, 1: class-string, 2: string}>
     */
    public static function badOptions(): array
    {
        return [
            'unknown topic' => [['topics' => ['events', 'bots']], \ValueError::class, '($options[topics]) must name topics: "events", "bot", "card" or a callback topic\'s path starting with /; "bots" given'],
            'no topic' => [['topics' => []], \ValueError::class, '($options[topics]) must name at least one topic'],
            'topics not a list' => [['topics' => 'bot'], \TypeError::class, '($options[topics]) must be of type array, string given'],
            'topic not a string' => [['topics' => ['bot', 7]], \TypeError::class, '($options[topics][1]) must be of type string, int given'],
            'negative dedupe' => [['dedupe' => -1], \ValueError::class, '($options[dedupe])'],
            'bad ack' => [['ack' => 'late'], \ValueError::class, '($options[ack]) must be "early" or "after", "late" given'],
            'zero max_failures' => [['max_failures' => 0], \ValueError::class, '($options[max_failures]) must be from 1 to 1000000, 0 given'],
            'on_state not callable' => [['on_state' => 'no_such_function'], \TypeError::class, '($options[on_state]) must be of type callable, string given'],
        ];
    }

    /**
     * @dataProvider badOptions
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badOptions')]
    public function testOptionsAreCheckedBeforeAnyRequest(array $options, string $class, string $needle): void
    {
        $e = $this->throws($class, fn () => $this->worker($options)->run(fn (array $e) => true, ['timeout' => 1.0]));
        $this->assertStringContainsString($needle, $e->getMessage());
        $this->assertSame(0, $this->gateway()->streamLog(0)['tickets']['issued']);
    }
}
