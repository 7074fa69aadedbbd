<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

/**
 * A fresh `php -n` process with the extension loaded, for what a test cannot do in the suite's
 * own process: the first call of a process, or a call that might exhaust memory. The child runs
 * under `memory_limit` and a ceiling on its address space (`ulimit -v`, which also bounds what
 * the extension allocates outside PHP's allocator), so a regression fails the test instead of
 * taking the suite or the machine down.
 */
final class Child
{
    /** Address space a child may map by default: the PHP binary, the extension, its threads. */
    public const ADDRESS_SPACE_MIB = 1024;

    /**
     * Runs `$script` (PHP source, `<?php` included) with `$args` as `$argv[1..]` and `$ini`
     * settings; returns `[exit code, stdout, stderr]`. An exit code above 128 means a signal.
     *
     * @param list<string> $args
     * @param array<string, string> $ini
     */
    public static function run(
        string $script,
        array $args = [],
        array $ini = [],
        int $addressSpaceMiB = self::ADDRESS_SPACE_MIB,
        float $timeout = 60.0
    ): array {
        $file = tempnam(sys_get_temp_dir(), 'dingtalk-child-');
        file_put_contents($file, $script);
        $command = ['/bin/sh', '-c', 'ulimit -v "$1" && shift && exec "$@"', 'sh', (string) ($addressSpaceMiB * 1024)];
        array_push($command, PHP_BINARY, '-n', '-d', 'extension=' . self::extension());
        foreach ($ini as $name => $value) {
            array_push($command, '-d', "{$name}={$value}");
        }
        $command[] = $file;
        try {
            return Process::run(array_merge($command, $args), $timeout);
        } finally {
            unlink($file);
        }
    }

    /** The extension under test. */
    public static function extension(): string
    {
        $path = getenv('DINGTALK_EXTENSION');
        if ($path === false || $path === '') {
            $path = dirname(__DIR__, 2) . '/target/debug/libdingtalk.so';
        }
        return $path;
    }
}
