<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\SignatureProbes;
use DingTalk\Tests\Support\TestCase;
use TypeError;

/**
 * Under `declare(strict_types=1)` every method refuses what a userland function with the same
 * signature refuses (`null` for a scalar parameter included), with PHP's own `TypeError`.
 * `CoerciveTypingTest` is the same in coercive mode.
 */
final class StrictTypingTest extends TestCase
{
    /** Calls `$class::$method` with `$args` on an object of `$client`'s app. Written here: strict. */
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
            $expected = SignatureProbes::outcome(static fn () => $twin(...$args));
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

    /** @return iterable<string, array{0: string, 1: \Closure}> */
    public static function refusedCalls(): iterable
    {
        yield 'int for a string' => [
            'DingTalk\\WorkRecord::list(): Argument #1 ($userId) must be of type string, int given',
            static fn (Client $c) => $c->workRecords()->list(12345),
        ];
        yield 'numeric string for an int' => [
            'DingTalk\\WorkRecord::list(): Argument #2 ($status) must be of type int, string given',
            static fn (Client $c) => $c->workRecords()->list('u1', '1'),
        ];
        yield 'null for an int' => [
            'DingTalk\\WorkRecord::all(): Argument #2 ($status) must be of type int, null given',
            static fn (Client $c) => $c->workRecords()->all('u1', null),
        ];
        yield 'int for a bool' => [
            'DingTalk\\Client::getAccessToken(): Argument #1 ($forceRefresh) must be of type bool, int given',
            static fn (Client $c) => $c->getAccessToken(1),
        ];
        yield 'Stringable for a string' => [
            'DingTalk\\WorkRecord::find(): Argument #2 ($recordId) must be of type string, Stringable@anonymous given',
            static fn (Client $c) => $c->workRecords()->find('u1', new class implements \Stringable {
                public function __toString(): string
                {
                    return 'r1';
                }
            }),
        ];
    }

    /**
     * @dataProvider refusedCalls
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('refusedCalls')]
    public function testAValueOfAnotherTypeIsPhpsOwnTypeError(string $message, \Closure $call): void
    {
        $client = $this->client();
        $e = $this->throws(TypeError::class, static fn () => $call($client));
        $this->assertSame($message, $e->getMessage());
        $this->assertNoRequestReached();
    }
}
