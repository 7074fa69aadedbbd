<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\Fleet;
use DingTalk\Tests\Support\TestCase;

/**
 * A chatbot as it runs: a real worker process (`DingTalk\Stream` with the `bot` and `card`
 * topics) against the emulator's gateway, answering what users write with `Bot::reply()` — 1:1
 * and in a group, through the session webhook and, once it expired, through the robot API —
 * and with cards (`Bot::card()`) streamed into from an AI-like generator and pressed by users.
 */
final class ChatbotTest extends TestCase
{
    /** Seconds a worker may run, and a test waits for its output (a sanity bound, not a speed). */
    private const PATIENCE = 60.0;
    private const SESSION = '/robot/sendBySession';
    private const TO_USERS = '/v1.0/robot/oToMessages/batchSend';
    private const TO_GROUP = '/v1.0/robot/groupMessages/send';
    private const STREAMING = '/v1.0/card/streaming';

    /**
     * The worker: `$argv` = [url, mode, events]. Prints `ready` once connected, then one JSON
     * line per event it handled (`{"type", ...what it did}`, or `{"error", "class"}`).
     * Modes: `echo` replies "echo: <text>" mentioning the writer; `forgotten` does so with a
     * session webhook whose session DingTalk no longer knows (a live-looking URL it refuses); `card`
     * answers in a card streamed from 2,000 tokens and answers a button press by updating it.
     */
    private const WORKER = <<<'PHP'
        [, $url, $mode, $events] = $argv;
        $client = new DingTalk\Client('demo_app_key', 'demo_app_secret', ['endpoint' => $url]);
        $bot = new DingTalk\Bot($client);
        $ready = false;
        $stream = new DingTalk\Stream($client, [
            'topics' => ['bot', 'card'],
            'reconnect_delay' => 0.01,
            'on_state' => function (string $state) use (&$ready): void {
                if ($state === 'connected' && !$ready) {
                    $ready = true;
                    fleet_ready();
                }
            },
        ]);
        /** An AI answer: 2,000 tokens, a millisecond apart (faster than any model writes). */
        function tokens(int $count): Generator
        {
            for ($n = 0; $n < $count; $n++) {
                usleep(1000);
                yield "t{$n} ";
            }
        }
        $say = function (array $line): void {
            echo json_encode($line), "\n";
            fflush(STDOUT);
        };
        $stream->run(function (array $event) use ($bot, $mode, $say) {
            try {
                if ($event['type'] === 'card_callback') {
                    $content = json_decode($event['data']['content'], true);
                    $say(['type' => 'card_callback', 'outTrackId' => $event['data']['outTrackId'], 'user' => $event['data']['userId'], 'actions' => $content['cardPrivateData']['actionIds']]);
                    // The fields given, merged into the card's (the others keep their values).
                    return ['cardData' => ['cardParamMap' => ['status' => 'approved by ' . $event['data']['userId']]],
                            'cardUpdateOptions' => ['updateCardDataByKey' => true]];
                }
                $data = $event['data'];
                $text = trim($data['text']['content']);
                if ($mode === 'card') {
                    $card = $bot->card($event, 'ai-answer.schema', ['flowStatus' => 1, 'status' => 'writing']);
                    $started = hrtime(true);
                    $answer = '';
                    foreach (tokens(2000) as $token) {
                        $answer .= $token;
                        $card->stream('content', $answer);
                    }
                    $card->stream('content', $answer . "({$text})", true);
                    $say(['type' => 'card', 'outTrackId' => $card->outTrackId(), 'content' => $answer . "({$text})",
                          'seconds' => (hrtime(true) - $started) / 1e9, 'deliveries' => $card->deliveries()]);
                    return true;
                }
                if ($mode === 'forgotten') {
                    $event['data']['sessionWebhook'] = preg_replace('~session=[^&]+~', 'session=forgotten', $data['sessionWebhook']);
                }
                $bot->reply($event, ['msgtype' => 'text', 'text' => ['content' => "echo: {$text}"],
                                     'at' => ['atUserIds' => [$data['senderStaffId']]]]);
                $say(['type' => 'replied', 'msgId' => $data['msgId']]);
            } catch (DingTalk\Exception $e) {
                $say(['type' => 'error', 'class' => get_class($e), 'message' => $e->getMessage()]);
            }
            return true;
        }, ['max_events' => (int) $events, 'timeout' => 60]);
        PHP;

