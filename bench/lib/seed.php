<?php
/**
 * Contender 3: the "seed" style that articles teach: file_get_contents with a stream
 * context, the token fetched once per script (so once per web request under php-fpm), a
 * new connection for every call (PHP's http wrapper sends HTTP/1.0, no keep-alive).
 */

declare(strict_types=1);

namespace Bench;

final class SeedContender implements Contender
{
    use HandWrittenWorkRecordCalls;

    private ?string $token = null;
    private int $fetches = 0;

    public function __construct(private readonly Config $config)
    {
    }

    /** GET or POST $url; returns the decoded answer, which must have errcode 0. */
    private function call(string $url, ?array $body = null): array
    {
        $http = ['method' => 'GET', 'timeout' => 10, 'ignore_errors' => true];
        if ($body !== null) {
            $http['method'] = 'POST';
            $http['header'] = "Content-Type: application/json\r\n";
            $http['content'] = json_encode($body, JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
        }
        $options = ['http' => $http];
        if ($this->config->caFile !== null) {
            $options['ssl'] = ['cafile' => $this->config->caFile, 'verify_peer' => true, 'verify_peer_name' => true];
        }
        $raw = file_get_contents($url, false, stream_context_create($options));
        if ($raw === false) {
            throw new \RuntimeException("no answer from $url");
        }
        $answer = json_decode($raw, true, 512, JSON_THROW_ON_ERROR);
        if (($answer['errcode'] ?? null) !== 0) {
            throw new \RuntimeException('errcode ' . json_encode($answer['errcode'] ?? null));
        }
        return $answer;
    }

    private function token(): string
    {
        if ($this->token === null) {
            $query = http_build_query(['appkey' => $this->config->key, 'appsecret' => $this->config->secret]);
            $this->token = (string) ($this->call($this->config->baseUrl . '/gettoken?' . $query)['access_token'] ?? '');
            $this->fetches++;
        }
        return $this->token;
    }

    private function post(string $path, array $body): array
    {
        return $this->call($this->config->baseUrl . $path . '?access_token=' . urlencode($this->token()), $body);
    }

    public function tokenFetches(): int
    {
        return $this->fetches;
    }
}
