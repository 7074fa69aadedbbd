<?php
// php-fpm contender of the webhook fan-out (bench/dtbench/scenarios/fanout.py): one alert per web
// request through DingTalk\Webhook, which waits for the robot's slot (shared through DT_STORE).
declare(strict_types=1);

$param = static fn (string $name): string => (string) ($_SERVER[$name] ?? '');
header('Content-Type: application/json');
try {
    $webhook = new DingTalk\Webhook($param('DT_WEBHOOK_URL'), $param('DT_WEBHOOK_SECRET') ?: null, [
        'token_store' => $param('DT_STORE'),
        'per_minute' => (int) $param('DT_PER_MINUTE'),
        'ca_file' => $param('DT_CA_FILE') ?: null,
        'timeout' => (float) $param('DT_TIMEOUT'),
    ]);
    $webhook->send(DingTalk\Message::text('alert ' . ($_GET['n'] ?? '?') . ': disk full on db1'));
    echo json_encode(['ok' => true]);
} catch (DingTalk\Exception $e) {
    echo json_encode(['ok' => false, 'error' => get_class($e), 'code' => $e->getCode()]);
}
