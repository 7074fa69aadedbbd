<?php
// php-fpm contender of the webhook fan-out (bench/dtbench/scenarios/fanout.py): one alert per web
// request, sent as the PHP webhook packages send it (bench/lib/webhook.php): no limit, no retry.
declare(strict_types=1);

require __DIR__ . '/../lib/webhook.php';

$param = static fn (string $name): string => (string) ($_SERVER[$name] ?? '');
header('Content-Type: application/json');
try {
    $webhook = new Bench\GuzzleWebhook($param('DT_WEBHOOK_URL'), $param('DT_WEBHOOK_SECRET') ?: null, $param('DT_CA_FILE') ?: null);
    $errcode = $webhook->send(['msgtype' => 'text', 'text' => ['content' => 'alert ' . ($_GET['n'] ?? '?') . ': disk full on db1']]);
    echo json_encode($errcode === 0 ? ['ok' => true] : ['ok' => false, 'error' => 'errcode', 'code' => $errcode]);
} catch (Throwable $e) {
    echo json_encode(['ok' => false, 'error' => get_class($e), 'code' => $e->getCode()]);
}
