<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\TestCase;

/**
 * An answer that becomes more PHP values than `memory_limit` leaves room for is refused with a
 * `TransportException` the caller can catch, before it is copied into PHP: never a fatal error
 * in the middle of the copy, never a process stopped outright (a PHP that lets one allocation
 * pass `memory_limit` stops the process when it passes twice that). Each call runs in a child
 * with a small `memory_limit` and a ceiling on its address space.
 */
final class LargeAnswerTest extends TestCase
{
    /** Elements of the answer's list: under 1 MiB of JSON, over 8 MiB of PHP array. */
    private const ELEMENTS = 300_000;

    private const SCRIPT = <<<'PHP'
<?php
register_shutdown_function(static function (): void { echo "SHUTDOWN\n"; });
[, $url, $key, $secret, $call] = $argv;
$client = new DingTalk\Client($key, $secret, ['base_url' => $url, 'retries' => 0]);
try {
    $answer = match ($call) {
        'get' => $client->get('/topapi/big'),
        'post' => $client->post('/topapi/big', ['a' => 1]),
        'list' => $client->workRecords()->list('u1'),
    };
    echo 'CONVERTED=', strlen(serialize($answer)), "\n";
} catch (Throwable $e) {
    echo 'CLASS=', get_class($e), "\n", $e->getMessage(), "\n";
}
PHP;

    /** A DingTalk answer whose `x` is a list of `ELEMENTS` zeros. */
    private static function bigAnswer(): string
    {
        return '{"errcode":0,"x":[' . rtrim(str_repeat('0,', self::ELEMENTS), ',') . ']}';
    }

    /** A page of one record that carries a field of `ELEMENTS` zeros. */
    private static function bigPage(): string
    {
        $record = '{"record_id":"r1","create_time":1700000000000,"title":"t","url":"u","forms":[],'
            . '"x":[' . rtrim(str_repeat('0,', self::ELEMENTS), ',') . ']}';
        return '{"errcode":0,"records":{"has_more":false,"list":[' . $record . ']}}';
    }

    /** @return iterable<string, array{0: string, 1: string, 2: string}> */
    public static function bigAnswers(): iterable
    {
        yield 'get()' => ['get', '/topapi/big', 'answer'];
        yield 'post()' => ['post', '/topapi/big', 'answer'];
        yield 'list() with a big record' => ['list', '/topapi/workrecord/getbyuserid', 'page'];
    }

    private function callWith(string $call, string $path, string $body, string $memoryLimit): array
    {
        [$key, $secret] = $this->freshApp();
        $this->emulator->faults([['path' => $path, 'status' => 200, 'body' => $body]]);
        [$exit, $out, $err] = Child::run(
            self::SCRIPT,
            [$this->emulator->url(), $key, $secret, $call],
            ['memory_limit' => $memoryLimit]
        );
        return [$exit, $out . $err];
    }

    /**
     * @dataProvider bigAnswers
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('bigAnswers')]
    public function testAnAnswerTooLargeForMemoryLimitIsATransportException(string $call, string $path, string $kind): void
    {
        $body = $kind === 'page' ? self::bigPage() : self::bigAnswer();
        [$exit, $output] = $this->callWith($call, $path, $body, '4M');
        $this->assertSame(0, $exit, "the child did not end normally: {$output}");
        $this->assertStringContainsString("CLASS=DingTalk\\TransportException\n", $output);
        $this->assertStringContainsString('the answer is too large for memory_limit', $output);
        $this->assertStringContainsString("SHUTDOWN\n", $output);
    }

    /**
     * @dataProvider bigAnswers
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('bigAnswers')]
    public function testTheSameAnswerConvertsWhenMemoryLimitAllows(string $call, string $path, string $kind): void
    {
        $body = $kind === 'page' ? self::bigPage() : self::bigAnswer();
        [$exit, $output] = $this->callWith($call, $path, $body, '128M');
        $this->assertSame(0, $exit, $output);
        $this->assertMatchesRegularExpression('/^CONVERTED=\d{6,}$/m', $output);
    }
}
