<?php

/**
 * IDE stubs of the `dingtalk` extension. Never loaded at run time: the extension defines these
 * classes natively. A test compares this file with the loaded extension, so they cannot drift.
 *
 * @generate-class-entries
 */

namespace DingTalk;

/**
 * A DingTalk app's client for both API families: the legacy "oapi" host (base_url: tokens,
 * work records, identity) and the v1.0 host (api_base_url: to-dos, and any v1.0 API through
 * request()). One cached token serves both.
 *
 * Every method of the extension takes its arguments as PHP's own functions do: in coercive mode
 * a value is coerced to the declared type (`list(12345)` passes "12345", and null for a scalar
 * parameter is coerced with PHP's deprecation); under `declare(strict_types=1)` it must be of
 * that type. Otherwise PHP's own \TypeError is thrown. An array argument (options, query, body,
 * forms) may hold at most 100,000 values and 8 MiB of strings, nested at most 64 levels deep.
 *
 * The access token is cached inside the PHP process, shared by every Client of the same app
 * (same base_url, app key and secret), renewed `token_margin` seconds before it expires, and
 * fetched by one caller at a time. In php-fpm it outlives requests: making a Client per request
 * costs nothing. Connections are kept alive the same way. With a `token_store`, processes (and
 * hosts) share one token, and one `rate_limit`.
 *
 * A Client cannot be serialized, and var_dump()/print_r() show none of its data.
 */
class Client
{
    /**
     * @param string $appKey    The app's AppKey. Must not be empty.
     * @param string $appSecret The app's AppSecret. Never shown in any message, trace or dump.
     * @param array{
     *     endpoint?: string,
     *     base_url?: string,
     *     api_base_url?: string,
     *     timeout?: float|int,
     *     connect_timeout?: float|int,
     *     retries?: int,
     *     token_margin?: float|int,
     *     ca_file?: string,
     *     proxy?: string,
     *     user_agent?: string,
     *     max_answer_bytes?: int,
     *     token_store?: string,
     *     rate_limit?: float|int,
     *     agent_id?: int,
     *     logger?: \Psr\Log\LoggerInterface|callable
     * } $options
     *   - endpoint: one server for both hosts below (the emulator, a gateway of your company),
     *     http or https; a \ValueError together with base_url or api_base_url. Per host the
     *     most specific setting wins: the host option, endpoint, dingtalk.<host>, dingtalk.endpoint.
     *   - base_url: DingTalk's oapi host (tokens, work records, identity), http or https
     *     (default "https://oapi.dingtalk.com").
     *   - api_base_url: DingTalk's v1.0 host (to-dos, request()), http or https
     *     (default "https://api.dingtalk.com").
     *   - timeout: seconds for a whole call, token fetch, retries and pauses included (default 10);
     *     all() and find() are one call, every page included.
     *   - connect_timeout: seconds to open a connection (default 3).
     *   - retries: extra attempts after retryable failures, 0..10 (default 2). A refused
     *     (expired) token is renewed and the call resent once even with 0.
     *   - token_margin: seconds before expiry at which the token is renewed (default 600).
     *   - ca_file: PEM file (a regular file of at most 4 MiB) of certificates to trust besides
     *     the public roots.
     *   - proxy: proxy URL for every request: http://, https://, socks5:// or socks5h://.
     *     Without it no proxy is used; http_proxy and the like are ignored.
     *   - user_agent: User-Agent header (default "dingtalk-php/VERSION").
     *   - max_answer_bytes: the most one answer may hold, decoded, 1024..1073741824 (default
     *     4194304); the pages of all()/find() count together. More is a TransportException.
     *   - token_store: where the token (and the rate_limit's state) is shared: "memory" (this
     *     process, the default), "file:///absolute/dir" (every process of this host),
     *     "redis://[user:password@]host[:port][/db]" or "rediss://..." (every host using that
     *     Redis; rediss:// checks the server against the public roots, or only against ca_file
     *     when it is set). A healthy process asks the store only when it has no fresh token.
     *     A file:// directory must belong to the PHP user and be writable by no other user;
     *     only regular files of that user's, 0600, are used in it. A store that fails (down,
     *     no whole answer within 0.5 s, a directory it cannot write or must refuse) is never in
     *     the way: the call fetches its own token, stats()['store_errors'] counts the failure,
     *     and the store is left alone for 5 s.
     *   - rate_limit: calls per second per app and API (e.g. 20, DingTalk's standard limit;
     *     fractions allowed), 0.00001 <= rate_limit <= 100000, for every process sharing the
     *     token_store. Calls are spaced evenly, 5 % apart more than the limit needs (network
     *     jitter); a call waits for its slot within its timeout, or fails at once with a
     *     RateLimitException, unsent, when the slot would come after it. Off by default.
     *   - agent_id: the app's AgentId (the developer console shows it beside the AppKey), which
     *     work notifications are sent as (workNotices()).
     *   - logger: a PSR-3 logger (any object with a public log($level, $message, $context),
     *     e.g. Monolog's) or a callable taking the same three arguments. It is given: token
     *     fetches (debug), retries (info), throttled answers and rate_limit waits (notice),
     *     token_store failures (warning), calls that end in an exception (error; notice for
     *     NotFoundException and DuplicateException), and a Stream's connection states (info):
     *     PSR-3 messages with {placeholders} and their values in the context (api, path,
     *     attempt, delay_ms, errcode, request_id, reason, exception, ...), never a secret.
     *     Records arrive on PHP's thread when the call returns or throws, before its result
     *     (createMany()'s worker threads included). A logger that throws does not break the
     *     call: its throwable is dropped with the rest of that call's records. No ini setting.
     *   An option left out (or null) takes its ini setting (dingtalk.timeout for timeout; see
     *   dingtalk.ini) when that is set, else the default. $options is hidden in backtraces like
     *   $appSecret: a token_store or proxy URL may hold a password, which no message ever shows.
     *
     * @throws \ValueError when an argument or option is invalid, an option is unknown, the
     *                     options array is too large, or a dingtalk.* ini setting in force is
     *                     invalid (the message names the setting).
     * @throws \TypeError  when an argument or an option has the wrong type (a logger that is
     *                     neither callable nor has a log() method).
     */
    public function __construct(string $appKey, #[\SensitiveParameter] string $appSecret, #[\SensitiveParameter] array $options = []) {}

    /**
     * A valid access token: the cached one, or a new one from /gettoken.
     *
     * @param bool $forceRefresh Fetch a new token even when the cached one is still fresh.
     *
     * @throws AuthenticationException when DingTalk refuses the app key or secret.
     * @throws ApiException            for any other DingTalk error.
     * @throws TransportException      when no usable answer arrives within the timeout.
     */
    public function getAccessToken(bool $forceRefresh = false): string {}

    /**
     * Any oapi GET: the token is added, the answer decoded and its errcode checked.
     *
     * @param string $path  API path starting with "/", without a query (e.g. "/topapi/v2/user/get"),
     *                      "." or ".." segments.
     * @param array<string, string|int|float|bool> $query Query parameters, URL-encoded for you.
     *                      "access_token" (in any letter case) is reserved: the token is added.
     *
     * @return array The whole decoded body (errcode 0).
     *
     * @throws \ValueError         when the path is invalid, a query key is reserved, a query value
     *                             is not UTF-8 or is NAN or INF (as for post()), or the query is
     *                             too large.
     * @throws \TypeError          when a query value is not a string, int, float or bool.
     * @throws ApiException        when DingTalk answers with an errcode (after the retries).
     * @throws TransportException  when no usable answer arrives within the timeout, or the answer
     *                             would not fit in what memory_limit leaves.
     */
    public function get(string $path, array $query = []): array {}

    /**
     * Any oapi POST with a JSON body, same rules as get(). A POST may not be safe to repeat, so it
     * is retried only after failures that surely did not reach DingTalk.
     *
     * @param string $path API path starting with "/".
     * @param array  $body Sent as a JSON object (a list is sent as a JSON array).
     *
     * @return array The whole decoded body (errcode 0).
     *
     * @throws \ValueError         when the path or a body value cannot be sent (invalid UTF-8, NAN,
     *                             objects), or the body is too large.
     * @throws ApiException        when DingTalk answers with an errcode (after the retries).
     * @throws TransportException  when no usable answer arrives within the timeout, or the answer
     *                             would not fit in what memory_limit leaves.
     */
    public function post(string $path, array $body = []): array {}

    /**
     * Any v1.0 API on api_base_url: the token goes in the x-acs-dingtalk-access-token header
     * (never in the query), the body as JSON, and errors are judged as v1.0 errors (HTTP status
     * and a string code). GET, PUT and DELETE are retried after failures that may have reached
     * DingTalk; POST and PATCH only after failures that surely did not.
     *
     * @param string $method GET, POST, PUT, PATCH or DELETE (any letter case).
     * @param string $path   API path starting with "/", e.g. "/v1.0/todo/users/{unionId}/tasks"
     *                       (encode ids yourself: rawurlencode()). For the rate_limit its API is
     *                       the method and the path with each segment after the product that
     *                       is not made of letters alone as "{}" (docs/many-processes.md).
     * @param array<string, string|int|float|bool> $query Query parameters, URL-encoded for you.
     * @param array|null $body Sent as JSON (an empty array as {}), or no body when null.
     *
     * @return array The decoded answer; [] for an empty one (HTTP 204).
     *
     * @throws \ValueError         when the method, path, a query value or the body cannot be sent.
     * @throws \TypeError          when a query value is not a string, int, float or bool.
     * @throws ApiException        when DingTalk answers with an error (after the retries):
     *                             getCode() is the HTTP status, getErrorCode() DingTalk's code.
     * @throws TransportException  when no usable answer arrives within the timeout, or the answer
     *                             is not DingTalk's (an HTML page: the message names the status).
     */
    public function request(string $method, string $path, array $query = [], ?array $body = null): array {}

    /**
     * The unionId of a user (v1.0 APIs, to-dos among them, name users by it), from
     * /topapi/v2/user/get; cached per app and process, since a unionId never changes.
     *
     * @throws \ValueError        when the userId is empty or not UTF-8.
     * @throws ApiException       when DingTalk refuses (60121: no such user).
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function unionId(string $userId): string {}

    /** The to-do (待办) API of this app: DingTalk's v1.0 to-dos, what every new app uses. */
    public function todos(): Todo {}

    /** The work-record (待办) API of this app (legacy: not granted to new apps any more). */
    public function workRecords(): WorkRecord {}

    /**
     * The work-notification (工作通知) API of this app; the same as new WorkNotice($this, $agentId).
     *
     * @param int|null $agentId The AgentId to send as; null: the agent_id option.
     *
     * @throws \ValueError when $agentId is below 1, or null and the client has no agent_id option.
     */
    public function workNotices(?int $agentId = null): WorkNotice {}

    /**
     * The app's robot (企业内部机器人); the same as new Bot($this, $robotCode).
     *
     * @param string|null $robotCode The robot's code; null: the app's own robot, whose code is
     *                               the app key.
     *
     * @throws \ValueError when $robotCode is empty or not UTF-8.
     */
    public function bot(?string $robotCode = null): Bot {}

    /**
     * This app's counters in this process, shared by all its Clients.
     *
     * @return array{requests: int, token_fetches: int, retries: int, store_errors: int, rate_limit_wait_ms: int}
     *   requests: API requests sent (every attempt); token_fetches: /gettoken calls;
     *   retries: extra attempts after failures; store_errors: operations of the token_store
     *   that failed (the call went on without it); rate_limit_wait_ms: time spent waiting
     *   for slots of the rate_limit.
     */
    public function stats(): array {}
}

/**
 * DingTalk's v1.0 to-do (待办) API, on api_base_url. Users are named by unionId
 * (Client::unionId() turns a userid into one).
 *
 * $task and $changes use DingTalk's own field names. Tasks come back as DingTalk sends them:
 * a task's id is 'id' (create(), get(), findBySourceId()), a list card's is 'taskId' (list(),
 * all()); times are milliseconds since the epoch.
 *
 * Give every task a 'sourceId' (your own id of it): a create that carries one is safe to retry,
 * and a retry answered "task exist" returns the task when it is this call's own. A create without
 * one is never resent after a failure that may have reached DingTalk.
 *
 * A task that is not there (never was, or was deleted): get() and findBySourceId() return null,
 * update(), complete(), setExecutorStatus() and delete() throw NotFoundException.
 */
class Todo
{
    /** Low priority. */
    public const PRIORITY_LOW = 10;

