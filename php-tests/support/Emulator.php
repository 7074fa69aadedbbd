<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use DingTalk\Testing\Emulator as Running;
use RuntimeException;

/**
 * The suite's emulators: the public test helper ({@see Running}, package `testing/`) with the
 * suite's apps and bookkeeping on top.
 *
 * The suite shares one emulator ({@see Emulator::shared()}), started by the bootstrap with a
 * pool of apps so that each test can use an app whose token cache entry is fresh. A test that
 * needs other flags (`--token-ttl`, `--qps-limit`, `--tls-self-signed`) starts its own with
 * {@see Emulator::start()}. Every emulator started here is stopped at shutdown.
 */
final class Emulator
{
    /** Apps of the shared emulator besides the two named ones, for tests that need fresh counts. */
    public const POOL_SIZE = 2000;

    public const DEMO_KEY = Running::DEMO_APP_KEY;
    public const DEMO_SECRET = Running::DEMO_APP_SECRET;
    /** An app whose key and secret need URL-encoding. */
    public const WEIRD_KEY = 'weird&key';
    public const WEIRD_SECRET = 's3cr3t #+&=/?';

    private static ?Emulator $shared = null;
    /** @var array<int, Emulator> running emulators, by object id */
    private static array $started = [];

    /** @var list<array{0: string, 1: string}> */
    private array $pool;
    private int $nextApp = 0;

    /** @param list<array{0: string, 1: string}> $pool */
    private function __construct(private Running $running, array $pool)
    {
        $this->pool = $pool;
    }

    /** The emulator binary: `$DINGTALK_EMULATOR_BIN`, else the workspace's debug build. */
    public static function binary(): string
    {
        $bin = getenv('DINGTALK_EMULATOR_BIN');
        return $bin === false || $bin === '' ? dirname(__DIR__, 2) . '/target/debug/dingtalk-emulator' : $bin;
    }

    /**
     * The emulator shared by the whole suite, started on first use with the demo app, the
     * weird app and {@see POOL_SIZE} pool apps.
     */
    public static function shared(): self
    {
        if (self::$shared === null || !self::$shared->isRunning()) {
            self::$shared = self::start([], self::POOL_SIZE);
        }
        return self::$shared;
    }

    /**
     * Starts an emulator on 127.0.0.1, port 0, with the demo app, the weird app, `$poolSize`
     * pool apps and the extra flags `$args` (e.g. `['--token-ttl', '2']`). With
     * `--tls-self-signed`, {@see certFile()} names its certificate.
     *
     * @param list<string> $args
     */
    public static function start(array $args = [], int $poolSize = 20): self
    {
        $pool = [];
        $run = bin2hex(random_bytes(3));
        for ($i = 1; $i <= $poolSize; $i++) {
            $pool[] = [sprintf('app-%04d', $i), sprintf('secret-%04d-%s', $i, $run)];
        }
        $flags = ['--app', self::DEMO_KEY . ':' . self::DEMO_SECRET, '--app', self::WEIRD_KEY . ':' . self::WEIRD_SECRET];
        foreach ($pool as [$key, $secret]) {
            array_push($flags, '--app', "{$key}:{$secret}");
        }
        $emulator = new self(Running::start(array_merge($flags, $args), self::binary()), $pool);
        self::$started[spl_object_id($emulator)] = $emulator;
        return $emulator;
    }

    public function url(): string
    {
        return $this->running->endpoint();
    }

    /** The PEM file of the TLS certificate, for an emulator started with `--tls-self-signed`. */
    public function certFile(): ?string
    {
        return $this->running->certFile();
    }

    /** A pool app not handed out before: `[appKey, appSecret]`. */
    public function freshApp(): array
    {
        if ($this->nextApp >= count($this->pool)) {
            throw new RuntimeException('the emulator app pool is used up; raise its size');
        }
        return $this->pool[$this->nextApp++];
    }

    public function isRunning(): bool
    {
        return $this->running->isRunning();
    }

    /** Stops the process (SIGTERM, then SIGKILL if it lingers) and removes its files. */
    public function stop(): void
    {
        unset(self::$started[spl_object_id($this)]);
        $this->running->stop();
    }

    /** Stops every emulator started by this process; registered as a shutdown function. */
    public static function stopAll(): void
    {
        foreach (self::$started as $emulator) {
            $emulator->stop();
        }
        self::$shared = null;
    }

    // ---- control API: the public helper's ------------------------------------------------------

