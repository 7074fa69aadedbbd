<?php
/**
 * Contender 2: Guzzle (Debian's php-guzzlehttp-guzzle, curl handler), as a well-run PHP app
 * uses it today: one client reused for every call of the script, the token cached in a
 * static within the process, or in APCu when APCu is on (php-fpm), refreshed once on a
 * token error.
 */

declare(strict_types=1);

namespace Bench;

require_once 'GuzzleHttp/autoload.php';

final class GuzzleContender implements Contender
{
    use HandWrittenWorkRecordCalls;

    /** Token errors after which a fresh token is worth one retry. */
    private const TOKEN_ERRORS = [40001, 40014, 42001];

    /** @var array{0: string, 1: int}|null token and expiry (unix time), when APCu is off */
    private static ?array $token = null;
    private static int $fetches = 0;

    private \GuzzleHttp\Client $http;
    private string $cacheKey;
    private bool $apcu;

    public function __construct(private readonly Config $config)
    {
        $this->http = new \GuzzleHttp\Client([
            'base_uri' => $config->baseUrl,
            'timeout' => 10,
            'connect_timeout' => 3,
            'verify' => $config->caFile ?? true,
            'http_errors' => true,
        ]);
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
}