    /** Normal priority. */
    public const PRIORITY_NORMAL = 20;

    /** High priority. */
    public const PRIORITY_HIGH = 30;

    /** Urgent. */
    public const PRIORITY_URGENT = 40;

    /** The to-do API of $client's app; the same as $client->todos(). */
    public function __construct(Client $client) {}

    /**
     * Creates a task; $unionId is its creator.
     *
     * @param string $unionId The creator's unionId.
     * @param array{
     *     subject: string,
     *     description?: string,
     *     dueTime?: int|\DateTimeInterface,
     *     executorIds?: list<string>,
     *     participantIds?: list<string>,
     *     detailUrl?: array{appUrl?: string, pcUrl?: string},
     *     sourceId?: string,
     *     priority?: int,
     *     isOnlyShowExecutor?: bool,
     *     notifyConfigs?: array<string, string>,
     *     contentFieldList?: list<array{fieldKey: string, fieldValue: string}>|array<string, string>,
     *     creatorId?: string
     * } $task
     *   - subject: 1..1024 characters (required). description: at most 4096.
     *   - dueTime: milliseconds since the epoch, or a \DateTimeInterface (a value that looks like
     *     seconds is refused).
     *   - executorIds, participantIds: at most 100 unionIds each.
     *   - detailUrl: where the task opens; each URL at most 1024 bytes. DingTalk lists only tasks
     *     that have one.
     *   - sourceId: your id of the task, one task per sourceId: makes the create safe to retry.
     *   - priority: self::PRIORITY_LOW, _NORMAL, _HIGH or _URGENT.
     *   - notifyConfigs: DingTalk's flags as strings, e.g. ['dingNotify' => '1'].
     *   - contentFieldList: a list of ['fieldKey' => ..., 'fieldValue' => ...] or a map
     *     fieldKey => fieldValue; values are strings of at most 1024 bytes.
     *   A null value means "not given".
     * @param string|null $operatorId The unionId of whoever acts, when not the creator.
     *
     * @return array The task DingTalk made: ['id' => string, 'subject' => ..., ...].
     *
     * @throws \ValueError        naming the field (task[subject], task[priority], ...) for an
     *                            unknown key, a missing or over-long subject, a bad priority,
     *                            too many people, an empty id, a URL over 1024 bytes, a non-string
     *                            content value, invalid UTF-8, a time in seconds.
     * @throws DuplicateException when the sourceId belongs to a task this call did not make
     *                            (getExistingId() is its id): "task exist" on a first attempt,
     *                            or on a retry when the task found differs from what this call
     *                            sent in any field, one this call left unset included.
     * @throws ConflictException  when a retry was answered "task exist" (or lockError) and the
     *                            task with this sourceId cannot be found, or matches as far as
     *                            DingTalk shows it but lacks a field this call sent.
     * @throws ApiException       for DingTalk's errors: getCode() the HTTP status, getErrorCode()
     *                            the code ("todo.taskCreate.paramError", ...).
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function create(string $unionId, array $task, ?string $operatorId = null): array {}

    /**
     * Creates many tasks for $unionId (their creator), several at a time, each as create()
     * would (retries and the sourceId recovery included), all under the rate_limit.
     *
     * Every task is checked before anything is sent: a wrong one is a \ValueError or \TypeError
     * naming it (tasks[3][subject]), and nothing is sent.
     *
     * @param string $unionId The creator's unionId.
     * @param array<array-key, array> $tasks Tasks as create() takes them.
     * @param array{concurrency?: int, timeout?: float|int, operator_id?: string} $options
     *   - concurrency: tasks sent at once, 1..32 (default 4).
     *   - timeout: seconds the whole call may take (default 60, or the client's timeout if
     *     longer); each task also keeps the client's timeout. A task whose turn comes later is
     *     not sent: its result is a TransportException.
     *   - operator_id: the unionId of whoever acts, when not the creator.
     *
     * @return array<array-key, array{ok: bool, id?: string, task?: array, error?: Exception}>
     *   One entry per task, under its key, in order: ['ok' => true, 'id' => taskId,
     *   'task' => the task DingTalk made] or ['ok' => false, 'error' => the exception create()
     *   would have thrown]. One failure never loses the others' results.
     *
     * @throws \ValueError when a task, $unionId or an option is invalid (nothing is sent).
     * @throws \TypeError  when a task or an option has the wrong type (nothing is sent).
     */
    public function createMany(string $unionId, array $tasks, array $options = []): array {}