    /** @param list<array<string, mixed>> $list see {@see Running::faults()} */
    public function faults(array $list): void
    {
        $this->running->faults($list);
    }

    public function pendingFaults(): array
    {
        return $this->running->pendingFaults();
    }

    public function clearFaults(): void
    {
        $this->running->clearFaults();
    }

    public function expireTokens(): void
    {
        $this->running->expireTokens();
    }

    public function stats(): array
    {
        return $this->running->stats();
    }

    public function requests(string $path): int
    {
        return $this->running->requests($path);
    }

    /** Token fetches the emulator received. */
    public function tokenFetches(): int
    {
        return (int) $this->stats()['gettoken'];
    }

    public function reset(): void
    {
        $this->running->reset();
    }

    public function records(string $userid): array
    {
        return $this->running->records($userid);
    }

    public function todos(?string $unionId = null): array
    {
        return $this->running->todos($unionId);
    }

    /** @param array<string, string> $filter see {@see Running::messages()} */
    public function messages(array $filter = []): array
    {
        return $this->running->messages($filter);
    }

    /** @param array<string, mixed> $settings see {@see Running::webhook()} */
    public function webhook(array $settings = []): array
    {
        return $this->running->webhook($settings);
    }

    /** @param list<string> $members */
    public function conversation(string $title = '', array $members = []): string
    {
        return $this->running->conversation($title, $members);
    }

    /** @param list<string> $userids */
    public function flowControl(array $userids): void
    {
        $this->running->flowControl($userids);
    }

    /** @param list<int> $ids */
    public function markRead(array $ids): void
    {
        $this->running->markRead($ids);
    }

    /** Any control request, see {@see Running::control()}. */
    public function control(string $method, string $path, ?array $body = null): mixed
    {
        return $this->running->control($method, $path, $body);
    }

    /** @param array<string, mixed> $data */
    public function push(string $type, array $data = []): array
    {
        return $this->running->push($type, $data);
    }

    public function events(float $wait = 10.0): array
    {
        return $this->running->events($wait);
    }

    public function streamLog(float $wait = 10.0): array
    {
        return $this->running->streamLog($wait);
    }

    public function streamDrop(): int
    {
        return $this->running->streamDrop();
    }

    public function streamDisconnect(): int
    {
        return $this->running->streamDisconnect();
    }

    public function refuseTickets(int $count): void
    {
        $this->running->refuseTickets($count);
    }

    // ---- Stream faults, callbacks and bot messages ---------------------------------------------

    /**
     * A `disconnect` to every connection; each is closed `$closeAfter` s later (null: the
     * emulator's grace), with messages still delivered over it meanwhile when `$keepDelivering`.
     * The number of connections.
     */
    public function streamDisconnectWith(?float $closeAfter, bool $keepDelivering): int
    {
        $body = ['keep_delivering' => $keepDelivering] + ($closeAfter === null ? [] : ['close_after' => $closeAfter]);
        return (int) $this->control('POST', '/_emulator/stream/disconnect', $body)['connections'];
    }

    /** Every connection falls silent (no frame, no ping, no pong) with its TCP connection open. */
    public function streamSilence(bool $keepDelivering = false): int
    {
        return (int) $this->running->control('POST', '/_emulator/stream/silence', ['keep_delivering' => $keepDelivering], 10.0)['connections'];
    }

    /** Each of the next `$count` acknowledgements is followed by a copy of what it acknowledged. */
    public function streamDuplicate(int $count, bool $sameMessageId = false): void
    {
        $this->control('POST', '/_emulator/stream/duplicate', ['count' => $count, 'same_message_id' => $sameMessageId]);
    }

    /** A CALLBACK of `$topic` with `$data`; its id in the Stream log. */
    public function streamCallback(string $topic, array $data): string
    {
        return (string) $this->control('POST', '/_emulator/stream/callback', ['topic' => $topic, 'data' => (object) $data])['id'];
    }

    /** `$user` says `$text` to the robot, see {@see Running::botSay()}. */
    public function botSay(string $user, string $text, ?string $conversation = null, array $at = []): array
    {
        return $this->running->botSay($user, $text, $conversation, $at);
    }

    public function cards(): array
    {
        return $this->running->cards();
    }

    public function card(string $outTrackId): ?array
    {
        return $this->running->card($outTrackId);
    }

    public function cardCallback(string $outTrackId, string $user, ?string $action = null, array $params = []): array
    {
        return $this->running->cardCallback($outTrackId, $user, $action, $params);
    }
}
