<?php
/**
 * The shared part of the PHP contenders: settings, the record every contender creates,
 * timing and percentiles, and the modes a contender script runs in.
 *
 * Settings come from the environment (CLI) or from fastcgi_param (php-fpm), the same names
 * the floor (bench/floor) reads: DT_MODE, DT_BASE_URL, DT_KEY, DT_SECRET, DT_USER, DT_CA_FILE,
 * DT_MAX_CALLS, DT_MAX_SECONDS, DT_LIMIT, DT_CHECKPOINTS; for the bulk mode DT_BULK,
 * DT_BULK_RECORDS, DT_CONCURRENCY, DT_RATE_LIMIT. Every mode prints one JSON line.
 */

declare(strict_types=1);

namespace Bench;

/** The record every contender creates (the floor uses the same). */
const TITLE = 'Expense claim';
const URL = 'https://example.com/claims/1';
const FORMS = ['Applicant' => 'bench', 'Amount' => '42.00'];
/** Page size of the CLI loop's getbyuserid calls. */
const LIST_LIMIT = 50;

/** One way of calling DingTalk from PHP. */
interface Contender
{
    /** workrecord/add; returns the new record's id. */
    public function create(string $user): string;

    /** workrecord/getbyuserid, pending records, offset 0; returns the page's records. */
    public function listPending(string $user, int $limit): array;

    /** How many times this process fetched a token (0 when the token came from a cache). */
    public function tokenFetches(): int;
}

/** A contender that can also create many records at once, several in flight. */
interface BulkContender extends Contender
{
    /**
     * One record (TITLE, URL, FORMS) for each user, $concurrency at a time; one result per
     * user, in order: ['ok' => true, 'id' => record id] or ['ok' => false, 'error' => text].
     *
     * @param list<string> $users
     * @return list<array{ok: bool, id?: string, error?: string}>
     */
    public function createAll(array $users, int $concurrency): array;

    /** What the client counted meanwhile (requests, retries, waits), for the report. */
    public function bulkStats(): array;
}

/**
 * The two work-record calls as plain HTTP contenders write them by hand: the same JSON bodies
 * (create_time in ms, formItemList of {title, content}) whatever sends them.
 */
trait HandWrittenWorkRecordCalls
{
    /** Sends an oapi POST with the token added; returns the decoded answer (errcode 0). */
    abstract private function post(string $path, array $body): array;

    public function create(string $user): string
    {
        $answer = $this->post('/topapi/workrecord/add', $this->addBody($user));
        return (string) ($answer['record_id'] ?? '');
    }

    /** The body of a workrecord/add for $user. */
    private function addBody(string $user): array
    {
        $forms = [];
        foreach (FORMS as $title => $content) {
            $forms[] = ['title' => $title, 'content' => $content];
        }
        return [
            'userid' => $user,
            'create_time' => (int) (microtime(true) * 1000),
            'title' => TITLE,
            'url' => URL,
            'formItemList' => $forms,
        ];
    }

    public function listPending(string $user, int $limit): array
    {
        $answer = $this->post('/topapi/workrecord/getbyuserid', [
            'userid' => $user,
            'offset' => 0,
            'limit' => $limit,
            'status' => 0,
        ]);
        return $answer['records']['list'] ?? [];
    }
}

/** Where to call and as whom. */
final class Config
{
    public function __construct(
        public readonly string $baseUrl,
        public readonly string $key,
        public readonly string $secret,
        public readonly ?string $caFile,
        public readonly string $user,
        /** Calls per second per API the client allows itself (the extension's rate_limit). */
        public readonly ?float $rateLimit = null,
    ) {
    }

    public static function fromEnvironment(): self
    {
        $ca = setting('DT_CA_FILE', '');
        $rate = setting('DT_RATE_LIMIT', '');
        return new self(
            rtrim(setting('DT_BASE_URL'), '/'),
            setting('DT_KEY'),
            setting('DT_SECRET'),
            $ca === '' ? null : $ca,
            setting('DT_USER'),
            $rate === '' ? null : (float) $rate,
        );
    }
}

/** A setting from fastcgi_param ($_SERVER) or the environment. */
function setting(string $name, ?string $default = null): string
{
    $value = $_SERVER[$name] ?? getenv($name);
    if (is_string($value)) {
        return $value;
    }
    if ($default === null) {
        throw new \RuntimeException("$name is not set");
    }
    return $default;
}

/** Latencies of one kind of call, in nanoseconds. */
final class Samples
{
    /** @var list<int> */
    private array $ns = [];

    public function push(int $ns): void
    {
        $this->ns[] = $ns;
    }