    /**
     * The task, or null when it does not exist or was deleted.
     *
     * @throws \ValueError        when an id is empty, "." or "..", or not UTF-8.
     * @throws ApiException       for DingTalk's other errors.
     * @throws TransportException when no usable answer arrives within the timeout, or the
     *                            answer is not a task (no id: an empty body, {}, ...).
     */
    public function get(string $unionId, string $taskId): ?array {}

    /**
     * The task with this sourceId, or null.
     *
     * @throws \ValueError        when an id is empty, "." or "..", or not UTF-8.
     * @throws ApiException       for DingTalk's other errors.
     * @throws TransportException when no usable answer arrives within the timeout, or the
     *                            answer is not a task (no id: an empty body, {}, ...).
     */
    public function findBySourceId(string $unionId, string $sourceId): ?array {}

    /**
     * Changes a task.
     *
     * @param array{
     *     subject?: string,
     *     description?: string,
     *     dueTime?: int|\DateTimeInterface,
     *     done?: bool,
     *     executorIds?: list<string>,
     *     participantIds?: list<string>,
     *     contentFieldList?: list<array{fieldKey: string, fieldValue: string}>|array<string, string>
     * } $changes At least one field; the same limits as create(), but up to 1000 people.
     *
     * @throws \ValueError        naming the field, as create() does, or when $changes is empty.
     * @throws NotFoundException  when the task is not there ("task not exist").
     * @throws ApiException       for DingTalk's other errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function update(string $unionId, string $taskId, array $changes, ?string $operatorId = null): bool {}

    /**
     * Marks the task done (or, with $done false, not done) for everyone.
     *
     * @throws \ValueError        when an id is empty or not UTF-8.
     * @throws NotFoundException  when the task is not there.
     * @throws ApiException       for DingTalk's other errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function complete(string $unionId, string $taskId, bool $done = true, ?string $operatorId = null): bool {}

    /**
     * Marks the task done or not done for some of its executors.
     *
     * @param array<string, bool> $done executorUnionId => done; 1 to 1000 of them.
     *
     * @throws \ValueError        when $done is empty or too long, or a value is not a bool.
     * @throws NotFoundException  when the task is not there (not when a unionId is not one of
     *                            its executors: that is an ApiException).
     * @throws ApiException       for DingTalk's other errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function setExecutorStatus(string $unionId, string $taskId, array $done, ?string $operatorId = null): bool {}

    /**
     * Deletes a task. Deleting it again is a NotFoundException.
     *
     * @throws \ValueError        when an id is empty or not UTF-8.
     * @throws NotFoundException  when the task is not there.
     * @throws ApiException       for DingTalk's other errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function delete(string $unionId, string $taskId, ?string $operatorId = null): bool {}

    /**
     * One page of the user's tasks (DingTalk chooses the page size; done tasks are listed for 180
     * days). Only tasks with a detailUrl are listed.
     *
     * @param bool        $done      Done tasks instead of open ones.
     * @param string|null $nextToken The next_token of the previous page; null for the first.
     * @param list<string> $roles    Any of 'executor', 'creator', 'participant'; [] means all three.
     *
     * @return array{next_token: ?string, tasks: list<array>} Cards: ['taskId' => ..., 'subject' => ...,
     *               'dueTime' => ..., 'detailUrl' => ..., 'isDone' => ..., ...]; next_token is
     *               null on the last page.
     *
     * @throws \ValueError        when an id or token is empty, or a role is unknown.
     * @throws ApiException       for DingTalk's errors ("nextToken is invalid", ...).
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function list(string $unionId, bool $done = false, ?string $nextToken = null, array $roles = []): array {}

    /**
     * Every page of list(), as one call: one timeout and one max_answer_bytes for all pages, and
     * at most 1000 pages.
     *
     * @param list<string> $roles Any of 'executor', 'creator', 'participant'; [] means all three.
     *
     * @return list<array> The cards of every page.
     *
     * @throws \ValueError        when the id is empty or a role is unknown.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function all(string $unionId, bool $done = false, array $roles = []): array {}
}

/**
 * The work-record (待办) API: /topapi/workrecord/add, /update and /getbyuserid.
 *
 * Records are returned with DingTalk's field names:
 * ['record_id' => string, 'create_time' => int (ms), 'title' => string, 'url' => string,
 *  'forms' => list<array{title: string, content: string}>].
 */
class WorkRecord
{
    /** A record that is not done yet. */
    public const PENDING = 0;

    /** A record that is done. */
    public const DONE = 1;

    public function __construct(Client $client) {}

