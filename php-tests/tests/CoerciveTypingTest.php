<?php

// No strict_types: every call in this file is made in PHP's coercive typing mode.

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\SignatureProbes;
use DingTalk\Tests\Support\TestCase;
use DingTalk\WorkRecord;
use TypeError;

/**
 * In coercive mode every method takes its arguments as PHP takes them for its own functions:
 * the coercions of a userland function with the same signature, the same `TypeError` for a value
 * that cannot be coerced, and, as for every internal function, `null` for a scalar parameter
 * coerced with PHP's deprecation. `StrictTypingTest` is the same under `strict_types`.
 */
final class CoerciveTypingTest extends TestCase
{
    private const URL = 'https://example.com/r/1';

    /** Calls `$class::$method` with `$args` on an object of `$client`'s app. Written here: coercive. */
    private static function callExtension(Client $client, string $class, string $method, array $args): void
    {
        if ($method === '__construct') {
            new $class(...$args);
        } elseif ((new \ReflectionMethod($class, $method))->isStatic()) {
            $class::$method(...$args);
        } else {
            SignatureProbes::target($class, $client)->{$method}(...$args);
        }
    }

    /**
     * @dataProvider methodsProvider
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('methodsProvider')]
    public function testEveryParameterTakesWhatItsDeclaredTypeTakes(string $class, string $method): void
    {
        $client = $this->client(['retries' => 0, 'timeout' => 2]);
        $twin = SignatureProbes::twin($class, $method);
        $mismatches = [];
        foreach (SignatureProbes::probes($class, $method, $client) as [$position, $name, $args]) {
            $actual = SignatureProbes::outcome(static fn () => self::callExtension($client, $class, $method, $args));
            if ($name === 'null' && SignatureProbes::scalar($class, $method, $position)) {
                // Internal functions coerce null for a scalar parameter, with a deprecation.
                [$type, $parameter] = SignatureProbes::parameter($class, $method, $position);
                $n = $position + 1;
                $expected = ['accepted', ["Passing null to parameter #{$n} (\${$parameter}) of type {$type} is deprecated"]];
            } else {
                $expected = SignatureProbes::outcome(static fn () => $twin(...$args));
            }
            if ($actual !== $expected) {
                $mismatches[] = sprintf('#%d = %s: expected %s, got %s', $position + 1, $name, json_encode($expected), json_encode($actual));
            }
        }
        $this->assertSame([], $mismatches);
    }

    /** @return iterable<string, array{0: string, 1: string}> */
    public static function methodsProvider(): iterable
    {
        return SignatureProbes::methods();
    }

    // ---- what the coerced values do --------------------------------------------------------------

    public function testAnIntUserIdAndTitleAreSentAsStrings(): void
    {
        $records = $this->client()->workRecords();
        $id = $records->create(12345, 2024, self::URL);
        $this->assertSame('2024', $this->emulator->records('12345')[0]['title']);
        $this->assertSame([$id], array_column($records->list(12345)['records'], 'record_id'));
    }

    public function testANumericStringStatusIsAnInt(): void
    {
        $records = $this->client()->workRecords();
        $id = $records->create('u1', 'title', self::URL);
        $records->complete('u1', $id);
        $this->assertSame([], $records->list('u1', '0')['records']);
        $this->assertSame([$id], array_column($records->list('u1', '1', '0', '10')['records'], 'record_id'));
    }

    public function testAnIntForceRefreshIsABool(): void
    {
        $client = $this->client();
        $token = $client->getAccessToken(0);
        $this->assertSame($token, $client->getAccessToken(''));
        $this->assertSame(1, $this->emulator->tokenFetches());
        $client->getAccessToken(1);
        $this->assertSame(2, $this->emulator->tokenFetches());
    }

    public function testNullForAnIntIsZeroWithPhpsDeprecation(): void
    {
        $records = $this->client()->workRecords();
        $records->create('u1', 'title', self::URL);
        $deprecations = [];
        set_error_handler(static function (int $level, string $message) use (&$deprecations): bool {
            $deprecations[] = $message;
            return true;
        }, E_DEPRECATED);
        try {
            $page = $records->list('u1', null, null);
        } finally {
            restore_error_handler();
        }
        $this->assertCount(1, $page['records']);
        $this->assertSame([
            'DingTalk\\WorkRecord::list(): Passing null to parameter #2 ($status) of type int is deprecated',
            'DingTalk\\WorkRecord::list(): Passing null to parameter #3 ($offset) of type int is deprecated',
        ], $deprecations);
    }

    public function testAValueThatCannotBeCoercedIsPhpsOwnTypeError(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        $e = $this->throws(TypeError::class, fn () => $records->list('u1', 'done'));
        $this->assertSame('DingTalk\\WorkRecord::list(): Argument #2 ($status) must be of type int, string given', $e->getMessage());
        $e = $this->throws(TypeError::class, fn () => $client->post('/topapi/x', null));
        $this->assertSame('DingTalk\\Client::post(): Argument #2 ($body) must be of type array, null given', $e->getMessage());
        $e = $this->throws(TypeError::class, fn () => new WorkRecord('client'));
        $this->assertSame('DingTalk\\WorkRecord::__construct(): Argument #1 ($client) must be of type DingTalk\\Client, string given', $e->getMessage());
        $e = $this->throws(TypeError::class, fn () => $client->getAccessToken([]));
        $this->assertSame('DingTalk\\Client::getAccessToken(): Argument #1 ($forceRefresh) must be of type bool, array given', $e->getMessage());
        $this->assertNoRequestReached();
    }

    public function testNamedArgumentsAreCoercedToo(): void
    {
        $records = $this->client()->workRecords();
        $records->create('u1', 'title', self::URL);
        $this->assertCount(1, $records->list(userId: 'u1', limit: '5')['records']);
    }
}
