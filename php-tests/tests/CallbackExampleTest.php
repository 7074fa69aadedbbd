<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\PhpServer;
use DingTalk\Tests\Support\TestCase;

/**
 * End to end: `examples/callback.php` served by `php -S`, the emulator pushing to it exactly as
 * DingTalk does (its own implementation of the crypto), the example opening the pushes with
 * `DingTalk\Callback` and answering with `reply()`, the emulator judging the answers.
 */
final class CallbackExampleTest extends TestCase
{
    private const TOKEN = 'exampleToken123';
    private const AES_KEY = 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7';

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

    /** The example under `php -S`, configured with `$receiveId`. */
    private function serveExample(string $receiveId): PhpServer
    {
        $server = PhpServer::start(dirname(__DIR__, 2) . '/examples/callback.php', [
            'DINGTALK_CALLBACK_TOKEN' => self::TOKEN,
            'DINGTALK_CALLBACK_AES_KEY' => self::AES_KEY,
            'DINGTALK_APP_KEY' => $receiveId,
        ], self::extensionPath());
        $this->servers[] = $server;
        return $server;
    }

    /** An emulator pushing to `$server`, its receiveId the demo app's key; retries 20 ms apart. */
    private function pushingEmulator(PhpServer $server): Emulator
    {
        return $this->startEmulator([
            '--push-url', $server->url(),
            '--push-token', self::TOKEN,
            '--push-aes-key', self::AES_KEY,
            '--push-retry-delays', '0.02,0.02',
        ]);
    }

    /** The settled events, by type. */
    private static function eventsByType(Emulator $emulator): array
    {
        $answer = $emulator->events();
        self::assertTrue($answer['settled'], json_encode($answer));
        return array_column($answer['events'], null, 'type');
    }

    public function testTheExampleAcknowledgesCheckUrlAndToDoEvents(): void
    {
        $server = $this->serveExample(Emulator::DEMO_KEY);
        $emulator = $this->pushingEmulator($server);
        $this->assertSame(Emulator::DEMO_KEY, $emulator->events()['receive_id']);

        $pushed = $emulator->push('todo_task_update', ['taskId' => 'task-42', 'UnionIdList' => ['union-1']]);
        $emulator->push('todo_task_delete', ['taskId' => 'task-43']);
        $events = self::eventsByType($emulator);

        $this->assertSame(['check_url', 'todo_task_update', 'todo_task_delete'], array_keys($events));
        foreach ($events as $type => $event) {
            $this->assertSame('acknowledged', $event['status'], "{$type}: " . json_encode($event) . "\n" . $server->log());
            $this->assertSame(0, $event['retries'], $type);
            $attempt = $event['attempts'][0];
            $this->assertSame(200, $attempt['http_status']);
            $this->assertSame('success', $attempt['decrypted']);
            // The answer is reply()'s JSON: the four fields DingTalk reads.
            $answer = json_decode($attempt['answer'], true);
            $this->assertSame(['msg_signature', 'timeStamp', 'nonce', 'encrypt'], array_keys($answer));
        }
        $log = $server->log();
        $this->assertStringContainsString('callback: check_url: the URL is registered', $log);
        $this->assertStringContainsString(
            'callback: todo_task_update taskId="task-42" eventId="' . $pushed['eventId'] . '" users=["union-1"]',
            $log
        );
        $this->assertStringContainsString('callback: todo_task_delete taskId="task-43"', $log);
        $this->assertStringNotContainsString('refused', $log);
    }

    /**
     * The example configured with a corpId where the app key belongs refuses every push (and says
     * which receiveId came): the emulator sees no acknowledgement and pushes again, twice.
     */
    public function testAWronglyConfiguredExampleMakesTheEmulatorRetry(): void
    {
        $server = $this->serveExample('dingcorp0123456789');
        $emulator = $this->pushingEmulator($server);
        $emulator->push('todo_task_create', ['taskId' => 'task-7']);
        $events = self::eventsByType($emulator);

        foreach (['check_url', 'todo_task_create'] as $type) {
            $event = $events[$type];
            $this->assertSame('failed', $event['status'], json_encode($event));
            $this->assertFalse($event['acknowledged']);
            $this->assertSame(2, $event['retries'], 'pushed again after each retry delay');
            $this->assertSame([400, 400, 400], array_column($event['attempts'], 'http_status'));
            $this->assertSame(['HTTP 400', 'HTTP 400', 'HTTP 400'], array_column($event['attempts'], 'error'));
        }
        $log = $server->log();
        $this->assertSame(6, substr_count($log, 'callback: refused push: the message is for receiveId "demo_app_key", not "dingcorp0123456789"'), $log);
        $this->assertStringNotContainsString('todo_task_create taskId', $log);
    }

    public function testTheExampleRefusesWhatIsNotAPush(): void
    {
        $server = $this->serveExample(Emulator::DEMO_KEY);
        $get = @file_get_contents($server->url(), false, stream_context_create(['http' => ['ignore_errors' => true]]));
        $this->assertSame('{"error":"DingTalk pushes with POST"}', $get);
        $post = @file_get_contents($server->url() . '?msg_signature=x&timestamp=1&nonce=n', false, stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: application/json\r\n",
            'content' => '{"encrypt":"AAAA"}',
            'ignore_errors' => true,
        ]]));
        $this->assertSame('{"error":"refused"}', $post);
        $this->assertStringContainsString('callback: refused push: the signature does not match', $server->log());
    }
}