    /** Starts one worker for `$events` events and waits until it is connected. */
    private function worker(Emulator $emulator, string $mode, int $events): Fleet
    {
        $fleet = Fleet::start(self::WORKER, [[$emulator->url(), $mode, (string) $events]]);
        $fleet->waitReady(self::PATIENCE);
        return $fleet;
    }

    /** The worker's JSON lines once it ended (it ends after its events). */
    private function lines(Fleet $fleet): array
    {
        [[$status, $out, $err]] = $fleet->finish(self::PATIENCE);
        $this->assertSame(0, $status, $err);
        $this->assertStringNotContainsString('demo_app_secret', $out . $err);
        $lines = array_map(fn ($l) => json_decode($l, true), array_filter(explode("\n", $out), fn ($l) => str_starts_with($l, '{')));
        return array_values($lines);
    }

    /** Waits until the worker printed a line of `$type`; that line. */
    private function awaitLine(Fleet $fleet, string $type): array
    {
        $deadline = microtime(true) + self::PATIENCE;
        while (microtime(true) < $deadline) {
            foreach (explode("\n", $fleet->outputOf(0)) as $line) {
                $decoded = json_decode($line, true);
                if (is_array($decoded) && ($decoded['type'] ?? null) === $type) {
                    return $decoded;
                }
            }
            usleep(5_000);
        }
        $this->fail("the worker printed no {$type} line: " . $fleet->outputOf(0));
    }

    /** `[message text, at]` of each delivery, by recipient. */
    private static function delivered(array $messages): array
    {
        $seen = [];
        foreach ($messages as $m) {
            $seen[$m['user'] ?? $m['conversation']] = [$m['channel'], $m['message']['text']['content'], $m['at']['atUserIds'] ?? null];
        }
        ksort($seen);
        return $seen;
    }

    public function testABotAnswers1To1AndInAGroupThroughTheSessionWebhook(): void
    {
        $emulator = $this->startEmulator();
        $group = $emulator->conversation('ops', ['manager4711', 'bob']);
        $fleet = $this->worker($emulator, 'echo', 2);
        $emulator->botSay('manager4711', 'what is on my list?');
        $emulator->botSay('bob', 'deploy done?', $group, ['manager4711']);

        $lines = $this->lines($fleet);
        $this->assertSame(['replied', 'replied'], array_column($lines, 'type'), json_encode($lines));
        $this->assertSame([
            $group => ['session_webhook', '@bob echo: deploy done?', ['bob']],
            'manager4711' => ['session_webhook', 'echo: what is on my list?', null],
        ], self::delivered($emulator->messages()));
        $this->assertSame(2, $emulator->requests(self::SESSION));
        $this->assertSame(0, $emulator->requests(self::TO_USERS) + $emulator->requests(self::TO_GROUP));
        $this->assertSame(0, $emulator->tokenFetches(), 'a session webhook needs no token');
    }

    public function testOnceTheSessionWebhookExpiredTheRobotAnswers(): void
    {
        // Each session webhook lives 1 s: less than the 5 s a reply leaves for the way.
        $emulator = $this->startEmulator(['--session-webhook-ttl', '1']);
        $group = $emulator->conversation('ops', []);
        $fleet = $this->worker($emulator, 'echo', 2);
        $emulator->botSay('manager4711', 'still there?');
        $emulator->botSay('bob', 'and here?', $group);

        $this->assertSame(['replied', 'replied'], array_column($this->lines($fleet), 'type'));
        // Through the robot API, without a mention (it carries none).
        $this->assertSame([
            $group => ['robot', 'echo: and here?', null],
            'manager4711' => ['robot', 'echo: still there?', null],
        ], self::delivered($emulator->messages()));
        $this->assertSame(0, $emulator->requests(self::SESSION), 'an expired session webhook is not tried');
        $this->assertSame(1, $emulator->requests(self::TO_USERS));
        $this->assertSame(1, $emulator->requests(self::TO_GROUP));
    }

