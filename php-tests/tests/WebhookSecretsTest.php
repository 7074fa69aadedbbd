<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Message;
use DingTalk\RateLimitException;
use DingTalk\Tests\Support\RedisServer;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use DingTalk\Webhook;

/**
 * A webhook robot's access_token (in its URL), its signing secret and the signatures made with
 * it never show in anything PHP code can print or log (exception messages and traces, dumps of
 * the Webhook), nor in the keys and values of the shared store.
 *
 * As in {@see SecretsTest}, exceptions are rendered in a child `php -n` with
 * `zend.exception_ignore_args = Off` and no limit on string arguments, the configuration in
 * which PHP prints most.
 */
final class WebhookSecretsTest extends TestCase
{
    private const SEND = '/robot/send';

    /** Everything PHP code could print about `$value` (no trace: a small object). */
    private static function renderings(mixed $value): string
    {
        ob_start();
        var_dump($value);
        debug_zval_dump($value);
        echo print_r($value, true), var_export($value, true), json_encode($value, JSON_PARTIAL_OUTPUT_ON_ERROR);
        echo print_r((array) $value, true), print_r(get_object_vars($value), true);
        return (string) ob_get_clean();
    }

    /**
     * Runs `$code` in a child process with `$webhook` (of `$url`, `$secret`, `$options`) in
     * scope; the code must throw a `$class`. Asserts none of `$hidden` shows in any rendering
     * of the exception (message, string, trace, getters, dumps) nor of the webhook.
     *
     * @param list<string> $hidden
     * @return string what the child printed
     */
    private function assertChildHides(string $class, string $url, ?string $secret, array $options, string $code, array $hidden): string
    {
        $script = <<<'PHP'
<?php
ini_set('zend.exception_ignore_args', '0');
ini_set('zend.exception_string_param_max_len', '1000000');
function dingtalk_render(mixed $value, string $label): void {
    echo "=== {$label}: dumps\n"; var_dump($value); print_r($value); echo "\n", var_export($value, true), "\n"; debug_zval_dump($value);
    if ($value instanceof Throwable) {
        echo "=== {$label}: message\n", $value->getMessage(), "\n";
        echo "=== {$label}: string\n", (string) $value, "\n";
        echo "=== {$label}: trace\n", $value->getTraceAsString(), "\n", print_r($value->getTrace(), true), "\n";
        if ($value instanceof DingTalk\ApiException) {
            echo "=== {$label}: getters\n", $value->getErrmsg(), '|', $value->getRequestId(), '|', $value->getSubCode(), '|', $value->getErrorCode(), "\n";
        }
    }
}
// No function of this script takes the URL or the secret as an argument: they would show in
// the trace as the script's own arguments.
function dingtalk_run(): void {
    ['url' => $url, 'secret' => $secret, 'options' => $options, 'code' => $code] = $GLOBALS['dingtalk_args'];
    $webhook = null;
    try {
        $webhook = new DingTalk\Webhook($url, $secret, $options);
        eval($code);
        echo "CLASS=none\n";
    } catch (Throwable $e) {
        echo "CLASS=", get_class($e), "\n";
        dingtalk_render($e, 'exception');
    }
    dingtalk_render($webhook, 'webhook');
}
[, $url, $secret, $options, $code] = $argv;
$GLOBALS['dingtalk_args'] = ['url' => $url, 'secret' => $secret === '' ? null : $secret, 'options' => json_decode($options, true), 'code' => $code];
unset($url, $secret, $argv, $_SERVER['argv']);
dingtalk_run();
PHP;
        [$exit, $out, $err] = self::runPhp($script, true, [$url, (string) $secret, (string) json_encode((object) $options), $code]);
        $this->assertSame(0, $exit, 'child failed: ' . $err . $out);
        $this->assertStringContainsString("CLASS={$class}\n", $out, 'exception class');
        foreach ($hidden as $secretText) {
            $this->assertNotSame('', $secretText);
            $at = strpos($out . $err, $secretText);
            $this->assertFalse($at !== false, sprintf('a secret shows: ...%s...', substr($out . $err, max(0, (int) $at - 160), 320)));
        }
        return $out;
    }

    /** A robot with a secret: `[url, token, secret]`. */
    private function robot(): array
    {
        $robot = $this->emulator->webhook(['secret' => true]);
        return [$robot['url'], $robot['access_token'], $robot['secret']];
    }

    public function testAGatewayEchoingTheRequestShowsNeitherTokenNorSecretNorSignature(): void
    {
        [$url, $token, $secret] = $this->robot();
        $this->emulator->faults([[
            'path' => self::SEND,
            'errcode' => 310000,
            'errmsg' => "sign not match for {query} with secret {$secret}",
            'sub_msg' => "{query}",
            'request_id' => "{query}",
        ]]);
        $out = $this->assertChildHides(ApiException::class, $url, $secret, [], '$webhook->send(DingTalk\Message::text("x"));', [$token, $secret]);
        // The echo arrived, scrubbed. The signature the child made is unknown here: nothing but
        // the mask may follow "sign=" (a signature is a credential for an hour).
        $this->assertStringContainsString('access_token=***&timestamp=', $out);
        $this->assertStringContainsString('&sign=***', $out);
        $this->assertDoesNotMatchRegularExpression('/sign=(?!\*\*\*)/', $out);
    }

