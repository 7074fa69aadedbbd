<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Message;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\PhpServer;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use DingTalk\Webhook;

/**
 * `DingTalk\Webhook` against the emulator's group webhook robots: the webhook's wire format, the
 * signature, the security refusals, DingTalk's 130101 and the robot's own rate limit. No app and
 * no token are involved.
 */
final class WebhookTest extends TestCase
{
    private const SEND = '/robot/send';
    /** A limit high enough that no test here waits for a slot unless it means to. */
    private const UNHURRIED = ['per_minute' => 60_000];

    /** @var list<PhpServer> */
    private array $servers = [];

    protected function tearDown(): void
    {
        foreach ($this->servers as $server) {
            $server->stop();
        }
        $this->servers = [];
        parent::tearDown();
    }

    /** @return list<array> what the robot `$name` received, in the one shape, with `at`. */
    private function received(string $name): array
    {
        return array_map(
            fn (array $entry) => ['message' => $entry['message'], 'at' => $entry['at']],
            $this->emulator->messages(['webhook' => $name])
        );
    }

    /** @return iterable<string, array{0: array, 1: array|null}> a message, and the `at` it arrives with */
    public static function messages(): iterable
    {
        yield 'text' => [Message::text('服务器 CPU 使用率 95%'), null];
        yield 'markdown' => [Message::markdown('Deploy', "#### v2.3 deployed\n> by **ci**"), null];
        yield 'link' => [Message::link('Report', 'The monthly report', 'https://example.com/r/1', 'https://example.com/r/1.png'), null];
        yield 'link without a picture' => [Message::link('Report', 'The monthly report', 'dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fexample.com'), null];
        yield 'action card, one button' => [Message::actionCard('Approve?', '**$42** for lunch', 'Open', 'https://example.com/a/1'), null];
        yield 'action card, buttons side by side' => [['msgtype' => 'action_card', 'action_card' => [
            'title' => 'Approve?', 'markdown' => 'm', 'btn_orientation' => '1',
            'btn_json_list' => [['title' => 'Yes', 'action_url' => 'https://example.com/y'], ['title' => 'No', 'action_url' => 'https://example.com/n']],
        ]], null];
        $at = ['atUserIds' => ['manager4711'], 'atMobiles' => ['13800000000'], 'isAtAll' => false];
        yield 'text with mentions' => [Message::text('@manager4711 please look') + ['at' => $at], $at];
        yield 'everyone' => [Message::markdown('Outage', 'all hands') + ['at' => ['isAtAll' => true]], ['atUserIds' => [], 'atMobiles' => [], 'isAtAll' => true]];
    }

    /**
     * Each message reaches the robot's group in the webhook's own JSON, and comes back from the
     * emulator's inbox as the array that was sent.
     *
     * @dataProvider messages
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('messages')]
    public function testEachMessageArrivesAsWritten(array $message, ?array $at): void
    {
        $robot = $this->emulator->webhook();
        (new Webhook($robot['url'], null, self::UNHURRIED))->send($message);
        unset($message['at']);
        $this->assertSame([['message' => $message, 'at' => $at]], $this->received($robot['name']));
        $this->assertSame(1, $this->emulator->requests(self::SEND));
        $this->assertSame(0, $this->emulator->tokenFetches(), 'a webhook fetches no token');
    }

    public function testASignedRobotGetsItsSignatureWithEveryMessage(): void
    {
        $robot = $this->emulator->webhook(['secret' => true]);
        $this->assertStringStartsWith('SEC', $robot['secret']);
        $webhook = new Webhook($robot['url'], $robot['secret'], self::UNHURRIED);
        $webhook->send(Message::text('one'));
        $webhook->send(Message::text('two'));
        $this->assertCount(2, $this->received($robot['name']));
    }

    /**
     * The signature as DingTalk documents it, computed here by hand for the timestamp the
     * extension sent: urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret))).
     */
    public function testTheSignatureIsDingTalksToTheByte(): void
    {
        $log = tempnam(sys_get_temp_dir(), 'dingtalk-webhook-');
        $script = tempnam(sys_get_temp_dir(), 'dingtalk-webhook-') . '.php';
        file_put_contents($script, <<<'PHP'
            <?php
            file_put_contents(getenv('WEBHOOK_LOG'), $_SERVER['QUERY_STRING'] . "\n" . file_get_contents('php://input'));
            header('Content-Type: application/json');
            echo '{"errcode":0,"errmsg":"ok"}';
            PHP);
        $server = PhpServer::start($script, ['WEBHOOK_LOG' => $log], self::extensionPath());
        $this->servers[] = $server;
        $secret = 'SEC' . bin2hex(random_bytes(32));
        $before = (int) floor(microtime(true) * 1000);
        (new Webhook($server->url() . '/robot/send?access_token=tok%2Bwith%2Fsigns', $secret))->send(Message::text('hi'));
        $after = (int) ceil(microtime(true) * 1000);
        [$query, $body] = explode("\n", (string) file_get_contents($log), 2);
        unlink($log);
        unlink($script);
        parse_str($query, $params);
        $this->assertSame(['access_token', 'timestamp', 'sign'], array_keys($params));
        $this->assertSame('tok+with/signs', $params['access_token']);
        $timestamp = (int) $params['timestamp'];
        $this->assertSame((string) $timestamp, $params['timestamp'], 'milliseconds, digits only');
        $this->assertGreaterThanOrEqual($before, $timestamp);
        $this->assertLessThanOrEqual($after, $timestamp);
        $sign = base64_encode(hash_hmac('sha256', $timestamp . "\n" . $secret, $secret, true));
        $this->assertSame($sign, $params['sign']);
        $this->assertStringContainsString('&sign=' . urlencode($sign), $query, 'sent URL-encoded');
        $this->assertSame('{"msgtype":"text","text":{"content":"hi"}}', $body);
    }