    /**
     * Creates a record for a user.
     *
     * An add is retried after a failure that may have reached DingTalk (system busy, HTTP 5xx, a
     * dropped connection) only when it carries a biz_id, since DingTalk then rejects a duplicate.
     * If the retry is told "duplicate biz_id", the record is looked up: its id is returned only
     * when it is provably this call's (create_time left to the extension, and exactly one pending
     * record with everything that was sent); otherwise a ConflictException says the outcome of
     * the first attempt is unknown.
     *
     * @param string $userId The assignee's userid.
     * @param string $title  At most 50 characters (characters, not bytes).
     * @param string $url    Opened on mobile.
     * @param array  $forms  At most 20 lines: a list of ['title' => string, 'content' => string],
     *                       or a map title => content. Values must be strings.
     * @param array{
     *     pc_url?: string,
     *     pc_open_type?: int,
     *     source_name?: string,
     *     originator_user_id?: string,
     *     biz_id?: string,
     *     create_time?: int
     * } $options
     *   - pc_url: opened on PC (sent as pcUrl).
     *   - pc_open_type: 2 = inside DingTalk's PC client, 4 = browser.
     *   - source_name, originator_user_id: shown with the record.
     *   - biz_id: your id for the record, unique per user; makes retries safe, and complete() accepts it.
     *   - create_time: milliseconds since the epoch (default now).
     *
     * @return string The record_id.
     *
     * @throws \ValueError         when an argument breaks one of DingTalk's limits (checked before sending).
     * @throws DuplicateException  when a first attempt is refused as a duplicate (errcode 854001:
     *                             the biz_id is taken, or an identical record reached the user
     *                             today). DingTalk names no record: getExistingId() is null.
     * @throws ApiException        when DingTalk refuses the record otherwise.
     * @throws ConflictException   when a retried add met its own biz_id and the record cannot be
     *                             proven to be this call's: the outcome is unknown.
     * @throws TransportException  when no usable answer arrives within the timeout.
     */
    public function create(string $userId, string $title, string $url, array $forms = [], array $options = []): string {}

    /**
     * Creates many records, several at a time, each as create() would (retries and the
     * duplicate recovery included), all under the rate_limit.
     *
     * Every record is checked before anything is sent: a wrong one is a \ValueError or
     * \TypeError naming it (records[3][title]), and nothing is sent.
     *
     * @param array<array-key, array{
     *     user_id: string,
     *     title: string,
     *     url: string,
     *     forms?: array,
     *     pc_url?: string,
     *     pc_open_type?: int,
     *     source_name?: string,
     *     originator_user_id?: string,
     *     biz_id?: string,
     *     create_time?: int
     * }> $records create()'s arguments and options, by name; give each a biz_id to make its
     *   retries safe.
     * @param array{concurrency?: int, timeout?: float|int} $options
     *   - concurrency: records sent at once, 1..32 (default 4).
     *   - timeout: seconds the whole call may take (default 60, or the client's timeout if
     *     longer); each record also keeps the client's timeout. A record whose turn comes
     *     later is not sent: its result is a TransportException.
     *
     * @return array<array-key, array{ok: bool, id?: string, error?: Exception}>
     *   One entry per record, under its key, in order: ['ok' => true, 'id' => recordId] or
     *   ['ok' => false, 'error' => the exception create() would have thrown]. One failure never
     *   loses the others' results.
     *
     * @throws \ValueError when a record or an option is invalid (nothing is sent).
     * @throws \TypeError  when a record or an option has the wrong type (nothing is sent).
     */
    public function createMany(array $records, array $options = []): array {}

    /**
     * Marks a record done (/topapi/workrecord/update). DingTalk has no delete: this is it.
     *
     * @param string $recordId The record_id, or the biz_id given to create().
     *
     * @return bool DingTalk's result.
     *
     * @throws \ValueError        when an argument is empty or not UTF-8.
     * @throws NotFoundException  when the user has no record with this id (DingTalk's errcode
     *                            40035 naming record_id).
     * @throws ApiException       when DingTalk refuses otherwise.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function complete(string $userId, string $recordId): bool {}

    /**
     * One page of a user's records.
     *
     * @param int $status self::PENDING or self::DONE.
     * @param int $offset Records to skip (0 or more); the next page starts at $offset + $limit.
     * @param int $limit  Page size, 1..50.
     *
     * @return array{has_more: bool, records: list<array>}
     *
     * @throws \ValueError        when the status, offset or limit is out of range.
     * @throws ApiException       when DingTalk refuses.
     * @throws TransportException when no usable answer arrives within the timeout, or the answer
     *                            would not fit in what memory_limit leaves.
     */
    public function list(string $userId, int $status = self::PENDING, int $offset = 0, int $limit = 50): array {}

    /**
     * Every record of a user with a status, all pages fetched: one call, within one timeout,
     * at most 1000 pages and max_answer_bytes for all of them.
     *
     * @return list<array>
     *
     * @throws \ValueError        when the status is not PENDING or DONE.
     * @throws ApiException       when DingTalk refuses.
     * @throws TransportException when no usable answer arrives within the timeout, or the answer
     *                            would not fit in what memory_limit leaves.
     */
    public function all(string $userId, int $status = self::PENDING): array {}

    /**
     * One record, pending or done. DingTalk has no "get one record" API, so this pages through
     * the user's pending, then done records: one call, within one timeout, at most 1000 pages.
     *
     * @return array|null The record, or null when the user has none with this id.
     *
     * @throws \ValueError        when an argument is empty or not UTF-8.
     * @throws ApiException       when DingTalk refuses.
     * @throws TransportException when no usable answer arrives within the timeout, or the answer
     *                            would not fit in what memory_limit leaves.
     */
    public function find(string $userId, string $recordId): ?array {}
}

/**
 * The builders of a message in the one shape every channel takes (WorkNotice, Webhook, Bot):
 * the array DingTalk's work notifications use, which each channel converts to its own wire
 * format. A message is a plain array; these return one, and any array of the same shape works:
 *
 * - ['msgtype' => 'text', 'text' => ['content' => string]]
 * - ['msgtype' => 'markdown', 'markdown' => ['title' => string, 'text' => string]]
 * - ['msgtype' => 'link', 'link' => ['title' => string, 'text' => string, 'messageUrl' => string,
 *   'picUrl' => string ('' for none)]]
 * - ['msgtype' => 'action_card', 'action_card' => ['title' => string, 'markdown' => string,
 *   and either 'single_title' + 'single_url' (one button) or 'btn_json_list' => list of
 *   ['title' => string, 'action_url' => string] with 'btn_orientation' => '0' (one under
 *   another, the default) or '1' (side by side)]]
 * - work notifications only: ['msgtype' => 'oa', 'oa' => ['message_url' => string, 'head' =>
 *   ['bgcolor' => 8 hex digits, 'text' => at most 10 characters], 'body' => array, and
 *   optionally 'pc_message_url', 'status_bar']], ['msgtype' => 'image', 'image' => ['media_id'
 *   => string]] (the app robot takes images too), 'file' (['media_id']), 'voice' (['media_id',
 *   'duration' => seconds, 1 to 60]).
 * - a webhook message may mention people: 'at' => ['atUserIds' => list<string>, 'atMobiles' =>
 *   list<string>, 'isAtAll' => bool] beside 'msgtype'.
 *
 * Every send checks its message before anything is sent, with a \ValueError naming the field
 * ($message[text][content]): an unknown msgtype or key, a missing or empty field, a link that is
 * not an absolute http://, https:// or dingtalk:// URL, a type or a mention the channel cannot
 * carry, a message over the channel's size limit.
 */
final class Message
{
    /** Only the builders: a Message is never made. */
    private function __construct() {}

    /** ['msgtype' => 'text', 'text' => ['content' => $content]]. */
    public static function text(string $content): array {}

    /** ['msgtype' => 'markdown', 'markdown' => ['title' => $title, 'text' => $text]]: $title shows in the conversation list. */
    public static function markdown(string $title, string $text): array {}

    /** ['msgtype' => 'link', 'link' => ['title' => ..., 'text' => ..., 'messageUrl' => ..., 'picUrl' => ...]]. */
    public static function link(string $title, string $text, string $messageUrl, string $picUrl = ''): array {}

