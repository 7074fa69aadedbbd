<?php

declare(strict_types=1);

/*
 * Served by php-fpm in smoke.sh: creates one work record through the extension and prints its
 * record id. On failure: HTTP 500 and "ERROR <class>: <message>".
 *
 * The credentials come from the pool's env[] (DINGTALK_APP_KEY, DINGTALK_APP_SECRET); the base URL
 * and the timeout from the pool's ini defaults (dingtalk.base_url, dingtalk.timeout).
 * Query: n=<request number> (used in the title and as biz_id).
 */

header('Content-Type: text/plain; charset=utf-8');
try {
    $n = (int) ($_GET['n'] ?? 0);
    $client = new DingTalk\Client((string) getenv('DINGTALK_APP_KEY'), (string) getenv('DINGTALK_APP_SECRET'));
    $id = $client->workRecords()->create(
        'smoke-user',
        "smoke request {$n}",
        "https://example.com/smoke/{$n}",
        ['Request' => (string) $n, 'Worker' => (string) getmypid()],
        ['biz_id' => "smoke-{$n}"]
    );
    $stats = $client->stats();
    header('X-Worker-Pid: ' . getmypid());
    header('X-Token-Fetches: ' . $stats['token_fetches']);
    echo $id, "\n";
} catch (Throwable $e) {
    http_response_code(500);
    echo 'ERROR ', get_class($e), ': ', $e->getMessage(), "\n";
}
