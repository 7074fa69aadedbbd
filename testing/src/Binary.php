<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/**
 * Where `dingtalk-emulator` is: the path given, else `$DINGTALK_EMULATOR_BIN`, else beside the
 * dingtalk extension, else on `PATH`. Every install route puts it in one of these places: a
 * release archive and PIE's build beside `dingtalk.so`, `make install` in a `bin` directory.
 *
 * @internal use {@see Emulator::findBinary()}
 */
final class Binary
{
    public const NAME = 'dingtalk-emulator';
    public const ENV = 'DINGTALK_EMULATOR_BIN';

    public static function find(?string $given): string
    {
        if ($given !== null) {
            return self::checked($given, 'given to Emulator::start()');
        }
        $fromEnv = getenv(self::ENV);
        if (is_string($fromEnv) && $fromEnv !== '') {
            return self::checked($fromEnv, 'named by ' . self::ENV);
        }
        $besideExtension = self::extensionDirs();
        $onPath = self::pathDirs();
        foreach (array_merge($besideExtension, $onPath) as $dir) {
            $candidate = $dir . '/' . self::NAME;
            if (is_file($candidate) && is_executable($candidate)) {
                return $candidate;
            }
        }
        throw new EmulatorException(sprintf(
            '%s not found. Looked for it: as Emulator::start()\'s $binary (not given), in $%s (not set), '
            . 'beside the dingtalk extension (%s) and on PATH (%s). It comes with the extension: a release '
            . 'archive and PIE\'s build put it beside dingtalk.so, `make install` in /usr/local/bin; or set %s.',
            self::NAME,
            self::ENV,
            $besideExtension === [] ? 'no extension directory known' : implode(', ', $besideExtension),
            $onPath === [] ? 'empty' : implode(':', $onPath),
            self::ENV
        ));
    }

    private static function checked(string $path, string $how): string
    {
        if (!is_file($path) || !is_executable($path)) {
            throw new EmulatorException(sprintf('%s not found: %s (%s) is not an executable file', self::NAME, $path, $how));
        }
        return $path;
    }

    /**
     * The directory the loaded dingtalk module came from (read from /proc/self/maps, so that
     * `-d extension=/path/to/dingtalk.so` counts too), then PHP's `extension_dir`.
     *
     * @return list<string>
     */
    private static function extensionDirs(): array
    {
        $dirs = [];
        $maps = @file_get_contents('/proc/self/maps');
        if (is_string($maps) && preg_match('~ (/\S*/)(?:lib)?dingtalk\.so$~m', $maps, $m) === 1) {
            $dirs[] = rtrim($m[1], '/');
        }
        $extensionDir = ini_get('extension_dir');
        if (is_string($extensionDir) && $extensionDir !== '') {
            $dirs[] = rtrim($extensionDir, '/');
        }
        return array_values(array_unique($dirs));
    }

    /** @return list<string> */
    private static function pathDirs(): array
    {
        $path = getenv('PATH');
        if (!is_string($path)) {
            return [];
        }
        return array_values(array_filter(explode(PATH_SEPARATOR, $path), static fn (string $dir): bool => $dir !== ''));
    }
}