    /**
     * A session webhook that looks alive but that DingTalk refuses (unknown or expired: nothing
     * delivered, as when this host's clock is behind DingTalk's) hands the reply on.
     */
    public function testASessionWebhookDingTalkRefusesHandsTheReplyToTheRobot(): void
    {
        $emulator = $this->startEmulator();
        $fleet = $this->worker($emulator, 'forgotten', 1);
        $emulator->botSay('manager4711', 'hello?');

        $this->assertSame(['replied'], array_column($this->lines($fleet), 'type'));
        $this->assertSame(1, $emulator->requests(self::SESSION), 'tried, and refused: nothing was delivered');
        $this->assertSame(['manager4711' => ['robot', 'echo: hello?', null]], self::delivered($emulator->messages()));
    }

    /**
     * @return iterable<string, array{0: list<string>, 1: string, 2: bool}> emulator flags, the
     *     path that fails, whether the message is said in a group
     */
    public static function landedFailures(): iterable
    {
        yield 'the session webhook' => [[], self::SESSION, false];
        yield 'the robot API, to a group' => [['--session-webhook-ttl', '1'], self::TO_GROUP, true];
        yield 'the robot API, to the writer' => [['--session-webhook-ttl', '1'], self::TO_USERS, false];
    }

    /**
     * A reply is a create: after a 502 (which may have landed) it is neither resent nor handed
     * on to another way; the handler gets the TransportException.
     *
     * @dataProvider landedFailures
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('landedFailures')]
    public function testAReplyIsNeverResentAfterA502ThatMayHaveLanded(array $flags, string $path, bool $inGroup): void
    {
        $emulator = $this->startEmulator($flags);
        $group = $inGroup ? $emulator->conversation('ops', []) : null;
        $emulator->faults([['path' => $path, 'status' => 502, 'count' => 5]]);
        $fleet = $this->worker($emulator, 'echo', 1);
        $emulator->botSay('manager4711', 'hello?', $group);

        $lines = $this->lines($fleet);
        $this->assertSame('error', $lines[0]['type'], json_encode($lines));
        $this->assertSame('DingTalk\\TransportException', $lines[0]['class']);
        $this->assertStringContainsString('502', $lines[0]['message']);
        $this->assertStringNotContainsString('session=', $lines[0]['message'], 'the session is a credential');
        $this->assertSame(1, $emulator->requests($path), 'sent once');
        $sent = $emulator->requests(self::SESSION) + $emulator->requests(self::TO_USERS) + $emulator->requests(self::TO_GROUP);
        $this->assertSame(1, $sent, 'and no other way tried');
        $this->assertSame([], $emulator->messages());
    }

    /**
     * An AI answer of 2,000 tokens streamed into a card token by token: a few updates, spaced
     * by the card's interval (0.5 s), never throttled at the emulator's 3 calls a second, the
     * final content exact and finalised.
     */
    public function testACardStreamedFrom2000TokensIsCoalescedAndNeverThrottled(): void
    {
        $emulator = $this->startEmulator(['--qps-limit', '3']);
        $fleet = $this->worker($emulator, 'card', 1);
        $emulator->botSay('manager4711', 'summarise my week');

        [$line] = $this->lines($fleet);
        $this->assertSame('card', $line['type'], json_encode($line));
        $card = $emulator->card($line['outTrackId']);
        $this->assertNotNull($card);
        $this->assertSame($line['content'], $card['cardParamMap']['content'], 'the final content, exact');
        $this->assertStringEndsWith('t1999 (summarise my week)', $card['cardParamMap']['content']);
        $this->assertTrue($card['streaming']['content']['finalized']);
        $this->assertSame([['spaceType' => 'IM_ROBOT', 'spaceId' => 'manager4711']], $card['spaces']);
        $this->assertSame('STREAM', $card['callbackType']);
        $this->assertSame('1', $card['cardParamMap']['flowStatus'], 'variables are text');
        $this->assertTrue($line['deliveries'][0]['success']);

        $updates = $emulator->requests(self::STREAMING);
        $this->assertSame($card['updates'], $updates, 'each update applied once');
        $this->assertSame(0, $emulator->stats()['throttled']);
        // One at once, then at most one per interval of the time the answer took, and the final.
        $bound = 2 + (int) ceil($line['seconds'] / 0.5);
        $this->assertGreaterThanOrEqual(2, $updates);
        $this->assertLessThanOrEqual($bound, $updates, "{$updates} updates in {$line['seconds']} s");
        $this->assertLessThan(200, $updates, 'coalesced: not one update per token');
    }

