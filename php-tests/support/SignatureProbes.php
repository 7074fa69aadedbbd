<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use Closure;
use ReflectionClass;
use ReflectionMethod;
use ReflectionParameter;
use ReflectionNamedType;
use ReflectionUnionType;
use Stringable;
use Throwable;
use TypeError;

/**
 * Probes for "every method takes its arguments as its declared PHP signature says": each
 * parameter of each method of the extension is given values of every kind, the others keeping
 * an ordinary value, and the outcome is compared with that of a userland closure declared with
 * the same signature (read through Reflection, which `StubTest` holds to the stub).
 *
 * The calls themselves are made by the test classes: PHP applies the strictness of the file
 * the call is written in, so a coercive and a strict test file each make their own.
 */
final class SignatureProbes
{
    /** The classes whose methods are probed: every class of the extension but the exceptions. */
    public const CLASSES = [
        'DingTalk\\Client',
        'DingTalk\\WorkRecord',
        'DingTalk\\Todo',
        'DingTalk\\Callback',
        'DingTalk\\Stream',
        'DingTalk\\Message',
        'DingTalk\\WorkNotice',
        'DingTalk\\Webhook',
        'DingTalk\\Bot',
        'DingTalk\\Card',
    ];

    /** A webhook nothing listens at: a send that got so far fails at once, unsent. */
    private const WEBHOOK_URL = 'http://127.0.0.1:9/robot/send?access_token=probe';

    /**
     * Methods not probed: `Stream::run()` given ordinary arguments runs a worker until its
     * timeout. Its parameters are taken by the same mechanism as every other method's.
     */
    private const SKIPPED = ['DingTalk\\Stream::run'];

    /** An aesKey of the right shape. */
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

    /** An ordinary value for each parameter of the API. */
    private static function ordinary(ReflectionParameter $parameter, object $client): mixed
    {
        $type = $parameter->getType();
        $array = $type instanceof ReflectionNamedType && $type->getName() === 'array';
        return match ($parameter->getName()) {
            'appKey' => 'key',
            'appSecret' => 'secret',
            'options', 'query', 'forms', 'records', 'tasks', 'roles' => [],
            'body' => $parameter->getDeclaringFunction()->getDeclaringClass()->getName() === 'DingTalk\\Callback'
                ? '{}'
                : ['a' => 1],
            'forceRefresh' => false,
            'method' => 'GET',
            'path' => '/topapi/probe',
            'client' => $client,
            'userId' => 'u1',
            'title' => 'title',
            'url' => $parameter->getDeclaringFunction()->getDeclaringClass()->getName() === 'DingTalk\\Webhook'
                ? self::WEBHOOK_URL
                : 'https://example.com/r/1',
            'recordId' => 'r1',
            'status', 'offset' => 0,
            'limit' => 50,
            'unionId' => 'union-probe',
            'taskId' => 't1',
            'sourceId' => 's1',
            'operatorId', 'nextToken' => null,
            'task', 'changes' => ['subject' => 's'],
            'done' => $array ? ['union-probe' => true] : true,
            'token', 'receiveId', 'timestamp', 'nonce' => 'x',
            'aesKey' => self::AES_KEY,
            'plaintext' => 'success',
            'agentId' => 7,
            'robotCode', 'secret' => null,
            'openConversationId' => 'cid1',
            'userIds' => ['u1'],
            'message' => ['msgtype' => 'text', 'text' => ['content' => 'probe']],
            'processQueryKeys' => ['k1'],
            'processQueryKey' => 'k1',
            'content', 'text', 'markdown', 'buttonTitle' => 'x',
            'messageUrl', 'buttonUrl' => 'https://example.com/m/1',
            'picUrl' => '',
            'event' => ['type' => 'bot_message', 'data' => ['conversationType' => '1', 'senderStaffId' => 'u1']],
            'to' => 'dtv1.card//IM_ROBOT.u1',
            'templateId' => 'probe.schema',
            'data' => ['status' => 'probe'],
            'key' => 'content',
            'final' => false,
        };
    }

    /** The object whose `$method` is called: the client, one of its APIs, or a new one. */
    public static function target(string $class, object $client): object
    {
        return match ($class) {
            'DingTalk\\Client' => $client,
            'DingTalk\\WorkRecord' => $client->workRecords(),
            'DingTalk\\Todo' => $client->todos(),
            'DingTalk\\Callback' => new $class('x', self::AES_KEY, 'x'),
            'DingTalk\\Stream' => new $class($client),
            'DingTalk\\WorkNotice' => $client->workNotices(7),
            'DingTalk\\Bot' => $client->bot(),
            'DingTalk\\Card' => $client->bot()->card('dtv1.card//IM_ROBOT.u1', 'probe.schema', []),
            'DingTalk\\Webhook' => new $class(self::WEBHOOK_URL, null, ['per_minute' => 60_000, 'timeout' => 2, 'retries' => 0]),
        };
    }

