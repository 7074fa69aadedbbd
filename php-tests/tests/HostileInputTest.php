<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Client;
use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use ValueError;

/**
 * Odd but legal PHP input, and hostile text from the network, end in the documented exception:
 * array arguments whose copy would have no bound (shared or self-referencing sub-arrays), NAN
 * and INF in a query, NUL bytes in anything a message quotes.
 */
final class HostileInputTest extends TestCase
{
    private const URL = 'https://example.com/r/1';

    /**
     * Every array argument of the API, with `$a` in it; the script prints one line per call.
     * Run in a child with a memory ceiling: a copy without bound would exhaust it.
     */
    private const EVERY_ARRAY_ARGUMENT = <<<'PHP'
$client = new DingTalk\Client('key', 'secret', ['base_url' => $argv[1], 'retries' => 0]);
$records = $client->workRecords();
$calls = [
    'post body' => fn () => $client->post('/topapi/x', ['a' => $a]),
    'get query' => fn () => $client->get('/topapi/x', ['a' => $a]),
    'client options' => fn () => new DingTalk\Client('key', 'secret', ['base_url' => $a]),
    'create forms' => fn () => $records->create('u1', 't', 'https://example.com', ['f' => $a]),
    'create options' => fn () => $records->create('u1', 't', 'https://example.com', [], ['biz_id' => $a]),
];
foreach ($calls as $name => $call) {
    try {
        $call();
        echo "{$name}: nothing thrown\n";
    } catch (Throwable $e) {
        echo "{$name}: ", get_class($e), ': ', $e->getMessage(), "\n";
    }
}
PHP;

    /** @return iterable<string, array{0: string, 1: string}> */
    public static function unboundedArrays(): iterable
    {
        // A tree of 2^40 leaves in a few hundred bytes of PHP, thanks to copy-on-write.
        yield 'shared sub-arrays' => ['$a = [1]; for ($i = 0; $i < 40; $i++) { $a = [$a, $a]; }', 'too large'];
        // An array that holds itself twice: endless, and breadth 2 at every level.
        yield 'self-references' => ['$a = []; $a[0] = &$a; $a[1] = &$a;', 'nested too deeply'];
        yield 'deep' => ['$a = []; for ($i = 0; $i < 1000; $i++) { $a = [$a]; }', 'nested too deeply'];
    }

    /**
     * @dataProvider unboundedArrays
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('unboundedArrays')]
    public function testArraysWithoutBoundAreRefusedAtOnce(string $build, string $reason): void
    {
        $script = "<?php\n{$build}\n" . self::EVERY_ARRAY_ARGUMENT;
        [$exit, $out, $err] = Child::run($script, [$this->emulator->url()], ['memory_limit' => '64M']);
        $this->assertSame(0, $exit, "the child died: {$err}{$out}");
        $expected = [
            'post body' => 'DingTalk\\Client::post(): Argument #2 ($body)',
            'get query' => 'DingTalk\\Client::get(): Argument #2 ($query)',
            'client options' => 'DingTalk\\Client::__construct(): Argument #3 ($options)',
            'create forms' => 'DingTalk\\WorkRecord::create(): Argument #4 ($forms)',
            'create options' => 'DingTalk\\WorkRecord::create(): Argument #5 ($options)',
        ];
        foreach ($expected as $call => $argument) {
            $this->assertMatchesRegularExpression(
                '/^' . preg_quote("{$call}: ValueError: {$argument} is {$reason}", '/') . '/m',
                $out,
                $call
            );
        }
        $this->assertNoRequestReached();
    }

    public function testAFlatArrayOverTheValueLimitIsRefused(): void
    {
        $client = $this->client();
        $e = $this->throws(ValueError::class, fn () => $client->post('/topapi/x', ['list' => range(1, 100_000)]));
        $this->assertStringContainsString('Argument #2 ($body) is too large to send: more than 100000 values', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public function testStringsOverTheByteLimitAreRefused(): void
    {
        $client = $this->client();
        $megabyte = str_repeat('x', 1 << 20);
        $e = $this->throws(ValueError::class, fn () => $client->post('/topapi/x', array_fill(0, 9, $megabyte)));
        $this->assertStringContainsString('Argument #2 ($body) is too large to send: more than 8 MiB of strings', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public function testAnArrayWithinTheLimitsIsSent(): void
    {
        // 99,999 values (the list and its items): sent, and answered by the emulator.
        $client = $this->client(['retries' => 0]);
        $e = $this->throws(ApiException::class, fn () => $client->post('/topapi/x', ['list' => range(1, 99_998)]));
        $this->assertSame(1, $this->emulator->requests('/topapi/x'), $e->getMessage());
    }

    // ---- NAN and INF in a query (as in a body) -------------------------------------------------

    /** @return iterable<string, array{0: float}> */
    public static function nonFiniteNumbers(): iterable
    {
        yield 'NAN' => [NAN];
        yield 'INF' => [INF];
        yield '-INF' => [-INF];
    }