    /** What a reply or a card cannot use is refused before any request, naming the argument. */
    public function testBadInputIsRefusedBeforeAnyRequest(): void
    {
        $emulator = $this->startEmulator();
        $bot = new \DingTalk\Bot($this->client([], $emulator, [Emulator::DEMO_KEY, Emulator::DEMO_SECRET]));
        $event = ['type' => 'bot_message', 'data' => ['conversationType' => '2', 'conversationId' => 'cid1',
            'senderStaffId' => 'ann', 'sessionWebhook' => $emulator->url() . '/robot/sendBySession?session=s',
            'sessionWebhookExpiredTime' => (int) (microtime(true) * 1000) + 3_600_000]];
        $text = ['msgtype' => 'text', 'text' => ['content' => 'hi']];
        $refused = [
            'event' => fn () => $bot->reply(['type' => 'bot_message'], $text),
            'event[type]' => fn () => $bot->reply(['type' => 'todo_task_update', 'data' => []], $text),
            'event[data][conversationType]' => fn () => $bot->reply(['data' => ['conversationType' => 'x']], $text),
            'event[data][conversationId]' => fn () => $bot->reply(['data' => ['conversationType' => '2']], $text),
            // Neither the session webhook nor the robot API carries a voice message.
            'message[msgtype]' => fn () => $bot->reply($event, ['msgtype' => 'voice', 'voice' => ['media_id' => 'm', 'duration' => 3]]),
            'to' => fn () => $bot->card('dtv1.card//ONE_BOX.x', 'tpl', []),
            'templateId' => fn () => $bot->card($event, '', []),
            'data[list]' => fn () => $bot->card($event, 'tpl', ['list' => [1, 2]]),
            'options[interval]' => fn () => $bot->card($event, 'tpl', [], ['interval' => 61]),
        ];
        foreach ($refused as $name => $call) {
            $e = $this->throws(\ValueError::class, $call);
            $this->assertStringStartsWith("DingTalk\\Bot::", $e->getMessage());
            $this->assertStringContainsString($name === 'event' ? '$event[data]' : "\${$name}", $e->getMessage(), $name);
        }
        $e = $this->throws(\TypeError::class, fn () => $bot->card(42, 'tpl', []));
        $this->assertStringContainsString('must be of type array|string, int given', $e->getMessage());
        $this->assertNoRequestReached($emulator);
    }

    /** A user presses a button of the card: the callback reaches the worker, whose answer updates it. */
    public function testAButtonPressOfTheCardReachesTheWorker(): void
    {
        $emulator = $this->startEmulator();
        $group = $emulator->conversation('ops', []);
        $fleet = $this->worker($emulator, 'card', 2);
        $emulator->botSay('manager4711', 'approve the release?', $group);
        $card = $this->awaitLine($fleet, 'card');
        $pressed = $emulator->cardCallback($card['outTrackId'], 'bob', 'approve', ['note' => 'ship it']);
        $this->assertTrue($pressed['delivered'], 'created with the STREAM callback type');

        $lines = $this->lines($fleet);
        $this->assertSame(['card', 'card_callback'], array_column($lines, 'type'));
        $this->assertSame(
            ['type' => 'card_callback', 'outTrackId' => $card['outTrackId'], 'user' => 'bob', 'actions' => ['approve']],
            $lines[1]
        );
        $shown = $emulator->card($card['outTrackId']);
        $this->assertSame([['spaceType' => 'IM_GROUP', 'spaceId' => $group]], $shown['spaces']);
        $this->assertSame('approved by bob', $shown['cardParamMap']['status']);
        $this->assertStringEndsWith('(approve the release?)', $shown['cardParamMap']['content'], 'streamed fields kept');
    }
}
