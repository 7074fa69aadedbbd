<?php
/**
 * What the PHP webhook packages do, with Guzzle: sign (when the robot has a secret), POST the
 * message, read errcode. No client-side limit and no retry: a 130101 ("send too fast") is
 * reported to the caller, and the alert is lost. The contender of the webhook fan-out
 * (bench/dtbench/scenarios/fanout.py) against DingTalk\Webhook.
 */

declare(strict_types=1);

namespace Bench;

require_once 'GuzzleHttp/autoload.php';

final class GuzzleWebhook
{
    private \GuzzleHttp\Client $http;

    public function __construct(private readonly string $url, private readonly ?string $secret, ?string $caFile)
    {
        $this->http = new \GuzzleHttp\Client(['timeout' => 10, 'connect_timeout' => 3, 'verify' => $caFile ?? true]);
    }

    /** Sends `$message` (the webhook's JSON); DingTalk's errcode (0: delivered). */
    public function send(array $message): int
    {
        $url = $this->url;
        if ($this->secret !== null) {
            $timestamp = (string) (int) round(microtime(true) * 1000);
            $sign = base64_encode(hash_hmac('sha256', "{$timestamp}\n{$this->secret}", $this->secret, true));
            $url .= '&timestamp=' . $timestamp . '&sign=' . urlencode($sign);
        }
        $response = $this->http->post($url, ['json' => $message]);
        $answer = json_decode((string) $response->getBody(), true);
        return (int) ($answer['errcode'] ?? -1);
    }
}