    public function count(): int
    {
        return count($this->ns);
    }

    public function merge(self $other): self
    {
        $all = new self();
        $all->ns = array_merge($this->ns, $other->ns);
        return $all;
    }

    /** Nearest rank: the smallest sample with at least $p % of them at or below it. */
    public static function percentileMs(array $sorted, float $p): float
    {
        $n = count($sorted);
        if ($n === 0) {
            return 0.0;
        }
        $rank = max(1, (int) ceil($p / 100 * $n));
        return $sorted[min($rank, $n) - 1] / 1e6;
    }

    /** calls, seconds (wall time of the phase), rate, p50_ms, p99_ms. */
    public function summary(float $wallSeconds): array
    {
        $sorted = $this->ns;
        sort($sorted);
        return [
            'calls' => count($sorted),
            'seconds' => $wallSeconds,
            'rate' => $wallSeconds > 0 ? count($sorted) / $wallSeconds : 0.0,
            'p50_ms' => self::percentileMs($sorted, 50),
            'p99_ms' => self::percentileMs($sorted, 99),
        ];
    }
}

/** This process's resident set size in KiB, from /proc/self/status. */
function rss_kib(): int
{
    $status = @file_get_contents('/proc/self/status');
    if ($status !== false && preg_match('/^VmRSS:\s+(\d+)\s+kB/m', $status, $m)) {
        return (int) $m[1];
    }
    return 0;
}