    /**
     * An action card with one button: ['msgtype' => 'action_card', 'action_card' => ['title' =>
     * $title, 'markdown' => $markdown, 'single_title' => $buttonTitle, 'single_url' => $buttonUrl]].
     */
    public static function actionCard(string $title, string $markdown, string $buttonTitle, string $buttonUrl): array {}
}

/**
 * Work notifications (工作通知): messages from the app to people, in their "work notifications"
 * conversation (/topapi/message/corpconversation/*, on base_url). They carry every type of the
 * one shape but mentions; a message is at most 2048 bytes as JSON (DingTalk's limit).
 *
 * DingTalk delivers a send in the background, and silently drops a second notification with
 * the same content to the same user on the same day: send() still succeeds, and result() lists
 * that user in forbidden_user_id_list (forbidden_list code 143106). Make each day's notice
 * differ (a date, an id) when it must arrive again.
 */
class WorkNotice
{
    /**
     * @param int|null $agentId The AgentId to send as; null: the client's agent_id option.
     *
     * @throws \ValueError when $agentId is below 1, or null and the client has no agent_id option.
     */
    public function __construct(Client $client, ?int $agentId = null) {}

    /** The AgentId the notifications are sent as. */
    public function agentId(): int {}

    /**
     * Sends a notification (asyncsend_v2). A send is never resent after a failure that may have
     * reached DingTalk (a duplicate notice to thousands of people is the worst outcome): only a
     * failure that surely did not (no connection) is retried.
     *
     * @param list<string> $userIds Userids, at most 5000; may be empty when $options names
     *                              departments or everyone.
     * @param array        $message A message in the one shape (see Message), without 'at'.
     * @param array{agent_id?: int, dept_ids?: list<int>, to_all_user?: bool} $options
     *   - agent_id: another AgentId for this send.
     *   - dept_ids: departments whose members receive it, at most 500.
     *   - to_all_user: everyone in the organisation.
     *
     * @return int DingTalk's task_id, for progress(), result() and recall().
     *
     * @throws \ValueError        naming the field for a message the channel refuses, no recipient,
     *                            too many users or departments, an empty userid or one with a comma.
     * @throws \TypeError         when a userid, an option or a department id has the wrong type.
     * @throws ApiException       for DingTalk's errors (40056: not this app's agent_id).
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function send(array $userIds, array $message, array $options = []): int {}

    /**
     * How far a send got (getsendprogress).
     *
     * @return array{progress_in_percent: int, status: int} status 0 waiting, 1 sending, 2 done.
     *
     * @throws \ValueError        when $taskId is below 1.
     * @throws ApiException       for DingTalk's errors (an unknown or older than 24 h task).
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function progress(int $taskId): array {}

    /**
     * Who got a send and who read it (getsendresult); every list is there, empty or not.
     *
     * @return array{read_user_id_list: list<string>, unread_user_id_list: list<string>,
     *     invalid_user_id_list: list<string>, failed_user_id_list: list<string>,
     *     forbidden_user_id_list: list<string>, invalid_dept_id_list: list<int>,
     *     forbidden_list: list<array{code: string, count: int, userid: string}>}
     *   forbidden: not delivered by DingTalk's rules (143106: the same content to the same user
     *   today; 143105: over 500 notices a day to one user).
     *
     * @throws \ValueError        when $taskId is below 1.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function result(int $taskId): array {}

    /**
     * Takes a send back from everyone (recall; within 24 hours of the send).
     *
     * @throws \ValueError        when $taskId is below 1.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function recall(int $taskId): bool {}
}

/**
 * A group's webhook robot (自定义机器人): POST /robot/send?access_token=... with the webhook's
 * JSON. No app is involved: no key, no secret, no token; it works without a Client. It carries
 * text, markdown, link and action_card messages, with mentions ('at'), of at most 20,000 bytes
 * as sent (DingTalk's limit).
 *
 * DingTalk lets a robot send 20 messages a minute, then answers 130101 and mutes it for 10
 * minutes. So the sends are spaced evenly under per_minute (5 % wider than it needs, for the
 * network), counted for every process that shares the token_store (memory: this process; file:
 * this host; Redis: every host) under a hash of the robot's token, never the token: a send
 * waits for its slot within its timeout, or fails at once with a RateLimitException, unsent,
 * when the slot would come after it. At 20 a minute a slot comes every 3.15 s: give a timeout
 * that fits the alerts a burst may queue, or send from a queue worker.
 *
 * The URL (its access_token) and the secret are never shown in any message, trace, dump or
 * store key. A Webhook cannot be serialized, and var_dump()/print_r() show none of its data.
 */
final class Webhook
{
    /**
     * @param string      $url     The robot's webhook URL as DingTalk shows it:
     *                             https://oapi.dingtalk.com/robot/send?access_token=... (http or
     *                             https, no query parameter but access_token).
     * @param string|null $secret  The robot's signing secret ("加签", SEC...), when its security
     *                             settings have one: every request then carries timestamp and
     *                             sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)),
     *                             URL-encoded.
     * @param array{
     *     timeout?: float|int,
     *     connect_timeout?: float|int,
     *     retries?: int,
     *     ca_file?: string,
     *     proxy?: string,
     *     user_agent?: string,
     *     max_answer_bytes?: int,
     *     token_store?: string,
     *     per_minute?: int,
     *     logger?: \Psr\Log\LoggerInterface|callable
     * } $options A Client's transport options (same meaning, same dingtalk.* ini defaults), and:
     *   - per_minute: messages a minute this robot may send, 1..60000 (default 20, DingTalk's
     *     limit), shared through token_store.
     *   - logger: as Client's: this webhook's waits for a slot (notice), retries (info) and
     *     failed sends (error), never with the robot's token, secret or a signature.
     *
     * @throws \ValueError when the URL, the secret or an option is invalid (the message never
     *                     quotes the URL).
     * @throws \TypeError  when an option has the wrong type (a logger that is neither a PSR-3
     *                     logger nor a callable).
     */
    public function __construct(#[\SensitiveParameter] string $url, #[\SensitiveParameter] ?string $secret = null, #[\SensitiveParameter] array $options = []) {}

    /**
     * Sends a message to the robot's group, in its slot of the robot's rate limit. Never resent
     * after a failure that may have reached DingTalk.
     *
     * @param array $message A message in the one shape (see Message): text, markdown, link or
     *                       action_card, with 'at' to mention people.
     *
     * @throws \ValueError              naming the field, for a message the webhook refuses.
     * @throws RateLimitException       unsent, when the robot's next slot comes after the
     *                                  timeout; or DingTalk's 130101 (over 20 a minute: the
     *                                  robot is muted for 10 minutes; not retried).
     * @throws AuthenticationException  300001: no robot has this token (400101, 400102, 400106).
     * @throws ApiException             310000, refused by the robot's security settings: the
     *                                  message says which (no keyword, a signature that does not
     *                                  match or a timestamp an hour off, an IP address not
     *                                  allowed); and DingTalk's other errors.
     * @throws TransportException       when no usable answer arrives within the timeout.
     */
    public function send(array $message): void {}
}

/**
 * The app's robot (企业内部机器人, v1.0 on api_base_url): messages to people one by one, or to a
 * group the robot is in. It carries text, markdown, link, action_card (one button, 2 to 5 one
 * under another, or 2 side by side) and image messages (its media_id), without mentions; the
 * parameters of a message are at most 15,000 bytes (DingTalk's limit). Sends are creates: never
 * resent after a failure that may have reached DingTalk.
 */
class Bot
{
    /**
     * @param string|null $robotCode The robot's code; null: the app's own robot, whose code is
     *                               the app key (DingTalk's rule for an internal app).
     *
     * @throws \ValueError when $robotCode is empty or not UTF-8.
     */
    public function __construct(Client $client, ?string $robotCode = null) {}

