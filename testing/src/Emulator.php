<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/**
 * A running `dingtalk-emulator`, the local DingTalk server, for an application's tests: started
 * on a free loopback port, its endpoint handed out, its control API (`/_emulator/...`) wrapped,
 * and stopped by its process id ({@see stop()}, the destructor, or at the latest when PHP shuts
 * down).
 *
 *     $emulator = Emulator::start();                       // in a PHPUnit bootstrap
 *     putenv('DINGTALK_ENDPOINT=' . $emulator->endpoint()); // for code that reads it
 *     $client = $emulator->client();                       // the demo app's DingTalk\Client
 *
 * Needs nothing but PHP (proc_open and sockets); only {@see client()} needs the extension.
 */
final class Emulator
{
    /** The app the emulator serves when no `--app` flag is given. */
    public const DEMO_APP_KEY = 'demo_app_key';
    public const DEMO_APP_SECRET = 'demo_app_secret';

    /** How long {@see start()} waits for the emulator to announce its address. */
    private const START_TIMEOUT = 15.0;
    /** How long one control request may take (on top of what it asks the emulator to wait). */
    private const CONTROL_TIMEOUT = 10.0;
    /** Seconds a control request that got no answer waits for the emulator to be seen ending. */
    private const ENDING_GRACE = 1.0;
    /** The unionId of a user not named by `--user`: this prefix and the userid. */
    private const DERIVED_UNION_ID_PREFIX = 'union-';

    /** @var \WeakMap<self, true>|null every emulator not stopped yet, for the shutdown function */
    private static ?\WeakMap $running = null;

    private Process $process;
    private Control $control;
    private string $endpoint;
    private Flags $flags;
    /** The certificate file this class asked for with `--cert-out` (it removes it on stop). */
    private ?string $ownCertFile;

    private function __construct(Process $process, string $endpoint, Flags $flags, ?string $ownCertFile)
    {
        $this->process = $process;
        $this->endpoint = $endpoint;
        $this->flags = $flags;
        $this->ownCertFile = $ownCertFile;
        $this->control = new Control($endpoint, $flags->certFile());
    }

    /**
     * Starts an emulator on 127.0.0.1, a port the system picks (`--listen 127.0.0.1:0` unless
     * `$flags` has its own `--listen`), and returns once it accepts connections.
     *
     * @param list<string|int|float> $flags more command-line flags, e.g. `['--qps-limit', 10]`,
     *     `['--user', 'boss:U-BOSS', '--strict-users']`, `['--tls-self-signed']` (a certificate
     *     file is then added, see {@see certFile()}); `dingtalk-emulator --help` lists them all
     * @param string|null $binary the `dingtalk-emulator` to run; default: see {@see findBinary()}
     * @throws EmulatorException when it is not found, does not start, or exits at once (its
     *     stderr is in the message: a bad flag, for example)
     * @throws \ValueError when a flag is not a string or a number
     */
    public static function start(array $flags = [], ?string $binary = null): self
    {
        $flags = Flags::parse($flags);
        $ownCertFile = null;
        if ($flags->has('--tls-self-signed') && $flags->certFile() === null) {
            $ownCertFile = TempFile::create('dingtalk-emulator-cert-');
            $flags = $flags->with('--cert-out', $ownCertFile);
        }
        if (!$flags->has('--listen')) {
            $flags = $flags->with('--listen', '127.0.0.1:0');
        }
        // Its stdin is a pipe of this process's: should this process die without stopping it
        // (killed, a fatal error past the shutdown functions), the emulator ends too.
        if (!$flags->has('--exit-with-stdin')) {
            $flags = $flags->withSwitch('--exit-with-stdin');
        }
        try {
            [$process, $line] = Process::start(array_merge([self::findBinary($binary)], $flags->all()), self::START_TIMEOUT);
            if (preg_match('~^listening on (https?://\S+)$~', $line, $m) !== 1) {
                $process->stop();
                throw new EmulatorException("dingtalk-emulator's first line is not its address: {$line}");
            }
        } catch (EmulatorException $e) {
            if ($ownCertFile !== null) {
                @unlink($ownCertFile);
            }
            throw $e;
        }
        $emulator = new self($process, $m[1], $flags, $ownCertFile);
        self::track($emulator);
        return $emulator;
    }