function emit(array $result): void
{
    echo json_encode($result, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
}

/**
 * N adds, then N pages of LIST_LIMIT pending records. Each phase stops at DT_MAX_CALLS calls
 * or DT_MAX_SECONDS seconds, the list phase also at the number of adds. Every answer is
 * checked: an add must return an id, a page must hold min(N, LIST_LIMIT) records.
 */
function run_loop(string $name, Contender $c, Config $config): array
{
    $maxCalls = (int) setting('DT_MAX_CALLS', '100000');
    $maxNs = (int) ((float) setting('DT_MAX_SECONDS', '3') * 1e9);
    $user = $config->user;

    $adds = new Samples();
    $start = hrtime(true);
    while ($adds->count() < $maxCalls && hrtime(true) - $start < $maxNs) {
        $t = hrtime(true);
        $id = $c->create($user);
        $adds->push(hrtime(true) - $t);
        if ($id === '') {
            throw new \RuntimeException('add returned an empty record id');
        }
    }
    $addWall = (hrtime(true) - $start) / 1e9;

    $lists = new Samples();
    $expect = min($adds->count(), LIST_LIMIT);
    $start = hrtime(true);
    while ($lists->count() < $adds->count() && hrtime(true) - $start < $maxNs) {
        $t = hrtime(true);
        $page = $c->listPending($user, LIST_LIMIT);
        $lists->push(hrtime(true) - $t);
        if (count($page) !== $expect || !isset($page[0]['record_id'])) {
            throw new \RuntimeException('getbyuserid gave ' . count($page) . " records, $expect expected");
        }
    }
    $listWall = (hrtime(true) - $start) / 1e9;

    return ['contender' => $name, 'mode' => 'loop']
        + $adds->merge($lists)->summary($addWall + $listWall)
        + [
            'ops' => ['add' => $adds->summary($addWall), 'list' => $lists->summary($listWall)],
            'token_fetches' => $c->tokenFetches(),
            'rss_kib' => rss_kib(),
        ];
}

/**
 * Alternate add and a 10-record page up to DT_MAX_CALLS calls (or DT_MAX_SECONDS), noting
 * VmRSS at each of DT_CHECKPOINTS (call counts).
 */
function run_memory(string $name, Contender $c, Config $config): array
{
    $maxCalls = (int) setting('DT_MAX_CALLS', '100000');
    $maxNs = (int) ((float) setting('DT_MAX_SECONDS', '120') * 1e9);
    $checkpoints = array_map('intval', explode(',', setting('DT_CHECKPOINTS', '10000,100000')));
    $rss = ['0' => rss_kib()];
    $calls = 0;
    $adds = 0;
    $start = hrtime(true);
    while ($calls < $maxCalls && hrtime(true) - $start < $maxNs) {
        if ($calls % 2 === 0) {
            if ($c->create($config->user) === '') {
                throw new \RuntimeException('add returned an empty record id');
            }
            $adds++;
        } elseif (count($c->listPending($config->user, 10)) !== min(10, $adds)) {
            throw new \RuntimeException('getbyuserid gave a short page');
        }
        $calls++;
        if (in_array($calls, $checkpoints, true)) {
            $rss[(string) $calls] = rss_kib();
        }
    }
    return [
        'contender' => $name,
        'mode' => 'memory',
        'calls' => $calls,
        'seconds' => (hrtime(true) - $start) / 1e9,
        'rss_kib' => $rss,
        'token_fetches' => $c->tokenFetches(),
    ];
}

/**
 * One record for each of DT_BULK_RECORDS users (DT_USER-0000, DT_USER-0001, ...): DT_BULK =
 * "loop", one create() after another, or "concurrent", createAll() with DT_CONCURRENCY in
 * flight. The time to all-done is from the first call to the last answer; a failed record is
 * counted, not thrown, so one failure never hides the others.
 */
function run_bulk(string $name, Contender $c, Config $config): array
{
    $count = (int) setting('DT_BULK_RECORDS', '1000');
    $style = setting('DT_BULK', 'loop');
    $concurrency = (int) setting('DT_CONCURRENCY', '1');
    $users = [];
    for ($i = 0; $i < $count; $i++) {
        $users[] = sprintf('%s-%04d', $config->user, $i);
    }

    $start = hrtime(true);
    if ($style === 'loop') {
        $results = [];
        foreach ($users as $user) {
            try {
                $id = $c->create($user);
                $results[] = $id === '' ? ['ok' => false, 'error' => 'an empty record id'] : ['ok' => true, 'id' => $id];
            } catch (\Throwable $e) {
                $results[] = ['ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage()];
            }
        }
    } elseif ($style === 'concurrent' && $c instanceof BulkContender) {
        $results = $c->createAll($users, $concurrency);
    } else {
        throw new \RuntimeException("$name: no bulk style $style (loop, or concurrent for a bulk contender)");
    }
    $seconds = (hrtime(true) - $start) / 1e9;

    $ids = [];
    $errors = [];
    foreach ($results as $result) {
        if ($result['ok']) {
            $ids[$result['id']] = true;
        } else {
            $errors[$result['error']] = ($errors[$result['error']] ?? 0) + 1;
        }
    }
    arsort($errors);
    return [
        'contender' => $name,
        'mode' => 'bulk',
        'style' => $style,
        'concurrency' => $style === 'loop' ? 1 : $concurrency,
        'records' => $count,
        'results' => count($results),
        'created' => $count - array_sum($errors),
        'distinct_ids' => count($ids),
        'errors' => array_slice($errors, 0, 3, true),
        'seconds' => $seconds,
        'token_fetches' => $c->tokenFetches(),
        'client' => $c instanceof BulkContender ? $c->bulkStats() : [],
    ];
}

/**
 * The entry of a CLI contender script. $make builds the contender from the settings;
 * $startNs is hrtime(true) at the script's first line (cold mode counts from there).
 */
function cli_main(string $name, \Closure $make, int $startNs): void
{
    try {
        $config = Config::fromEnvironment();
        $mode = setting('DT_MODE', 'loop');
        if ($mode === 'cold') {
            $c = $make($config);
            $id = $c->create($config->user);
            $took = hrtime(true) - $startNs;
            if ($id === '') {
                throw new \RuntimeException('add returned an empty record id');
            }
            emit([
                'contender' => $name,
                'mode' => 'cold',
                'first_call_ms' => $took / 1e6,
                'token_fetches' => $c->tokenFetches(),
            ]);
            return;
        }
        $c = $make($config);
        emit(match ($mode) {
            'loop' => run_loop($name, $c, $config),
            'memory' => run_memory($name, $c, $config),
            'bulk' => run_bulk($name, $c, $config),
            default => throw new \RuntimeException("unknown DT_MODE $mode (loop, cold, memory, bulk)"),
        });
    } catch (\Throwable $e) {
        fwrite(STDERR, "$name: " . get_class($e) . ': ' . $e->getMessage() . "\n");
        exit(1);
    }
}

/**
 * The entry of a web contender script: one DingTalk call per request (a page of DT_LIMIT
 * pending records, which must be full), HTTP 500 with the reason when anything is wrong.
 */
function web_main(string $name, \Closure $make): void
{
    header('Content-Type: application/json');
    try {
        $config = Config::fromEnvironment();
        $limit = (int) setting('DT_LIMIT', '10');
        $records = $make($config)->listPending($config->user, $limit);
        if (count($records) !== $limit || !isset($records[0]['record_id'])) {
            throw new \RuntimeException('getbyuserid gave ' . count($records) . " records, $limit expected");
        }
        emit(['ok' => true, 'records' => count($records)]);
    } catch (\Throwable $e) {
        http_response_code(500);
        emit(['contender' => $name, 'error' => get_class($e) . ': ' . $e->getMessage()]);
    }
}