    /** @return iterable<string, array{0: array, 1: string|null, 2: string, 3: string}> */
    public static function refusals(): iterable
    {
        yield 'no keyword' => [['keywords' => ['alert']], null, 'keywords not in content', 'the message holds none of the robot\'s security keywords'];
        yield 'wrong secret' => [['secret' => true], 'SEC' . str_repeat('0', 64), 'sign not match', 'the signature does not match: check the robot\'s secret (SEC...)'];
        yield 'no secret' => [['secret' => true], null, 'invalid timestamp', 'no signature, or its timestamp is more than an hour from DingTalk\'s clock'];
    }

    /**
     * 310000 covers three causes: the exception says which.
     *
     * @dataProvider refusals
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('refusals')]
    public function testASecurityRefusalSaysWhy(array $settings, ?string $secret, string $errmsg, string $cause): void
    {
        $robot = $this->emulator->webhook($settings);
        $webhook = new Webhook($robot['url'], $secret, self::UNHURRIED);
        $e = $this->throws(ApiException::class, fn () => $webhook->send(Message::text('disk full')));
        $this->assertSame(310000, $e->getCode());
        $this->assertSame('310000', $e->getErrorCode());
        $this->assertSame($errmsg, $e->getErrmsg());
        $this->assertStringContainsString("DingTalk /robot/send failed: errcode 310000, errmsg \"{$errmsg}\": refused by the robot's security settings: {$cause}", $e->getMessage());
        $this->assertSame([], $this->received($robot['name']));
        $this->assertSame(1, $this->emulator->requests(self::SEND), 'a refusal is final: not resent');
    }

    public function testAKeywordAnywhereInTheMessageIsEnough(): void
    {
        $robot = $this->emulator->webhook(['keywords' => ['alert', '告警']]);
        $webhook = new Webhook($robot['url'], null, self::UNHURRIED);
        $webhook->send(Message::markdown('告警: disk', 'full'));
        $webhook->send(Message::link('Disk', 'an alert from db1', 'https://example.com'));
        $this->assertCount(2, $this->received($robot['name']));
    }

    public function testATokenNoRobotHasIsAnAuthenticationError(): void
    {
        $webhook = new Webhook($this->emulator->url() . '/robot/send?access_token=' . str_repeat('ab', 32));
        $e = $this->throws(AuthenticationException::class, fn () => $webhook->send(Message::text('x')));
        $this->assertSame(300001, $e->getCode());
        $this->assertStringContainsString('errcode 300001, errmsg "token is not exist"', $e->getMessage());
    }

    /** Past DingTalk's limit the robot is muted: 130101, a RateLimitException, never resent. */
    public function testOverDingTalksLimitIsARateLimitExceptionAndNotRetried(): void
    {
        $emulator = $this->startEmulator(['--webhook-limit', '2']);
        $robot = $emulator->webhook();
        $webhook = new Webhook($robot['url'], null, self::UNHURRIED + ['retries' => 3]);
        $webhook->send(Message::text('1'));
        $webhook->send(Message::text('2'));
        $e = $this->throws(RateLimitException::class, fn () => $webhook->send(Message::text('3')));
        $this->assertSame(130101, $e->getCode());
        $this->assertStringContainsString('errcode 130101, errmsg "send too fast, exceed 2 times per minute"', $e->getMessage());
        $this->throws(RateLimitException::class, fn () => $webhook->send(Message::text('4')));
        $this->assertSame(4, $emulator->requests(self::SEND), 'each refused send went once');
        $this->assertSame(2, $emulator->stats()['webhook_throttled']);
        $this->assertCount(2, $emulator->messages(['webhook' => $robot['name']]));
    }