    /** The robot code the messages are sent as. */
    public function robotCode(): string {}

    /**
     * Sends a message to each of 1 to 20 people (oToMessages/batchSend).
     *
     * DingTalk sends to everyone it can and names who it did not reach: no exception is thrown
     * for them (the others got the message: a resend would reach them twice). Look at the two
     * lists: invalidStaffIdList (userids DingTalk does not know, or whom the robot may not
     * message) and flowControlledStaffIdList (people who got too many messages lately: send to
     * them, and only them, again later).
     *
     * @param list<string> $userIds Userids, 1 to 20.
     * @param array        $message A message in the one shape (see Message), without 'at'.
     *
     * @return array{processQueryKey: string, invalidStaffIdList: list<string>,
     *     flowControlledStaffIdList: list<string>} The key of the send (for recall() and
     *     readStatus()) and the people it did not reach.
     *
     * @throws \ValueError        naming the field, for a message the robot refuses, no userid,
     *                            more than 20, or an empty one.
     * @throws \TypeError         when a userid is not a string.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function sendToUsers(array $userIds, array $message): array {}

    /**
     * Sends a message to a group the robot is in (groupMessages/send).
     *
     * @param string $openConversationId The group's openConversationId ("cid...").
     * @param array  $message            A message in the one shape (see Message), without 'at'.
     *
     * @return string The processQueryKey of the send, for recall().
     *
     * @throws \ValueError        naming the field, or for an empty openConversationId.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function sendToGroup(string $openConversationId, array $message): string {}

    /**
     * Takes sends back: sends to people (otoMessages/batchRecall), or with $openConversationId
     * sends to that group (groupMessages/recall).
     *
     * @param list<string> $processQueryKeys The keys sendToUsers()/sendToGroup() returned.
     *
     * @return array{successResult: list<string>, failedResult: array<string, string>} The keys
     *   taken back, and key => DingTalk's reason for those that were not.
     *
     * @throws \ValueError        when there is no key, or a key or the openConversationId is empty.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function recall(array $processQueryKeys, ?string $openConversationId = null): array {}

    /**
     * Who read a send to people (oToMessages/readStatus).
     *
     * @return array{sendStatus: string, messageReadInfoList: list<array{userId: string,
     *     name: string, readStatus: string, readTimestamp: int}>} As DingTalk answers.
     *
     * @throws \ValueError        when the key is empty.
     * @throws ApiException       for DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function readStatus(string $processQueryKey): array {}

    /**
     * Answers a bot message in its conversation (the 1:1 chat, or the group, it came from).
     *
     * The way is decided once, from the event: its sessionWebhook while it has more than 5 s
     * left (sessionWebhookExpiredTime) and lies on base_url's host — no token; else the robot
     * API: sendToUsers([senderStaffId]) for a 1:1 chat, sendToGroup(conversationId) for a group.
     * A session webhook that DingTalk refuses as unknown or expired (nothing delivered) hands
     * the reply on to the robot API; no other failure does. A reply is a create: never resent
     * after a failure that may have reached DingTalk.
     *
     * Mentions: in a group, through the session webhook, each userid of the message's
     * 'at' => ['atUserIds' => [...]] is also named in its text ("@userid", put in front when the
     * text does not hold it), as DingTalk shows a mention. A 1:1 chat has nobody else to
     * mention, and the robot API carries no mention: there 'at' is left out.
     *
     * @param array $event   The bot message, as a Stream worker's $onEvent got it
     *                       (['type' => 'bot_message', ..., 'data' => [...]]).
     * @param array $message A message in the one shape (see Message): text, markdown, link,
     *                       action_card (and image through the robot API).
     *
     * @throws \ValueError        naming the field, for an event that is not a bot message, or a
     *                            message no way open to the conversation carries; nothing is sent.
     * @throws RateLimitException for a 1:1 reply through the robot API that DingTalk did not
     *                            deliver because the user got too many messages lately (code
     *                            "flowControlledStaffIdList"); DingTalk's throttling.
     * @throws ApiException       DingTalk's errors ("invalidStaffIdList": the user was not reached).
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function reply(array $event, array $message): void {}

    /**
     * Creates an interactive card and delivers it (card/instances/createAndDeliver), with the
     * STREAM callback type: a user's press on one of its buttons reaches the app's Stream
     * workers subscribed to 'card' (a 'card_callback' event). Its outTrackId is made by this
     * client; the create carries it, so it is retried like any call that carries its own id.
     *
     * @param array|string $to      The bot message (event) whose conversation gets the card — the
     *                              writer's chat with the robot (dtv1.card//IM_ROBOT.<userid>) or
     *                              the group (dtv1.card//IM_GROUP.<openConversationId>) —, or an
     *                              openSpaceId of those two kinds (several joined by ';').
     * @param string       $templateId The card template's id (cardTemplateId).
     * @param array        $data    The template's variables (cardParamMap): strings; numbers and
     *                              booleans are sent as text.
     * @param array        $options 'interval' (float, seconds, 0 to 60, default 0.5): the least
     *                              time between two streaming updates of the card (see Card::stream()).
     *
     * @throws \ValueError        naming the argument: not a bot message, an openSpaceId of
     *                            another kind, an empty template id, a variable that is a list.
     * @throws ApiException       DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function card(array|string $to, string $templateId, array $data, array $options = []): Card {}
}

/**
 * An interactive card the app's robot delivered (see Bot::card()), streamed into and updated.
 *
 * Streaming is coalesced, a tiny state machine per card: idle → in flight → in flight + pending.
 * stream() never waits for the network: it puts the content into the card's pending slot (one
 * per key; newer content replaces what waits there) and returns. A thread of the card sends
 * what is pending: one update at a time, at most one per 'interval', each under the client's
 * rate_limit and retries; content replaced while it waited is never sent. An AI answer of
 * 2,000 tokens given token by token makes a few updates per second of writing, not 2,000.
 * The final update of a key is never dropped: stream(..., true) returns once it was sent.
 * Content still pending when the process ends is lost: end with a final update.
 */
final class Card
{
    /** Only Bot::card() makes a card. */
    private function __construct() {}

    /** The card's outTrackId, made by this client (unique, 34 characters). */
    public function outTrackId(): string {}

    /**
     * DingTalk's deliverResults: per space, whether the card got there.
     *
     * @return list<array{spaceType: string, spaceId: string, success: bool, errorMsg?: string,
     *     carrierId?: string}>
     */
    public function deliveries(): array {}

    /**
     * Streams text into the card's field $key (card/streaming, isFull: the whole text each
     * time, with a guid of its own, so that a resend is harmless).
     *
     * @param string $content The field's whole text so far (not the new part alone).
     * @param bool   $final   The key's last update (isFinalize): returns once it was sent.
     *
     * @throws \ValueError        for an empty $key or text that is not UTF-8.
     * @throws ApiException       an earlier update's failure since the last call (for a final
     *                            update: its own); DingTalk's errors.
     * @throws TransportException likewise, when no usable answer arrived within the timeout.
     */
    public function stream(string $key, string $content, bool $final = false): void {}