    /**
     * The `dingtalk-emulator` that {@see start()} runs: `$binary` when given, else
     * `$DINGTALK_EMULATOR_BIN`, else the one beside the dingtalk extension (the directory the
     * loaded module came from, then `extension_dir`), else the first on `PATH`.
     *
     * @throws EmulatorException naming every place it looked
     */
    public static function findBinary(?string $binary = null): string
    {
        return Binary::find($binary);
    }

    /** `http://127.0.0.1:PORT` (`https://` with `--tls-self-signed`): the `endpoint` option. */
    public function endpoint(): string
    {
        return $this->endpoint;
    }

    /** The key of the first app: the first `--app` flag's, else {@see DEMO_APP_KEY}. */
    public function appKey(): string
    {
        return $this->flags->firstApp()[0] ?? self::DEMO_APP_KEY;
    }

    /** The secret of the first app: the first `--app` flag's, else {@see DEMO_APP_SECRET}. */
    public function appSecret(): string
    {
        return $this->flags->firstApp()[1] ?? self::DEMO_APP_SECRET;
    }

    /**
     * A `DingTalk\Client` of the first app with `endpoint` set to this emulator (and `ca_file`
     * to its certificate with `--tls-self-signed`); `$options` are added (they win).
     *
     * @param array<string, mixed> $options
     * @throws EmulatorException when the dingtalk extension is not loaded
     */
    public function client(array $options = []): \DingTalk\Client
    {
        if (!class_exists(\DingTalk\Client::class)) {
            throw new EmulatorException('Emulator::client() needs the dingtalk extension, which is not loaded');
        }
        $defaults = ['endpoint' => $this->endpoint];
        if ($this->certFile() !== null) {
            $defaults['ca_file'] = $this->certFile();
        }
        return new \DingTalk\Client($this->appKey(), $this->appSecret(), $options + $defaults);
    }

    /** The PEM file of the emulator's certificate with `--tls-self-signed` (for `ca_file`), else null. */
    public function certFile(): ?string
    {
        return $this->flags->certFile();
    }

    /**
     * The users named by `--user` flags, `[userid => unionId]`. Without `--strict-users` every
     * other userid exists too, see {@see unionId()}.
     *
     * @return array<string, string>
     */
    public function users(): array
    {
        return $this->flags->users();
    }

    /**
     * The unionId the emulator gives `$userid` (what `Client::unionId()` answers): the one of
     * its `--user` flag, else `union-<userid>`.
     *
     * @throws EmulatorException when `--strict-users` is given and no `--user` names `$userid`
     */
    public function unionId(string $userid): string
    {
        $users = $this->flags->users();
        if (isset($users[$userid])) {
            return $users[$userid];
        }
        if ($this->flags->has('--strict-users')) {
            throw new EmulatorException("no user {$userid}: the emulator runs with --strict-users and no --user names it");
        }
        return self::DERIVED_UNION_ID_PREFIX . $userid;
    }

    public function pid(): int
    {
        return $this->process->pid();
    }

    public function isRunning(): bool
    {
        return $this->process->isRunning();
    }

    /** What the emulator wrote on stderr so far (after a stop: until it stopped). */
    public function stderr(): string
    {
        return $this->process->stderr();
    }

    // ---- the control API ---------------------------------------------------------------------

