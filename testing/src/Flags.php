<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/**
 * The command-line flags of one emulator, read as far as {@see Emulator} needs them: its apps,
 * its users, its certificate file and whether it listens where it was told. Both `--flag value`
 * and `--flag=value` count, as the emulator takes both.
 *
 * @internal
 */
final class Flags
{
    /** Flags whose value this class reads (the emulator's other flags pass through untouched). */
    private const WITH_VALUE = ['--app', '--user', '--cert-out', '--listen'];

    /** @param list<string> $args */
    private function __construct(private array $args)
    {
    }

    /**
     * @param array<mixed> $flags
     * @throws \ValueError naming the first flag that is not a string or a number
     */
    public static function parse(array $flags): self
    {
        $args = [];
        foreach (array_values($flags) as $i => $flag) {
            if (!is_string($flag) && !is_int($flag) && !is_float($flag)) {
                throw new \ValueError(sprintf('Emulator::start(): $flags[%d] must be a string or a number, %s given', $i, get_debug_type($flag)));
            }
            $args[] = (string) $flag;
        }
        return new self($args);
    }

    /** @return list<string> */
    public function all(): array
    {
        return $this->args;
    }

    public function with(string $flag, string $value): self
    {
        return new self([...$this->args, $flag, $value]);
    }

    public function withSwitch(string $flag): self
    {
        return new self([...$this->args, $flag]);
    }

    public function has(string $flag): bool
    {
        foreach ($this->args as $arg) {
            if ($arg === $flag || str_starts_with($arg, $flag . '=')) {
                return true;
            }
        }
        return false;
    }

    public function certFile(): ?string
    {
        return $this->values('--cert-out')[0] ?? null;
    }

    /** @return array{0?: string, 1?: string} the first `--app`'s key and secret, none without `--app` */
    public function firstApp(): array
    {
        $app = $this->values('--app')[0] ?? null;
        return $app === null ? [] : self::pair($app);
    }

    /** @return array<string, string> `[userid => unionId]` of the `--user` flags */
    public function users(): array
    {
        $users = [];
        foreach ($this->values('--user') as $user) {
            [$userid, $unionId] = self::pair($user) + ['', ''];
            $users[$userid] = $unionId;
        }
        return $users;
    }

    /** @return list<string> the values of `$flag`, in order */
    private function values(string $flag): array
    {
        $values = [];
        for ($i = 0, $n = count($this->args); $i < $n; $i++) {
            $arg = $this->args[$i];
            if (str_starts_with($arg, $flag . '=')) {
                $values[] = substr($arg, strlen($flag) + 1);
            } elseif ($arg === $flag && in_array($flag, self::WITH_VALUE, true) && $i + 1 < $n) {
                $values[] = $this->args[++$i];
            }
        }
        return $values;
    }

    /** `A:B` split at the first `:`, as the emulator splits `--app` and `--user`. */
    private static function pair(string $value): array
    {
        return explode(':', $value, 2) + ['', ''];
    }
}