    /**
     * Sets fields of the card (card/instances, updateCardDataByKey): the other fields keep
     * their values. It does not wait for what stream() has pending.
     *
     * @param array $data Variables of the template (cardParamMap), as for Bot::card().
     *
     * @throws \ValueError        naming the variable.
     * @throws ApiException       DingTalk's errors.
     * @throws TransportException when no usable answer arrives within the timeout.
     */
    public function update(array $data): void {}
}

/**
 * DingTalk's HTTP push (event subscription over HTTP): verifies and decrypts what DingTalk POSTs
 * to the app's URL, and seals the encrypted "success" DingTalk expects back (within about a
 * second, or it retries).
 *
 * Exactly DingTalk's algorithm: AES-256-CBC with the key base64_decode($aesKey . '=') and its
 * first 16 bytes as IV, PKCS#7 padding to 32-byte blocks, the text framed as 16 random bytes,
 * a 4-byte big-endian length, the message and the receiveId; the signature is the SHA-1 (hex) of
 * token, timestamp, nonce and ciphertext sorted byte-wise, checked in constant time before
 * anything is decrypted.
 *
 * A Callback cannot be serialized, and var_dump()/print_r() show none of its data.
 */
final class Callback
{
    /**
     * @param string $token     The event subscription's token. Never shown in any message, trace or dump.
     * @param string $aesKey    The event subscription's 43-character aesKey (EncodingAESKey). Never shown.
     * @param string $receiveId Who the messages are for: the app key for an app configured in the
     *                          developer console (not the corpId), the corpId for callbacks
     *                          registered through the old API, the suiteKey for a third-party app.
     *
     * @throws \ValueError when the token or receiveId is empty, or the aesKey is not 43 base64
     *                     characters (the message names the argument, never its value).
     */
    public function __construct(#[\SensitiveParameter] string $token, #[\SensitiveParameter] string $aesKey, string $receiveId) {}

    /**
     * Verifies and decrypts a push.
     *
     * @param array  $query $_GET: msg_signature (or signature), timestamp (or timeStamp), nonce.
     * @param string $body  The raw request body, file_get_contents('php://input'): {"encrypt": "..."}.
     *
     * @return array The event, decoded as json_decode($json, true) would: ['EventType' => 'check_url'],
     *               or ['EventType' => 'todo_task_update', 'eventId' => ..., 'taskId' => ..., ...].
     *
     * @throws CallbackException when the push cannot be trusted or read: a query parameter
     *     missing or not a string, a body that is not {"encrypt": "..."}, a signature that does
     *     not match, bad base64, a bad length or padding (a wrong aesKey), a receiveId that is not
     *     $receiveId (the message names the one found), or a message that is not a JSON object
     *     (DingTalk's events always are; the "success" of a reply is not an event).
     */
    public function open(array $query, string $body): array {}

    /**
     * The answer to a push, to send back as the JSON response body (json_encode it): the text
     * sealed with the current time in milliseconds and a random nonce.
     *
     * @param string $plaintext What to answer; DingTalk expects "success".
     *
     * @return array{msg_signature: string, timeStamp: string, nonce: string, encrypt: string}
     *
     * @throws \ValueError when the plaintext is not UTF-8.
     */
    public function reply(string $plaintext = 'success'): array {}

    /**
     * Like reply(), with the timestamp and nonce chosen by the caller (tests, emulators).
     *
     * @return array{msg_signature: string, timeStamp: string, nonce: string, encrypt: string}
     *
     * @throws \ValueError when the timestamp or nonce is empty, or an argument is not UTF-8.
     */
    public function encrypt(string $plaintext, string $timestamp, string $nonce): array {}
}

/**
 * A Stream-mode worker: DingTalk's events (to-do changes and every other event the app
 * subscribed to), the messages users send the app's robot, card callbacks and any other
 * CALLBACK topic, over an outbound WebSocket, so the app needs no public URL and no crypto.
 * run() blocks: it asks the gateway for a ticket (POST /v1.0/gateway/connections/open on
 * api_base_url, with the app key and secret as clientId and clientSecret and the topics as
 * subscriptions), connects, answers the gateway's pings, calls $onEvent for each message and
 * acknowledges it. It reconnects by itself, with a new ticket, after a dropped connection, a
 * refused ticket, a gateway that went away or went silent (pauses doubling from
 * reconnect_delay to max_reconnect_delay, jittered); after the gateway's disconnect it opens
 * the next connection at once and reads the old one until the gateway closes it, so nothing
 * sent in between is lost. The client's ca_file, proxy, connect_timeout, timeout and user_agent
 * apply to the WebSocket too.
 *
 * DingTalk may deliver a message more than once (an acknowledgement lost with its connection,
 * LATER, its own retries): within options[dedupe] seconds a message already handled — by this
 * worker or any other sharing the client's token_store — is acknowledged without reaching
 * $onEvent again.
 */
final class Stream
{
    /**
     * Nothing is sent until run().
     *
     * @param array $options topics (a list of 'events' — every event, the default —, 'bot' —
     *                       the messages users send the app's robot —, 'card' — card
     *                       callbacks —, or a CALLBACK topic's path starting with /),
     *                       dedupe (seconds a message handled is remembered, across every
     *                       worker sharing the client's token_store; 0 turns it off; default
     *                       300), ack ('early': acknowledged before $onEvent runs, the default
     *                       for bot messages; 'after': by what $onEvent did, the default for
     *                       everything else), on_state (callable
     *                       function (string $state, array $info): 'connecting' [attempt],
     *                       'connected' [attempt, host], 'disconnected' [reason, draining],
     *                       'retrying' [attempt, pause, reason]), max_failures (connection
     *                       attempts failed in a row after which run() throws; default: none),
     *                       keepalive (seconds of silence, while run() listens rather than
     *                       $onEvent works, after which a connection is dead; a WebSocket ping
     *                       is sent halfway; default 60), reconnect_delay (seconds before the
     *                       first reconnection after a failure, doubled per failure in a row,
     *                       and per gateway disconnect past three in a row; default 1),
     *                       max_reconnect_delay (default 60), max_frame_bytes (the largest frame
     *                       read; a larger one drops the connection unread; default 1048576),
     *                       logger (as Client's: the worker's own logger; by default the
     *                       client's). The connection's states — the same on_state is told —
     *                       are logged: connecting (debug; attempt), connected (info; host,
     *                       attempt), disconnected (info; reason), retrying (warning; reason,
     *                       attempt, delay_ms); the records arrive between two waits for a
     *                       message, and when run() returns or throws.
     *
     * @throws \ValueError when an option is unknown or out of range, or a topic unknown (the
     *                     message names it).
     * @throws \TypeError  when an option has the wrong type.
     */
    public function __construct(Client $client, array $options = []) {}