    /** @return iterable<string, array{0: array<string, mixed>, 1: class-string}> */
    public static function failures(): iterable
    {
        yield 'html page echoing the query' => [['status' => 502, 'body' => '<html>bad gateway for /robot/send?{query}</html>'], TransportException::class];
        yield 'timeout' => [['delay_ms' => 2000], TransportException::class];
        yield 'dropped' => [['drop' => true], TransportException::class];
        yield 'not DingTalk\'s answer' => [['status' => 200, 'body' => '{"echo":"{query}"}'], TransportException::class];
    }

    /**
     * @dataProvider failures
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('failures')]
    public function testAFailedSendShowsNeitherTokenNorSecret(array $fault, string $class): void
    {
        [$url, $token, $secret] = $this->robot();
        $this->emulator->faults([$fault + ['path' => self::SEND]]);
        $this->assertChildHides($class, $url, $secret, ['timeout' => 0.5, 'retries' => 0], '$webhook->send(DingTalk\Message::text("x"));', [$token, $secret, 'access_token=' . substr($token, 0, 8)]);
    }

    public function testRefusalsAndTheRateLimitShowNeitherTokenNorSecret(): void
    {
        [$url, $token, $secret] = $this->robot();
        $out = $this->assertChildHides(\ValueError::class, $url, $secret, ['timeout' => -1], '', [$token, $secret]);
        // The trace shows the constructor's arguments replaced, the first failure of the process too.
        $this->assertSame(3, substr_count(explode('=== exception: trace', $out, 2)[1] ?? '', 'Object(SensitiveParameterValue)'), $out);
        $this->assertChildHides(\ValueError::class, $url, $secret, [], '$webhook->send(["msgtype" => "sms"]);', [$token, $secret]);
        $this->assertChildHides(\ValueError::class, $url . '&x=' . $secret, $secret, [], '', [$token, $secret]);
        $this->assertChildHides(RateLimitException::class, $url, $secret, ['per_minute' => 1, 'timeout' => 0.2], '$webhook->send(DingTalk\Message::text("a")); $webhook->send(DingTalk\Message::text("b"));', [$token, $secret]);
        $this->assertChildHides(\TypeError::class, $url, $secret, [], 'new DingTalk\Webhook($url, $secret, ["per_minute" => "20"]);', [$token, $secret]);
    }

    public function testAWebhookShowsNothingAndCannotBeSerialized(): void
    {
        [$url, $token, $secret] = $this->robot();
        $webhook = new Webhook($url, $secret);
        $webhook->send(Message::text('x'));
        $shown = self::renderings($webhook) . self::renderings(new \ArrayObject([$webhook]));
        foreach ([$token, $secret] as $hidden) {
            $this->assertStringNotContainsString($hidden, $shown);
        }
        $e = $this->throws(\Exception::class, fn () => serialize($webhook));
        $this->assertStringContainsString('Serialization', $e->getMessage());
    }

    /** The robot's rate limit is kept in the store under a hash of its token, never the token. */
    public function testTheStoreHoldsAHashOfTheTokenOnly(): void
    {
        [$url, $token, $secret] = $this->robot();
        $dir = sys_get_temp_dir() . '/dingtalk-webhook-store-' . bin2hex(random_bytes(6));
        (new Webhook($url, $secret, ['token_store' => "file://{$dir}"]))->send(Message::text('file'));
        $files = glob("{$dir}/*") ?: [];
        $this->assertNotEmpty($files, 'the limit was kept in the directory');
        foreach ($files as $file) {
            foreach ([$token, $secret, substr($token, 0, 16)] as $hidden) {
                $this->assertStringNotContainsString($hidden, basename($file));
                $this->assertStringNotContainsString($hidden, (string) file_get_contents($file));
            }
            $this->assertStringStartsWith('webhook.', basename($file));
            unlink($file);
        }
        rmdir($dir);

        $redis = RedisServer::start();
        (new Webhook($url, $secret, ['token_store' => $redis->url()]))->send(Message::text('redis'));
        $keys = $redis->cli('KEYS', '*');
        $this->assertNotSame('', trim($keys), 'the limit was kept in Redis');
        foreach ([$token, $secret, substr($token, 0, 16)] as $hidden) {
            $this->assertStringNotContainsString($hidden, $keys);
        }
        $this->assertStringContainsString('webhook.', $keys);
        $redis->stop();
        $this->assertCount(2, $this->emulator->messages(['channel' => 'webhook']));
    }
}