    /**
     * @dataProvider nonFiniteNumbers
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('nonFiniteNumbers')]
    public function testGetRefusesANonFiniteNumberAsPostDoes(float $number): void
    {
        $client = $this->client();
        $get = $this->throws(ValueError::class, fn () => $client->get('/topapi/x', ['ok' => 1.5, 'n' => $number]));
        $this->assertStringContainsString('Argument #2 ($query[n]) must be a finite number', $get->getMessage());
        $post = $this->throws(ValueError::class, fn () => $client->post('/topapi/x', ['n' => $number]));
        $this->assertStringContainsString('Argument #2 ($body[n]) must be a finite number', $post->getMessage());
        $this->assertNoRequestReached();
    }

    // ---- NUL bytes in messages ------------------------------------------------------------------

    /** Asserts a message shows each NUL byte as `\0` and holds `$expected`. */
    private function assertVisibleNul(string $expected, ?string $text): void
    {
        $this->assertNotNull($text);
        $this->assertStringNotContainsString("\0", $text, 'a raw NUL byte');
        $this->assertStringContainsString($expected, $text);
    }

    public function testNulInAnOptionKey(): void
    {
        $e = $this->throws(ValueError::class, fn () => new Client('k', 's', ["time\0out" => 1]));
        $this->assertVisibleNul('has an unknown key "time\\0out"', $e->getMessage());
    }

    public function testNulInACreateOptionKey(): void
    {
        $records = $this->client()->workRecords();
        $e = $this->throws(ValueError::class, fn () => $records->create('u1', 't', self::URL, [], ["biz\0id" => 'x']));
        $this->assertVisibleNul('"biz\\0id"', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public function testNulInAFormTitle(): void
    {
        $records = $this->client()->workRecords();
        $e = $this->throws(ValueError::class, fn () => $records->create('u1', 't', self::URL, ["ti\0tle" => 5]));
        $this->assertVisibleNul('($forms[ti\\0tle]) must be a string, int given', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public function testNulInACaFilePath(): void
    {
        $e = $this->throws(ValueError::class, fn () => new Client('k', 's', ['ca_file' => "/tmp/no\0such.pem"]));
        $this->assertVisibleNul('($options[ca_file])', $e->getMessage());
    }

    public function testNulInAServerPage(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([[
            'path' => '/topapi/workrecord/getbyuserid',
            'status' => 502,
            'body' => "<html>bad\0gateway</html>",
        ]]);
        $e = $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertVisibleNul('bad\\0gateway', $e->getMessage());
    }

    public function testNulInEveryFieldOfAnApiError(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([[
            'path' => '/topapi/workrecord/getbyuserid',
            'status' => 200,
            'body' => json_encode([
                'errcode' => 60011,
                'errmsg' => "no\0access",
                'request_id' => "req\0id",
                'sub_code' => "sub\0code",
            ]),
        ]]);
        $e = $this->throws(ApiException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertSame(60011, $e->getCode());
        $this->assertVisibleNul('no\\0access', $e->getMessage());
        $this->assertVisibleNul('no\\0access', $e->getErrmsg());
        $this->assertVisibleNul('req\\0id', $e->getRequestId());
        $this->assertVisibleNul('sub\\0code', $e->getSubCode());
    }
}