    /**
     * Receives messages until stopped; returns how many $onEvent was given.
     *
     * $onEvent(array $event) runs on this thread, one message at a time, in the order they
     * arrive. An event: type (e.g. 'todo_task_update'), id (DingTalk's eventId), born_time
     * (milliseconds), corp_id, topic ('*'), message_id (this delivery), unified_app_id (or
     * null), data (the event's content, decoded as json_decode($json, true) would). A callback:
     * type ('bot_message', 'card_callback', or its topic), id (a bot message's msgId, else the
     * delivery's messageId), topic, message_id, data. Its return value decides the
     * acknowledgement: false means not handled (an event is acknowledged LATER and delivered
     * again later; a callback is answered code 500), an array returned for a callback is its
     * response (a card callback's updates the card), anything else means handled. A throwable
     * also means not handled; run() then rethrows it, unless $options['on_error'] is
     * 'continue'. A message acknowledged before $onEvent (ack 'early') is acknowledged as
     * handled whatever $onEvent does.
     *
     * run() returns after the current message is acknowledged when stop() was called, when
     * max_events messages were handled, when timeout seconds passed (a connection attempt under
     * way ends by then too, however slowly the gateway answers), or on SIGTERM or SIGINT if
     * pcntl is loaded and the script has no handler of its own for that signal (with one, the
     * handler runs between messages, even without pcntl_async_signals(); call stop() from it).
     * Before returning it closes the connections and waits for the gateway to close them too
     * (1 s at most, never past timeout): once run() has returned, every acknowledgement it sent
     * has reached the gateway. on_state is called on this thread between
     * two waits; what it throws ends run() like a throwable of $onEvent.
     *
     * @param callable $onEvent function (array $event): mixed
     * @param array    $options max_events (int, 1 or more), timeout (seconds), on_error
     *                          ('throw', the default, or 'continue').
     *
     * @throws AuthenticationException when DingTalk refuses the app key or secret.
     * @throws ApiException            when DingTalk refuses the connection for good (e.g. a
     *                                 missing permission); network failures are retried instead.
     * @throws TransportException      after max_failures connection attempts failed in a row
     *                                 (the message names the last cause), or when a message
     *                                 would not fit under memory_limit (it is acknowledged as not
     *                                 handled first).
     * @throws \ValueError             when an option is unknown or out of range, or an array
     *                                 returned for a callback cannot be sent as JSON.
     * @throws \Error                  when run() is called while it runs.
     */
    public function run(callable $onEvent, array $options = []): int {}

    /** Makes run() return once the message being handled is acknowledged (call it from $onEvent). */
    public function stop(): void {}

    /**
     * What the worker went through so far: tickets (asked for), connections (opened),
     * reconnects (connections that replaced one that ended), failures (connections that died or
     * could not be opened), last_failure (why, or null), deliveries (messages the gateway
     * delivered), duplicates (deliveries acknowledged without reaching $onEvent: handled
     * already, or being handled by another worker).
     *
     * @return array{tickets: int, connections: int, reconnects: int, failures: int,
     *               deliveries: int, duplicates: int, last_failure: ?string}
     */
    public function stats(): array {}
}

/**
 * Everything the extension throws, except \ValueError and \TypeError for bad arguments. A NUL
 * byte in any text of an exception (a server's page, a key of your array) shows as `\0`.
 */
class Exception extends \RuntimeException {}

/**
 * DingTalk answered with an error. getCode() is DingTalk's errcode for the oapi family, the HTTP
 * status for the v1.0 family (to-dos, request()); getErrorCode() is DingTalk's code as it sent
 * it. The message names the API path, the code and DingTalk's message, and for a v1.0
 * permission error the scopes the app lacks ("required scopes: ...").
 */
class ApiException extends Exception
{
    /**
     * An exception as the extension would throw it, for your own tests (named arguments work:
     * `new ApiException(message: '...', code: 400, errorCode: 'todo.taskUpdate.paramError')`).
     * The first three parameters are \Exception's; those left out keep their defaults.
     */
    public function __construct(string $message = "", int $code = 0, ?\Throwable $previous = null, string $errorCode = "", string $errmsg = "", ?string $requestId = null, ?string $subCode = null) {}

    /** DingTalk's errmsg (oapi) or message (v1.0); "" when it sent none. */
    public function getErrmsg(): string {}

    /** DingTalk's request_id (oapi) or requestid (v1.0), to quote to DingTalk's support. */
    public function getRequestId(): ?string {}

    /** The sub_code of an errcode 88 answer. */
    public function getSubCode(): ?string {}

    /**
     * DingTalk's code as it sent it: the v1.0 `code` ("InvalidAuthentication",
     * "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", ...) or the oapi errcode as a string.
     */
    public function getErrorCode(): string {}
}

/**
 * Bad app key or secret (40089, 40096; v1.0 invalidClientIdOrSecret), or a token still refused
 * after a refresh (40014, 42001, ...; v1.0 InvalidAuthentication), or a webhook robot's token
 * that no robot has (300001; 400101, 400102, 400106).
 */
class AuthenticationException extends ApiException {}

/**
 * Throttled still after the retries (90018, 90002, 90006; v1.0 403
 * Forbidden.AccessDenied.QpsLimit... and ...QpmLimit...), banned for a while (90001,
 * 90003..90014, not retried), or the v1.0 monthly call quota used up
 * (Forbidden.AccessDenied.ApiCountLimitForOrg, not retried).
 * Or a webhook robot over 20 messages a minute (130101, 410100: muted, not retried).
 * Or kept back by the client's own rate_limit (a Webhook's per_minute), unsent, because its
 * slot would have come after the call's timeout (then getErrorCode() is "" and getCode() 0).
 */
class RateLimitException extends ApiException {}

/**
 * A retried create met its own id on something it can neither prove it made nor prove it did
 * not: its first attempt's answer was lost, and whether the record or task that now holds the
 * id is that attempt's is unknown. It carries DingTalk's answer to the retry.
 *
 * - WorkRecord::create(): "duplicate biz_id" (errcode 854001), and the record cannot be proven
 *   to be this call's. The biz_id is taken either way; look for the record (all()) before
 *   creating it again under another biz_id.
 * - Todo::create(): "task exist" (HTTP 400 todo.taskCreate.paramError, or lockError), and the
 *   task with this sourceId cannot be found, or matches what was sent as far as DingTalk shows
 *   it but does not show a field that was sent (its id is in the message): look with
 *   findBySourceId() before creating it again. A task that differs is a DuplicateException.
 */
class ConflictException extends ApiException {}

/**
 * The task or record a call acts on is not there (it never was, or was deleted): Todo::update(),
 * complete(), setExecutorStatus() and delete() of a task DingTalk answers "task not exist" for
 * (HTTP 400 todo.task*.paramError), and WorkRecord::complete() of a record the user does not
 * have. Reading one is not an error: Todo::get(), findBySourceId() and WorkRecord::find()
 * return null. It carries DingTalk's answer.
 */
class NotFoundException extends ApiException {}

/**
 * A create refused because its own id is taken by a task or record this call did not make:
 * Todo::create() whose sourceId another task holds ("task exist" to a first attempt, or a
 * retry that found a task differing from what this call sent), WorkRecord::create() refused
 * with errcode 854001 on its first attempt (the biz_id is taken, or an identical record reached
 * the user today). Nothing was created. It carries DingTalk's answer, and getExistingId().
 */
class DuplicateException extends ApiException
{
    /** As ApiException's, and the existing task's id. */
    public function __construct(string $message = "", int $code = 0, ?\Throwable $previous = null, string $errorCode = "", string $errmsg = "", ?string $requestId = null, ?string $subCode = null, ?string $existingId = null) {}

    /**
     * The id of the task that holds the sourceId, when it could be looked up; always null for
     * a work record (DingTalk's listing shows no biz_id; WorkRecord::complete() accepts the
     * biz_id itself).
     */
    public function getExistingId(): ?string {}
}

/**
 * No usable answer: connection, TLS or timeout failure, an HTTP status without DingTalk's body
 * (a redirect included: DingTalk's API never redirects), an answer over max_answer_bytes, or a
 * body that is not the expected JSON, or an answer that would not fit in what memory_limit
 * leaves.
 */
class TransportException extends Exception {}

/**
 * A push that cannot be trusted or read (see Callback::open()). Answer it with an HTTP error, not
 * with reply(): DingTalk then retries, and a forged request learns nothing.
 */
class CallbackException extends Exception {}
