<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/** @internal */
final class TempFile
{
    /** A new empty file in the system's temporary directory. */
    public static function create(string $prefix): string
    {
        $path = tempnam(sys_get_temp_dir(), $prefix);
        if ($path === false) {
            throw new EmulatorException('cannot create a temporary file in ' . sys_get_temp_dir());
        }
        return $path;
    }
}
