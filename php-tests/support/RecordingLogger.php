<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use Throwable;

/**
 * A PSR-3 logger (a `log()` method, as `Psr\Log\LoggerInterface` has it) that keeps every
 * record it is given, for the tests.
 */
final class RecordingLogger
{
    /** @var list<array{level: string, message: string, context: array<string, mixed>}> */
    public array $records = [];

    public function log($level, string|\Stringable $message, array $context = []): void
    {
        $this->records[] = ['level' => $level, 'message' => (string) $message, 'context' => $context];
    }

    /** The records whose message starts with `$start`. */
    public function starting(string $start): array
    {
        return array_values(array_filter($this->records, static fn ($r) => str_starts_with($r['message'], $start)));
    }

    /** `[level, message]` of every record. */
    public function lines(): array
    {
        return array_map(static fn ($r) => [$r['level'], $r['message']], $this->records);
    }

    /** Everything the records hold, as text: messages, context values, exceptions with traces. */
    public function everything(): string
    {
        $text = '';
        foreach ($this->records as $record) {
            $text .= "{$record['level']} {$record['message']}\n";
            foreach ($record['context'] as $key => $value) {
                $text .= "{$key}=" . ($value instanceof Throwable
                    ? get_class($value) . ': ' . $value->getMessage() . "\n" . $value->getTraceAsString() . "\n" . print_r($value->getTrace(), true)
                    : var_export($value, true)) . "\n";
            }
        }
        return $text;
    }
}
