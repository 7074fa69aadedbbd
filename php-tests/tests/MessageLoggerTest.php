<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Message;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\RecordingLogger;
use DingTalk\Tests\Support\TestCase;
use DingTalk\Webhook;

/**
 * The logger of the message classes: `WorkNotice` and `Bot` log to their client's, a `Webhook`
 * to the `logger` of its own options — its waits for a slot, its failed sends — and no record
 * holds the robot's token, its secret or a signature.
 */
final class MessageLoggerTest extends TestCase
{
    private const WAIT = 'DingTalk {api}: waited {delay_ms} ms for a slot of options[per_minute]';
    private const FAILED = '{method}() failed with {exception_class}: {error}';

    public function testAWebhookLogsItsWaitsAndFailuresWithoutItsSecrets(): void
    {
        $emulator = $this->startEmulator(['--webhook-limit', '2']);
        $robot = $emulator->webhook(['secret' => true]);
        $logger = new RecordingLogger();
        $webhook = new Webhook($robot['url'], $robot['secret'], ['per_minute' => 600, 'logger' => $logger]);
        $webhook->send(Message::text('1'));
        $webhook->send(Message::text('2'));
        $e = $this->throws(RateLimitException::class, fn () => $webhook->send(Message::text('3')));

        $this->assertSame([
            ['notice', self::WAIT],
            ['notice', self::WAIT],
            ['error', self::FAILED],
        ], $logger->lines());
        $this->assertSame('POST /robot/send', $logger->records[0]['context']['api']);
        $this->assertGreaterThan(0, $logger->records[0]['context']['delay_ms']);
        $failure = $logger->records[2]['context'];
        $this->assertSame('DingTalk\Webhook::send', $failure['method']);
        $this->assertSame(RateLimitException::class, $failure['exception_class']);
        $this->assertSame('130101', $failure['errcode']);
        $this->assertSame($e, $failure['exception'], 'the very exception thrown');

        $everything = $logger->everything();
        foreach ([$robot['access_token'], $robot['secret']] as $hidden) {
            $this->assertStringNotContainsString($hidden, $everything);
        }
        $this->assertStringNotContainsString('sign=', $everything);
    }

    public function testAGatewayEchoingTheQueryReachesTheLogScrubbed(): void
    {
        $robot = $this->emulator->webhook(['secret' => true]);
        $logger = new RecordingLogger();
        $webhook = new Webhook($robot['url'], $robot['secret'], ['logger' => $logger, 'retries' => 0]);
        $this->emulator->faults([['path' => '/robot/send', 'errcode' => -1, 'errmsg' => 'busy: {query}']]);
        $this->throws(ApiException::class, fn () => $webhook->send(Message::text('x')));
        $everything = $logger->everything();
        $this->assertStringContainsString('access_token=***', $everything, 'the echo arrived');
        $this->assertDoesNotMatchRegularExpression('/sign=(?!\*\*\*)/', $everything);
        foreach ([$robot['access_token'], $robot['secret']] as $hidden) {
            $this->assertStringNotContainsString($hidden, $everything);
        }
    }

    public function testWorkNoticesAndTheBotLogToTheirClients(): void
    {
        $logger = new RecordingLogger();
        $client = $this->client(['agent_id' => 7, 'logger' => $logger]);
        $this->emulator->faults([['path' => '/topapi/message/corpconversation/asyncsend_v2', 'errcode' => 40056, 'errmsg' => 'bad agent']]);
        $this->throws(ApiException::class, fn () => $client->workNotices()->send(['u1'], Message::text('x')));
        $this->throws(ApiException::class, fn () => $client->bot()->sendToGroup('cid-none', Message::text('x')));
        $failures = array_column(array_column($logger->starting('{method}'), 'context'), 'method');
        $this->assertSame(['DingTalk\WorkNotice::send', 'DingTalk\Bot::sendToGroup'], $failures);
    }
}