    /** Values of every kind, by a readable name. */
    private static function values(): array
    {
        return [
            'int 12345' => 12345,
            'int 1' => 1,
            'float 1.0' => 1.0,
            'float 1.5' => 1.5,
            'float 1e20' => 1e20,
            'true' => true,
            'false' => false,
            "string '1'" => '1',
            "string ' 1'" => ' 1',
            "string '1 '" => '1 ',
            "string '1x'" => '1x',
            "string 'yes'" => 'yes',
            "string ''" => '',
            'empty array' => [],
            'array' => ['x'],
            'null' => null,
            'Stringable' => new class implements Stringable {
                public function __toString(): string
                {
                    return 'u1';
                }
            },
            'stdClass' => new \stdClass(),
        ];
    }

    /**
     * Every probe of one method: `[position (0-based), value name, arguments]`.
     *
     * @return iterable<array{0: int, 1: string, 2: list<mixed>}>
     */
    public static function probes(string $class, string $method, object $client): iterable
    {
        $parameters = (new ReflectionMethod($class, $method))->getParameters();
        $ordinary = array_map(static fn ($p) => self::ordinary($p, $client), $parameters);
        foreach ($parameters as $position => $parameter) {
            foreach (self::values() as $name => $value) {
                $args = $ordinary;
                $args[$position] = $value;
                yield [$position, $name, $args];
            }
        }
    }

    /** @return iterable<string, array{0: string, 1: string}> */
    public static function methods(): iterable
    {
        foreach (self::CLASSES as $class) {
            foreach ((new ReflectionClass($class))->getMethods(ReflectionMethod::IS_PUBLIC) as $method) {
                $name = "{$class}::{$method->getName()}";
                if ($method->getNumberOfParameters() > 0 && !in_array($name, self::SKIPPED, true)) {
                    yield $name => [$class, $method->getName()];
                }
            }
        }
    }

    /** A userland closure declared with the signature of `$class::$method`, doing nothing. */
    public static function twin(string $class, string $method): Closure
    {
        $parameters = [];
        foreach ((new ReflectionMethod($class, $method))->getParameters() as $parameter) {
            $type = $parameter->getType();
            // A union of builtin types (`array|string`) is written as Reflection shows it.
            $declared = $type instanceof ReflectionNamedType
                ? ($type->allowsNull() && $type->getName() !== 'mixed' ? '?' : '')
                    . ($type->isBuiltin() ? '' : '\\') . $type->getName()
                : (string) $type;
            $default = $parameter->isDefaultValueAvailable()
                ? ' = ' . var_export($parameter->getDefaultValue(), true)
                : '';
            $parameters[] = "{$declared} \${$parameter->getName()}{$default}";
        }
        return eval('return static function (' . implode(', ', $parameters) . '): void {};');
    }

    /**
     * Whether the parameter is of a scalar type, or a union with one, that takes no null (null
     * is coerced for those, with a deprecation).
     */
    public static function scalar(string $class, string $method, int $position): bool
    {
        $type = (new ReflectionMethod($class, $method))->getParameters()[$position]->getType();
        $types = $type instanceof ReflectionUnionType ? $type->getTypes() : [$type];
        $names = array_map(static fn ($t) => $t instanceof ReflectionNamedType ? $t->getName() : '', $types);
        return $type !== null
            && !$type->allowsNull()
            && array_intersect($names, ['bool', 'int', 'float', 'string']) !== [];
    }

    /** The declared type and name of a parameter: `['int', 'status']`, `['array|string', 'to']`. */
    public static function parameter(string $class, string $method, int $position): array
    {
        $parameter = (new ReflectionMethod($class, $method))->getParameters()[$position];
        $type = $parameter->getType();
        return [$type instanceof ReflectionNamedType ? $type->getName() : (string) $type, $parameter->getName()];
    }

    /**
     * What a call made of its arguments: `accepted` (whatever it then threw for their values or
     * their contents), or the `TypeError` message without the function's name; and the
     * deprecations it raised.
     *
     * @return array{0: string, 1: list<string>}
     */
    public static function outcome(Closure $call): array
    {
        $deprecations = [];
        set_error_handler(static function (int $level, string $message) use (&$deprecations): bool {
            $deprecations[] = self::withoutFunction($message);
            return true;
        }, E_DEPRECATED);
        try {
            $call();
            $outcome = 'accepted';
        } catch (TypeError $e) {
            // A TypeError about an array argument's contents (`$records[0]`) says the argument
            // itself was taken: only the declared types are compared here.
            $outcome = preg_match('/Argument #\d+ \(\$\w+\[/', $e->getMessage()) === 1
                ? 'accepted'
                : get_class($e) . ': ' . self::withoutFunction($e->getMessage());
        } catch (Throwable $e) {
            $outcome = 'accepted';
        } finally {
            restore_error_handler();
        }
        return [$outcome, $deprecations];
    }

    /**
     * A message without the `f(): ` it starts with and the `, called in ...` userland adds. A
     * closure's name has spaces since PHP 8.4 (`{closure:file(1) : eval()'d code:1}`): the name
     * ends at the first `(): `.
     */
    private static function withoutFunction(string $message): string
    {
        $message = (string) preg_replace('/^.*?\(\): /', '', $message);
        return (string) preg_replace('/, called in .* on line \d+$/', '', $message);
    }
}
