<?php
/**
 * Contender 2: Guzzle (Debian's php-guzzlehttp-guzzle, curl handler), as a well-run PHP app
 * uses it today: one client reused for every call of the script, the token cached in a
 * static within the process, or in APCu when APCu is on (php-fpm), refreshed once on a
 * token error. Many records at once go through Guzzle's concurrent pool (GuzzleHttp\Pool),
 * with the retry DingTalk prescribes for its rate limit (errcode 90018: wait about a second,
 * send again): Guzzle has no client-side rate limit of its own.
 */

declare(strict_types=1);

namespace Bench;

require_once 'GuzzleHttp/autoload.php';

final class GuzzleContender implements BulkContender
{
    use HandWrittenWorkRecordCalls;

    /** Token errors after which a fresh token is worth one retry. */
    private const TOKEN_ERRORS = [40001, 40014, 42001];
    /** DingTalk's "over the per-app, per-API QPS limit". */
    private const THROTTLED = 90018;
    /** Throttled answers after which the pool gives a record up. */
    private const THROTTLED_RETRIES = 30;

    /** @var array{0: string, 1: int}|null token and expiry (unix time), when APCu is off */
    private static ?array $token = null;
    private static int $fetches = 0;

    private \GuzzleHttp\Client $http;
    private array $options;
    private string $cacheKey;
    private bool $apcu;
    private int $throttledRetries = 0;

    public function __construct(private readonly Config $config)
    {
        $this->options = [
            'base_uri' => $config->baseUrl,
            'timeout' => 10,
            'connect_timeout' => 3,
            'verify' => $config->caFile ?? true,
            'http_errors' => true,
        ];
        $this->http = new \GuzzleHttp\Client($this->options);
        $this->cacheKey = 'dingtalk_token_' . hash('sha256', "$config->baseUrl|$config->key|$config->secret");
        $this->apcu = function_exists('apcu_enabled') && apcu_enabled();
    }

    private function token(): string
    {
        if ($this->apcu) {
            $token = apcu_fetch($this->cacheKey);
            if (is_string($token)) {
                return $token;
            }
        } elseif (self::$token !== null && self::$token[1] > time()) {
            return self::$token[0];
        }
        $answer = $this->decode('/gettoken', $this->http->get('/gettoken', [
            'query' => ['appkey' => $this->config->key, 'appsecret' => $this->config->secret],
        ]));
        self::$fetches++;
        $token = $answer['access_token'] ?? null;
        if (!is_string($token) || $token === '') {
            throw new \RuntimeException('gettoken: no access_token');
        }
        // Renewed 10 minutes before expiry, as DingTalk's guide says.
        $ttl = max(1, (int) ($answer['expires_in'] ?? 7200) - 600);
        if ($this->apcu) {
            apcu_store($this->cacheKey, $token, $ttl);
        } else {
            self::$token = [$token, time() + $ttl];
        }
        return $token;
    }

    private function forgetToken(): void
    {
        if ($this->apcu) {
            apcu_delete($this->cacheKey);
        }
        self::$token = null;
    }

    /** The answer's JSON, or an exception when it is not an errcode-0 answer. */
    private function decode(string $path, \Psr\Http\Message\ResponseInterface $response): array
    {
        $answer = json_decode((string) $response->getBody(), true, 512, JSON_THROW_ON_ERROR);
        $code = is_array($answer) ? ($answer['errcode'] ?? null) : null;
        if ($code !== 0) {
            throw new \RuntimeException("$path: errcode " . json_encode($code), is_int($code) ? $code : 0);
        }
        return $answer;
    }

    private function post(string $path, array $body): array
    {
        for ($attempt = 0;; $attempt++) {
            $response = $this->http->post($path, [
                'query' => ['access_token' => $this->token()],
                'json' => $body,
            ]);
            try {
                return $this->decode($path, $response);
            } catch (\RuntimeException $e) {
                if ($attempt > 0 || !in_array($e->getCode(), self::TOKEN_ERRORS, true)) {
                    throw $e;
                }
                $this->forgetToken();
            }
        }
    }

    public function tokenFetches(): int
    {
        return self::$fetches;
    }

    /** GuzzleHttp\Pool: $concurrency adds in flight, throttled ones sent again a second later. */
    public function createAll(array $users, int $concurrency): array
    {
        $stack = \GuzzleHttp\HandlerStack::create();
        $stack->push(\GuzzleHttp\Middleware::retry(
            function (int $retries, $request, $response = null): bool {
                if ($response === null || $retries >= self::THROTTLED_RETRIES) {
                    return false;
                }
                $answer = json_decode((string) $response->getBody(), true);
                if (!is_array($answer) || ($answer['errcode'] ?? null) !== self::THROTTLED) {
                    return false;
                }
                $this->throttledRetries++;
                return true;
            },
            fn (int $retries): int => 1000,
        ));
        $http = new \GuzzleHttp\Client(['handler' => $stack] + $this->options);
        $token = $this->token();
        $requests = function () use ($http, $users, $token): \Generator {
            foreach ($users as $i => $user) {
                yield $i => fn () => $http->postAsync('/topapi/workrecord/add', [
                    'query' => ['access_token' => $token],
                    'json' => $this->addBody($user),
                ]);
            }
        };
        $results = array_fill(0, count($users), ['ok' => false, 'error' => 'no answer']);
        $pool = new \GuzzleHttp\Pool($http, $requests(), [
            'concurrency' => $concurrency,
            'fulfilled' => function ($response, int $i) use (&$results): void {
                try {
                    $id = (string) ($this->decode('/topapi/workrecord/add', $response)['record_id'] ?? '');
                    $results[$i] = $id === '' ? ['ok' => false, 'error' => 'an empty record id'] : ['ok' => true, 'id' => $id];
                } catch (\Throwable $e) {
                    $results[$i] = ['ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage()];
                }
            },
            'rejected' => function ($reason, int $i) use (&$results): void {
                $results[$i] = ['ok' => false, 'error' => $reason instanceof \Throwable
                    ? get_class($reason) . ': ' . $reason->getMessage() : 'rejected'];
            },
        ]);
        $pool->promise()->wait();
        return $results;
    }

    public function bulkStats(): array
    {
        return ['retries' => $this->throttledRetries];
    }
}