    /** The robot's own limit: a send whose slot comes after its timeout fails at once, unsent. */
    public function testASendWhoseSlotIsPastItsTimeoutIsNotSent(): void
    {
        $robot = $this->emulator->webhook();
        $patient = new Webhook($robot['url'], null, ['per_minute' => 30, 'timeout' => 5]);
        $hurried = new Webhook($robot['url'], null, ['per_minute' => 30, 'timeout' => 0.3]);
        $patient->send(Message::text('first'));
        $e = $this->throws(RateLimitException::class, fn () => $hurried->send(Message::text('second')));
        $this->assertSame(
            'DingTalk /robot/send was not sent: options[per_minute] allows 30 messages a minute to this robot',
            substr($e->getMessage(), 0, strlen('DingTalk /robot/send was not sent: options[per_minute] allows 30 messages a minute to this robot'))
        );
        $this->assertSame(0, $e->getCode());
        $this->assertSame(1, $this->emulator->requests(self::SEND), 'the refused send was not sent');
        // The two objects share the robot's slots (the memory store): the patient one waits
        // for the next, two seconds (and 5 %) after the first.
        $patient->send(Message::text('third'));
        $received = $this->emulator->messages(['webhook' => $robot['name']]);
        $this->assertSame(['first', 'third'], array_map(fn (array $m) => $m['message']['text']['content'], $received));
        $this->assertGreaterThanOrEqual(2000, $received[1]['received_at'] - $received[0]['received_at'], 'DingTalk saw them a slot apart');
    }

    /** Another robot has slots of its own. */
    public function testEachRobotHasItsOwnLimit(): void
    {
        $first = new Webhook($this->emulator->webhook()['url'], null, ['per_minute' => 1, 'timeout' => 0.3]);
        $second = new Webhook($this->emulator->webhook()['url'], null, ['per_minute' => 1, 'timeout' => 0.3]);
        $first->send(Message::text('a'));
        $second->send(Message::text('b'));
        $this->throws(RateLimitException::class, fn () => $first->send(Message::text('c')));
        $this->assertSame(2, $this->emulator->requests(self::SEND));
    }

    /** A send is a create: once it may have reached DingTalk it is never sent again. */
    public function testASendThatMayHaveLandedIsNotResent(): void
    {
        $robot = $this->emulator->webhook();
        $webhook = new Webhook($robot['url'], null, self::UNHURRIED + ['retries' => 3]);
        $this->emulator->faults([['path' => self::SEND, 'drop' => true, 'processed' => true]]);
        $this->throws(TransportException::class, fn () => $webhook->send(Message::text('once')));
        $this->assertSame(1, $this->emulator->requests(self::SEND));
        $this->assertCount(1, $this->received($robot['name']), 'DingTalk did deliver it');
        $this->emulator->faults([['path' => self::SEND, 'errcode' => -1]]);
        $this->throws(ApiException::class, fn () => $webhook->send(Message::text('busy')));
        $this->assertSame(2, $this->emulator->requests(self::SEND), 'system busy may have landed: not resent');
    }

    public function testAConnectionThatWasNeverMadeIsRetried(): void
    {
        $port = self::closedPort();
        $webhook = new Webhook("http://127.0.0.1:{$port}/robot/send?access_token=t", null, self::UNHURRIED + ['retries' => 2, 'timeout' => 2]);
        $e = $this->throws(TransportException::class, fn () => $webhook->send(Message::text('x')));
        $this->assertStringContainsString('DingTalk /robot/send failed: cannot connect', $e->getMessage());
    }
}
