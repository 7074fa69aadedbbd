<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/**
 * The emulator could not be found, started or asked: the message says which and why (where it
 * looked for the binary, what the emulator wrote on stderr, what its control API answered).
 */
class EmulatorException extends \RuntimeException
{
}