    /**
     * Queues faults, all or none, each answering the next matching request(s) in place of the
     * emulator: e.g. `['path' => '/v1.0/todo/', 'status' => 503, 'count' => 2]`,
     * `['path' => '/topapi/workrecord/add', 'errcode' => -1]`, `['path' => '/gettoken',
     * 'delay_ms' => 3000]`, `['path' => '/v1.0/todo/', 'drop' => true]`. The emulator's README
     * lists every field.
     *
     * @param list<array<string, mixed>> $faults
     */
    public function faults(array $faults): void
    {
        $this->control('POST', '/_emulator/faults', $faults);
    }

    /** The faults still queued: `[['path' => ..., 'remaining' => n], ...]`. */
    public function pendingFaults(): array
    {
        return $this->control('GET', '/_emulator/faults')['faults'];
    }

    public function clearFaults(): void
    {
        $this->control('DELETE', '/_emulator/faults');
    }

    /**
     * Counts since the start or the last {@see reset()}: `['gettoken' => n, 'requests' =>
     * [path => n], 'throttled' => n, 'in_flight' => n, 'max_in_flight' => n]`.
     */
    public function stats(): array
    {
        return $this->control('GET', '/_emulator/stats');
    }

    /** How many requests reached `$path` (as sent, e.g. `/topapi/workrecord/add`), faulted ones included. */
    public function requests(string $path): int
    {
        return (int) ($this->stats()['requests'][$path] ?? 0);
    }

    /** Back to the state at start: no tokens, to-dos, records, faults, counts or events. */
    public function reset(): void
    {
        $this->control('POST', '/_emulator/reset');
    }

    /**
     * The to-dos `$unionId` takes part in (creator, executor or participant), every to-do when
     * null; deleted ones included (`'deleted' => true`), in creation order. Each is the task as
     * DingTalk answers it, plus `deleted`, `executorStatus` (`[unionId => done]`) and `todoType`.
     */
    public function todos(?string $unionId = null): array
    {
        $query = $unionId === null ? '' : '?' . http_build_query(['unionId' => $unionId], '', '&', PHP_QUERY_RFC3986);
        return $this->control('GET', '/_emulator/todos' . $query)['todos'];
    }

    /** The work records stored for `$userid`, done (`status` 1) or not (0), in the order added. */
    public function records(string $userid): array
    {
        $query = http_build_query(['userid' => $userid], '', '&', PHP_QUERY_RFC3986);
        return $this->control('GET', '/_emulator/records?' . $query)['records'];
    }

    /**
     * What was delivered, oldest first, each recipient's copy converted back to the one message
     * shape: `[['id' => n, 'channel' => 'work_notice'|'webhook'|'robot', 'user' => ..., 'conversation'
     * => ..., 'webhook' => robot name, 'message' => [...], 'at' => [...]|null, 'task_id' => ...,
     * 'process_query_key' => ..., 'recalled' => bool, 'dropped' => bool, ...], ...]`. `$filter`
     * keeps those of a `user`, `conversation`, `webhook` (its name) or `channel`.
     *
     * @param array{user?: string, conversation?: string, webhook?: string, channel?: string} $filter
     */
    public function messages(array $filter = []): array
    {
        $query = $filter === [] ? '' : '?' . http_build_query($filter, '', '&', PHP_QUERY_RFC3986);
        return $this->control('GET', '/_emulator/messages' . $query)['messages'];
    }

    /**
     * A new group webhook robot: `['name' => ..., 'access_token' => ..., 'secret' => 'SEC...'|null,
     * 'url' => its webhook URL]`.
     *
     * @param array{secret?: bool|string, keywords?: list<string>, name?: string} $settings
     *     `secret`: true makes one (a string sets it); `keywords`: its security keywords
     */
    public function webhook(array $settings = []): array
    {
        // An empty body: no settings (an empty array would be a JSON list).
        return $this->control('POST', '/_emulator/webhooks', $settings === [] ? null : $settings);
    }

