<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\TestCase;

/**
 * `stubs/dingtalk.stub.php` (for IDEs and static analysis) must declare exactly what the
 * extension registers: every class, parent, interface, constant, method, parameter (name, type,
 * default, optional) and return type.
 *
 * Both sides are dumped through Reflection by `support/api-dump.php` in separate `php -n`
 * processes: the stub without the extension (its declarations would clash with it), the
 * extension without the stub.
 */
final class StubTest extends TestCase
{
    private static function stubPath(): string
    {
        return dirname(__DIR__, 2) . '/stubs/dingtalk.stub.php';
    }

    private static function dumper(): string
    {
        return dirname(__DIR__) . '/support/api-dump.php';
    }

    /** The decoded dump and its JSON text. */
    private function dump(bool $withExtension, array $args): array
    {
        [$exit, $out, $err] = self::runPhp((string) file_get_contents(self::dumper()), $withExtension, $args);
        $this->assertSame(0, $exit, "api-dump failed: {$err}");
        $this->assertSame('', $err, 'api-dump wrote to stderr');
        $decoded = json_decode($out, true);
        $this->assertIsArray($decoded, "api-dump printed no JSON: {$out}");
        return [$decoded, $out];
    }

    public function testStubFileExists(): void
    {
        $this->assertFileExists(self::stubPath(), 'stubs/dingtalk.stub.php is missing');
    }

    public function testStubIsValidPhpAndLoadsWithoutTheExtension(): void
    {
        $this->assertFileExists(self::stubPath());
        [$exit, $out, $err] = \DingTalk\Tests\Support\Process::run([PHP_BINARY, '-n', '-l', self::stubPath()]);
        $this->assertSame(0, $exit, "php -l: {$out}{$err}");
        [$dump] = $this->dump(false, ['stub', self::stubPath()]);
        $this->assertNotEmpty($dump['classes'], 'the stub declares no class');
    }

    public function testStubMatchesTheExtension(): void
    {
        $this->assertFileExists(self::stubPath(), 'stubs/dingtalk.stub.php is missing');
        [, $extension] = $this->dump(true, ['extension']);
        [, $stub] = $this->dump(false, ['stub', self::stubPath()]);
        // Compared as text, so a difference shows as a readable diff.
        $this->assertSame($extension, $stub, 'stub (actual) differs from the loaded extension (expected)');
    }

    public function testExtensionDumpHasTheDocumentedApi(): void
    {
        // The dumper itself must see the API, or an empty stub would match an empty dump.
        [$dump] = $this->dump(true, ['extension']);
        $classes = $dump['classes'];
        $this->assertSame([
            'DingTalk\\ApiException',
            'DingTalk\\AuthenticationException',
            'DingTalk\\Bot',
            'DingTalk\\Callback',
            'DingTalk\\CallbackException',
            'DingTalk\\Card',
            'DingTalk\\Client',
            'DingTalk\\ConflictException',
            'DingTalk\\DuplicateException',
            'DingTalk\\Exception',
            'DingTalk\\Message',
            'DingTalk\\NotFoundException',
            'DingTalk\\RateLimitException',
            'DingTalk\\Stream',
            'DingTalk\\Todo',
            'DingTalk\\TransportException',
            'DingTalk\\Webhook',
            'DingTalk\\WorkNotice',
            'DingTalk\\WorkRecord',
        ], array_keys($classes));
        $this->assertSame(
            ['__construct', 'bot', 'get', 'getAccessToken', 'post', 'request', 'stats', 'todos', 'unionId', 'workNotices', 'workRecords'],
            array_keys($classes['DingTalk\\Client']['methods'])
        );
        $this->assertSame(
            ['__construct', 'all', 'complete', 'create', 'createMany', 'find', 'list'],
            array_keys($classes['DingTalk\\WorkRecord']['methods'])
        );
        $this->assertSame(
            ['__construct', 'card', 'readStatus', 'recall', 'reply', 'robotCode', 'sendToGroup', 'sendToUsers'],
            array_keys($classes['DingTalk\\Bot']['methods'])
        );
        $this->assertSame(
            ['__construct', 'deliveries', 'outTrackId', 'stream', 'update'],
            array_keys($classes['DingTalk\\Card']['methods'])
        );
        $this->assertSame(['DONE', 'PENDING'], array_keys($classes['DingTalk\\WorkRecord']['constants']));
        $this->assertSame(
            ['__construct', 'all', 'complete', 'create', 'createMany', 'delete', 'findBySourceId', 'get', 'list', 'setExecutorStatus', 'update'],
            array_keys($classes['DingTalk\\Todo']['methods'])
        );
        $this->assertSame(
            ['PRIORITY_HIGH', 'PRIORITY_LOW', 'PRIORITY_NORMAL', 'PRIORITY_URGENT'],
            array_keys($classes['DingTalk\\Todo']['constants'])
        );
        $todoList = $classes['DingTalk\\Todo']['methods']['list']['parameters'];
        $this->assertSame(['unionId', 'done', 'nextToken', 'roles'], array_column($todoList, 'name'));
        $this->assertSame(['string', 'bool', '?string', 'array'], array_column($todoList, 'type'));
        $this->assertSame('RuntimeException', $classes['DingTalk\\Exception']['parent']);
        $this->assertSame('?array', $classes['DingTalk\\WorkRecord']['methods']['find']['return_type']);
        $list = $classes['DingTalk\\WorkRecord']['methods']['list']['parameters'];
        $this->assertSame(['userId', 'status', 'offset', 'limit'], array_column($list, 'name'));
        $this->assertSame(['string', 'int', 'int', 'int'], array_column($list, 'type'));
        $this->assertSame([null, '0', '0', '50'], array_column($list, 'default'));
        $construct = $classes['DingTalk\\ApiException']['methods']['__construct']['parameters'];
        $this->assertSame(
            ['message', 'code', 'previous', 'errorCode', 'errmsg', 'requestId', 'subCode'],
            array_column($construct, 'name'),
            'Exception\'s three first, so that positional calls made before still work'
        );
        $this->assertSame(['DingTalk\\ApiException', ['__construct', 'getExistingId']], [
            $classes['DingTalk\\DuplicateException']['parent'],
            array_keys($classes['DingTalk\\DuplicateException']['methods']),
        ]);
        $options = $classes['DingTalk\\Client']['methods']['__construct']['parameters'][2];
        $this->assertSame(['name' => 'options', 'type' => 'array', 'optional' => true, 'default' => "array (\n)"], array_intersect_key($options, array_flip(['name', 'type', 'optional', 'default'])));
    }
}
