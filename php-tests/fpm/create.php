<?php

declare(strict_types=1);

/*
 * Served by php-fpm in smoke.sh: creates one work record through the extension and prints its
 * record id. On failure: HTTP 500 and "ERROR <class>: <message>".
 *
 * Settings come from the pool's env[]: DINGTALK_BASE_URL, DINGTALK_APP_KEY, DINGTALK_APP_SECRET.
 * Query: n=<request number> (used in the title and as biz_id).
 */

header('Content-Type: text/plain; charset=utf-8');
try {
    $n = (int) ($_GET['n'] ?? 0);
    $client = new DingTalk\Client(
        (string) getenv('DINGTALK_APP_KEY'),
        (string) getenv('DINGTALK_APP_SECRET'),
        ['base_url' => (string) getenv('DINGTALK_BASE_URL'), 'timeout' => 5.0]
    );
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