    /**
     * A new group that the apps' robots are in; returns its openConversationId.
     *
     * @param list<string> $members userids
     */
    public function conversation(string $title = '', array $members = []): string
    {
        return $this->control('POST', '/_emulator/conversations', ['title' => $title, 'members' => $members])['openConversationId'];
    }

    /** From now on the app robot's messages to these userids are not delivered, and reported flow-controlled. */
    public function flowControl(array $userids): void
    {
        $this->control('POST', '/_emulator/robot/flow-controlled', ['users' => array_values($userids)]);
    }

    /**
     * The inbox entries `$ids` are read by their recipients now (what read reports then show).
     *
     * @param list<int> $ids
     */
    public function markRead(array $ids): void
    {
        $this->control('POST', '/_emulator/messages/read', ['ids' => array_values($ids)]);
    }

    /** Every token issued so far expires now: the next call using one is refused, then renewed. */
    public function expireTokens(): void
    {
        $this->control('POST', '/_emulator/expire-tokens');
    }

    /**
     * Raises an event: pushed to `--push-url` (if given) and delivered over one open Stream
     * connection subscribed to events — one of app `$app`'s (its key), or of any app without
     * it —, in the background. Returns `['id' => n or null, 'eventId' => ...]`.
     *
     * @param array<string, mixed> $data
     */
    public function push(string $type, array $data = [], ?string $app = null): array
    {
        $body = ['type' => $type, 'data' => (object) $data] + ($app === null ? [] : ['app' => $app]);
        return $this->control('POST', '/_emulator/push', $body);
    }

    /**
     * A user writes to the app's robot: in their 1:1 chat with it, or with an @ of it in the
     * group `$conversation` (made with {@see conversation()}), mentioning the users `$at` too.
     * The gateway delivers the bot message (topic `/v1.0/im/bot/messages/get`) over one of the
     * app's Stream connections subscribed to bot messages, with a working `sessionWebhook`
     * (what is sent to it lands in {@see messages()}, channel `session_webhook`). Returns
     * `['id' => its id in the Stream log, 'msgId', 'conversationId', 'sessionWebhook',
     * 'sessionWebhookExpiredTime']`.
     *
     * @param list<string> $at userids, only with `$conversation`
     * @param string|null $app the robot's app (its key); default: the first app
     */
    public function botSay(string $user, string $text, ?string $conversation = null, array $at = [], ?string $app = null): array
    {
        $body = ['user' => $user, 'text' => $text];
        if ($conversation !== null) {
            $body['conversation'] = $conversation;
        }
        if ($at !== []) {
            $body['at'] = array_values($at);
        }
        if ($app !== null) {
            $body['app'] = $app;
        }
        return $this->control('POST', '/_emulator/bot/say', $body);
    }

    /**
     * Every interactive card created, oldest first, as a user would see it now: `['outTrackId',
     * 'app', 'cardTemplateId', 'spaces' => [['spaceType', 'spaceId'], ...], 'callbackType',
     * 'cardParamMap' => its variables now, 'streaming' => [key => ['updates' => n, 'finalized' =>
     * bool, 'error' => bool]], 'updates' => streaming calls applied, 'actions' => buttons
     * pressed, ...]`.
     */
    public function cards(): array
    {
        return $this->control('GET', '/_emulator/cards')['cards'];
    }

    /** The card `$outTrackId` as {@see cards()} shows it, or null when there is none. */
    public function card(string $outTrackId): ?array
    {
        $query = http_build_query(['outTrackId' => $outTrackId], '', '&', PHP_QUERY_RFC3986);
        return $this->control('GET', '/_emulator/cards?' . $query)['cards'][0] ?? null;
    }

