<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * Neither the app secret nor an access token may show in anything PHP code can print or log:
 * exception messages and traces, var_dump/print_r/var_export of clients and exceptions.
 *
 * Exceptions are rendered in a small `php -n` subprocess ({@see assertChildHides()}) with
 * `zend.exception_ignore_args = Off` (PHP's built-in default and php.ini-development's value)
 * and no limit on string arguments: the configuration in which PHP prints most. A subprocess
 * keeps the traces short: here they would hold the whole PHPUnit object graph.
 */
final class SecretsTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';

    /** Everything PHP code could print about `$value` (a client: small, no trace). */
    private static function renderings(mixed $value): array
    {
        ob_start();
        var_dump($value);
        $dump = (string) ob_get_clean();
        ob_start();
        debug_zval_dump($value);
        $zval = (string) ob_get_clean();
        return [
            'var_dump' => $dump,
            'debug_zval_dump' => $zval,
            'print_r' => print_r($value, true),
            'var_export' => var_export($value, true),
            'json_encode' => (string) json_encode($value, JSON_PARTIAL_OUTPUT_ON_ERROR),
            '(array)' => print_r((array) $value, true),
            'get_object_vars' => print_r(get_object_vars($value), true),
        ];
    }

    /** @param list<string> $secrets */
    private function assertHidden(mixed $value, array $secrets): void
    {
        foreach (self::renderings($value) as $how => $text) {
            foreach ($secrets as $secret) {
                $this->assertStringNotContainsString($secret, $text, "{$how} shows a secret");
            }
        }
    }

    /**
     * Runs `$code` in a child process with `$client` (for app `$key`/`$secret`, `$options`) in
     * scope; the code must throw. Asserts the exception is a `$class` and that none of its
     * renderings (message, string, trace, var_dump, print_r, var_export) nor the client's
     * contain any of `$secrets`.
     *
     * @param list<string> $secrets
     */
    private function assertChildHides(string $class, string $key, string $secret, array $options, string $code, array $secrets): void
    {
        $options += ['base_url' => $this->emulator->url()];
        $script = <<<'PHP'
<?php
ini_set('zend.exception_ignore_args', '0');
ini_set('zend.exception_string_param_max_len', '1000000');
[, $key, $secret, $options, $code] = $argv;
$options = unserialize(base64_decode($options));
function dingtalk_render(mixed $value, string $label): void {
    echo "=== {$label}: var_dump
"; var_dump($value);
    echo "=== {$label}: print_r
", print_r($value, true), "
";
    echo "=== {$label}: var_export
", var_export($value, true), "
";
    echo "=== {$label}: debug_zval_dump
"; debug_zval_dump($value);
    if ($value instanceof Throwable) {
        echo "=== {$label}: message
", $value->getMessage(), "
";
        echo "=== {$label}: string
", (string) $value, "
";
        echo "=== {$label}: trace
", $value->getTraceAsString(), "
";
        echo "=== {$label}: getTrace
", print_r($value->getTrace(), true), "
";
        if ($value instanceof DingTalk\ApiException) {
            echo "=== {$label}: getters
", $value->getErrmsg(), "|", $value->getRequestId(), "|", $value->getSubCode(), "|", $value->getErrorCode(), "
";
        }
    }
}
// No function of this script takes the secret as an argument: it would show in the trace.
function dingtalk_run(): void {
    ['key' => $key, 'secret' => $secret, 'options' => $options, 'code' => $code] = $GLOBALS['dingtalk_args'];
    $client = new DingTalk\Client($key, $secret, $options);
    try {
        eval($code);
        echo "CLASS=none
";
    } catch (Throwable $e) {
        echo "CLASS=", get_class($e), "
";
        dingtalk_render($e, 'exception');
    }
    dingtalk_render($client, 'client');
}
$GLOBALS['dingtalk_args'] = compact('key', 'secret', 'options', 'code');
unset($key, $secret);
dingtalk_run();
PHP;
        [$exit, $out, $err] = self::runPhp($script, true, [$key, $secret, base64_encode(serialize($options)), $code]);
        $this->assertSame(0, $exit, "child failed: " . $err . $out);
        $this->assertStringContainsString("CLASS={$class}" . PHP_EOL, $out, 'exception class');
        foreach ($secrets as $hidden) {
            $this->assertNotSame('', $hidden);
            $at = strpos($out . $err, $hidden);
            $this->assertFalse($at !== false, sprintf(
                'a secret shows in %s: ...%s...',
                self::sectionOf($out, $hidden),
                substr($out . $err, max(0, (int) $at - 120), 240)
            ));
        }
    }

    /** The `=== ...` heading under which `$needle` first appears. */
    private static function sectionOf(string $out, string $needle): string
    {
        $at = strpos($out, $needle);
        if ($at === false) {
            return '(stderr)';
        }
        $head = strrpos(substr($out, 0, $at), '=== ');
        return $head === false ? '(start)' : strtok(substr($out, $head), "\n");
    }

    /** A fresh app: `[key, secret, current token]` (the emulator gives every process of an app the same token). */
    private function app(): array
    {
        [$key, $secret] = $this->freshApp();
        $client = new Client($key, $secret, ['base_url' => $this->emulator->url()]);
        return [$key, $secret, $client->getAccessToken()];
    }

    public function testClientShowsNoSecretOrToken(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = new Client($key, $secret, ['base_url' => $this->emulator->url()]);
        $token = $client->getAccessToken();
        $client->workRecords()->list('u1');
        $this->assertHidden($client, [$secret, $token]);
        $this->assertHidden($client->workRecords(), [$secret, $token]);
        $this->assertHidden($client->todos(), [$secret, $token]);
        $this->assertHidden(new \ArrayObject([$client]), [$secret, $token]);
    }

    public function testWeirdAppClientShowsNoSecretOrToken(): void
    {
        $client = new Client(Emulator::WEIRD_KEY, Emulator::WEIRD_SECRET, ['base_url' => $this->emulator->url()]);
        $token = $client->getAccessToken(true);
        $this->assertHidden($client, [Emulator::WEIRD_SECRET, rawurlencode(Emulator::WEIRD_SECRET), urlencode(Emulator::WEIRD_SECRET), $token]);
    }

    public function testSerializingAClientIsRefused(): void
    {
        $client = $this->client();
        $this->expectException(\Exception::class);
        $this->expectExceptionMessage('Serialization');
        serialize($client);
    }

    public function testSerializingAWorkRecordIsRefused(): void
    {
        $records = $this->client()->workRecords();
        $this->expectException(\Exception::class);
        serialize($records);
    }

    public function testSerializingATodoIsRefused(): void
    {
        $todos = $this->client()->todos();
        $this->expectException(\Exception::class);
        serialize($todos);
    }

    public function testSerializingAnObjectHoldingAClientIsRefused(): void
    {
        $holder = new \stdClass();
        $holder->client = $this->client();
        $this->expectException(\Exception::class);
        serialize($holder);
    }

    public function testApiErrorEchoingTheTokenAndSecret(): void
    {
        [$key, $secret, $token] = $this->app();
        $this->emulator->faults([[
            'path' => self::LIST,
            'errcode' => 88,
            'errmsg' => "bad access_token={$token} for appsecret={$secret}",
            'sub_code' => '60011',
            'sub_msg' => "token {$token} secret {$secret}",
        ]]);
        $this->assertChildHides(ApiException::class, $key, $secret, [], '$client->workRecords()->list("u1");', [$secret, $token]);
    }

    public function testApiErrorKeepsTheRestOfTheMessage(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = new Client($key, $secret, ['base_url' => $this->emulator->url()]);
        $token = $client->getAccessToken();
        $this->emulator->faults([['path' => self::LIST, 'errcode' => 60011, 'errmsg' => "bad access_token={$token} here"]]);
        try {
            $client->workRecords()->list('u1');
            $this->fail('no exception');
        } catch (ApiException $e) {
            $this->assertStringNotContainsString($token, $e->getErrmsg());
            $this->assertStringStartsWith('bad access_token=', $e->getErrmsg());
            $this->assertStringEndsWith(' here', $e->getErrmsg());
        }
    }

    public function testV1ErrorEchoingTheRequestTokenAndSecret(): void
    {
        // A gateway that quotes the query string and the token header back, in every field.
        [$key, $secret, $token] = $this->app();
        $this->emulator->faults([[
            'path' => '/v1.0/todo/',
            'status' => 400,
            'code' => "Echo.{$token}.{query}",
            'message' => "x-acs-dingtalk-access-token: {$token}; appsecret={$secret}; query {query}",
            'required_scopes' => [$token, rawurlencode($secret)],
        ]]);
        $code = '$client->request("GET", "/v1.0/todo/users/u/tasks/t", ["q" => "v"]);';
        $this->assertChildHides(ApiException::class, $key, $secret, ['api_base_url' => $this->emulator->url()], $code, [$secret, rawurlencode($secret), $token]);
    }

    public function testV1ErrorBodyEchoingTheTokenAndSecret(): void
    {
        [$key, $secret, $token] = $this->app();
        $body = json_encode([
            'code' => 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
            'message' => "token {$token} secret {$secret}",
            'requestid' => "{$token}-{$secret}",
            'accessdenieddetail' => ['requiredScopes' => ["scope-{$token}"]],
        ], JSON_THROW_ON_ERROR);
        $this->emulator->faults([['path' => '/v1.0/todo/', 'status' => 403, 'body' => $body]]);
        $code = '$client->todos()->list("union-boss");';
        $this->assertChildHides(ApiException::class, $key, $secret, ['api_base_url' => $this->emulator->url()], $code, [$secret, $token]);
    }

    public function testV1HtmlPageEchoingTheTokenAndSecret(): void
    {
        [$key, $secret, $token] = $this->app();
        $this->emulator->faults([[
            'path' => '/v1.0/todo/',
            'status' => 502,
            'body' => "<html>x-acs-dingtalk-access-token: {$token} appsecret={$secret} {query}</html>",
        ]]);
        $code = '$client->todos()->create("union-boss", ["subject" => "s"]);';
        $this->assertChildHides(TransportException::class, $key, $secret, ['api_base_url' => $this->emulator->url(), 'retries' => 0], $code, [$secret, $token]);
    }

    public function testHttpErrorBodyEchoingTheTokenAndSecret(): void
    {
        [$key, $secret, $token] = $this->app();
        $this->emulator->faults([[
            'path' => self::LIST,
            'status' => 500,
            'body' => "<html>GET /topapi?access_token={$token}&appsecret={$secret} failed</html>",
        ]]);
        $this->assertChildHides(TransportException::class, $key, $secret, ['retries' => 0], '$client->workRecords()->list("u1");', [$secret, $token]);
    }

    /** @return iterable<string, array{0: array<string, mixed>, 1: class-string}> */
    public static function tokenFetchFaults(): iterable
    {
        yield 'errmsg echoing the secret' => [['errcode' => 40089, 'errmsg' => 'invalid appsecret SECRET'], AuthenticationException::class];
        yield 'proxy page echoing the URL' => [['status' => 502, 'body' => 'proxy error for /gettoken?appkey=KEY&appsecret=SECRET'], TransportException::class];
        yield 'no token, secret echoed' => [['status' => 200, 'body' => '{"errcode":0,"echo":"SECRET"}'], TransportException::class];
        yield 'timeout' => [['delay_ms' => 2000], TransportException::class];
        yield 'dropped' => [['drop' => true], TransportException::class];
    }

    /** @dataProvider tokenFetchFaults */
    #[\PHPUnit\Framework\Attributes\DataProvider('tokenFetchFaults')]
    public function testTokenFetchFailureShowsNoSecret(array $fault, string $class): void
    {
        [$key, $secret] = $this->freshApp();
        $fault = json_decode(str_replace(['SECRET', 'KEY'], [$secret, $key], (string) json_encode($fault)), true);
        $this->emulator->faults([$fault + ['path' => '/gettoken']]);
        $this->assertChildHides($class, $key, $secret, ['retries' => 0, 'timeout' => 0.5], '$client->getAccessToken();', [$secret, rawurlencode($secret)]);
    }

    public function testWrongSecretIsNotShown(): void
    {
        [$key] = $this->freshApp();
        $wrong = 'wrong-secret-' . bin2hex(random_bytes(6));
        $this->assertChildHides(AuthenticationException::class, $key, $wrong, [], '$client->workRecords()->create("u1", "t", "https://example.com");', [$wrong]);
    }

    /** @return iterable<string, array{0: array<string, mixed>}> */
    public static function apiFaults(): iterable
    {
        yield 'timeout' => [['delay_ms' => 2000]];
        yield 'dropped' => [['drop' => true]];
        yield 'busy' => [['errcode' => -1]];
        yield 'html 502' => [['status' => 502, 'body' => '<html>bad gateway</html>']];
    }

    /** @dataProvider apiFaults */
    #[\PHPUnit\Framework\Attributes\DataProvider('apiFaults')]
    public function testApiCallFailureShowsNoSecretOrToken(array $fault): void
    {
        [$key, $secret, $token] = $this->app();
        $this->emulator->faults([$fault + ['path' => '/topapi/workrecord/add']]);
        $code = '$client->workRecords()->create("u1", "t", "https://example.com");';
        $class = isset($fault['errcode']) ? ApiException::class : TransportException::class;
        $this->assertChildHides($class, $key, $secret, ['retries' => 0, 'timeout' => 0.5], $code, [$secret, $token]);
    }

    public function testConnectionRefusedShowsNoSecret(): void
    {
        $server = stream_socket_server('tcp://127.0.0.1:0');
        $name = (string) stream_socket_get_name($server, false);
        fclose($server);
        $secret = 'refused-secret-' . bin2hex(random_bytes(6));
        $this->assertChildHides(TransportException::class, 'k', $secret, ['base_url' => "http://{$name}", 'retries' => 0], '$client->getAccessToken();', [$secret]);
    }

    public function testErrorFromTheConstructorShowsNoSecret(): void
    {
        // The trace frame of an error thrown by the constructor is the constructor call, whose
        // arguments include the secret unless its parameter is marked #[\SensitiveParameter].
        $secret = 'ctor-secret-' . bin2hex(random_bytes(6));
        $code = 'new DingTalk\Client("k", $secret, ["timeout" => -1]);';
        $this->assertChildHides(\ValueError::class, 'k', $secret, [], $code, [$secret]);
    }

    public function testErrorFromTheConstructorShowsNoSecretWithArgumentsHidden(): void
    {
        // Debian's php.ini-production hides trace arguments: then nothing shows.
        $secret = 'ctor-secret-' . bin2hex(random_bytes(6));
        $code = 'ini_set("zend.exception_ignore_args", "1"); new DingTalk\Client("", $secret);';
        $this->assertChildHides(\ValueError::class, 'k', $secret, [], $code, [$secret]);
    }
}