    /**
     * `$user` presses a button of card `$outTrackId` (`$action`, with the form's `$params`).
     * For a card created with the STREAM callback type (as `Bot::card()` makes them), the
     * callback goes to one of its app's Stream connections subscribed to card callbacks, and
     * an answer's `response` (`['cardData' => ['cardParamMap' => [...]]]`) updates the card.
     * Returns `['delivered' => bool, 'id' => its id in the Stream log, or null]`.
     *
     * @param array<string, mixed> $params
     */
    public function cardCallback(string $outTrackId, string $user, ?string $action = null, array $params = []): array
    {
        $body = ['outTrackId' => $outTrackId, 'user' => $user, 'params' => (object) $params];
        if ($action !== null) {
            $body['action'] = $action;
        }
        return $this->control('POST', '/_emulator/cards/callback', $body);
    }

    /**
     * The events raised so far, once none is being delivered (waiting at most `$wait` s):
     * `['events' => [...], 'pending' => n, 'settled' => bool, 'stream' => [...], ...]`.
     */
    public function events(float $wait = 10.0): array
    {
        return $this->control('GET', '/_emulator/events?wait=' . $wait, null, $wait);
    }

    /** The Stream-mode log (tickets, connections, deliveries), once settled (at most `$wait` s). */
    public function streamLog(float $wait = 10.0): array
    {
        return $this->events($wait)['stream'];
    }

    /** Closes every Stream connection at once; returns how many there were. */
    public function streamDrop(): int
    {
        return (int) $this->control('POST', '/_emulator/stream/drop')['connections'];
    }

    /** Sends a `disconnect` frame to every open Stream connection; returns how many there were. */
    public function streamDisconnect(): int
    {
        return (int) $this->control('POST', '/_emulator/stream/disconnect')['connections'];
    }

    /** The next `$count` Stream handshakes are refused (HTTP 401). */
    public function refuseTickets(int $count): void
    {
        $this->control('POST', '/_emulator/stream/refuse-tickets', ['count' => $count]);
    }

    /**
     * Any control request: `$body` is sent as JSON, the JSON answer is returned decoded (objects
     * as arrays). `$wait` s are added to the request's time limit, for calls that wait.
     *
     * @throws EmulatorException on anything but HTTP 200, or when the emulator is not running
     *     (then with its exit status and stderr)
     */
    public function control(string $method, string $path, ?array $body = null, float $wait = 0.0): mixed
    {
        $json = $body === null ? null : json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        try {
            return $this->control->call($method, $path, $json, self::CONTROL_TIMEOUT + $wait);
        } catch (EmulatorException $e) {
            // A process killed a moment ago has its sockets closed before the system reports it
            // ended: when no answer came, it is given a moment to be seen ending.
            $reason = $e->getCode() === Control::UNREACHABLE
                ? $this->process->exitReasonWithin(self::ENDING_GRACE)
                : $this->process->exitReason();
            if ($reason === null) {
                throw $e;
            }
            throw new EmulatorException(
                "the emulator at {$this->endpoint} {$reason}; its stderr: {$this->stderr()}",
                0,
                $e
            );
        }
    }

    // ---- stopping ----------------------------------------------------------------------------

    /** Stops the emulator (SIGTERM, then SIGKILL if it lingers) and removes its files. Idempotent. */
    public function stop(): void
    {
        self::$running?->offsetUnset($this);
        $this->process->stop();
        if ($this->ownCertFile !== null) {
            @unlink($this->ownCertFile);
            $this->ownCertFile = null;
        }
    }

    public function __destruct()
    {
        $this->stop();
    }

    /** One object per process: a copy would stop the emulator the original still uses. */
    private function __clone()
    {
    }

    /** Registers the emulator for the shutdown function, which stops what is still running. */
    private static function track(self $emulator): void
    {
        if (self::$running === null) {
            self::$running = new \WeakMap();
            // After a fatal error PHP runs shutdown functions but no destructors.
            register_shutdown_function(static function (): void {
                $left = [];
                foreach (self::$running ?? [] as $running => $_) {
                    $left[] = $running;
                }
                foreach ($left as $running) {
                    $running->stop();
                }
            });
        }
        self::$running[$emulator] = true;
    }
}
