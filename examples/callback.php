<?php
/**
 * A front controller for DingTalk's HTTP push ("event subscription"): answers check_url, logs
 * to-do events, and acknowledges every push it can open with the encrypted "success".
 *
 *   DINGTALK_CALLBACK_TOKEN=... DINGTALK_CALLBACK_AES_KEY=... DINGTALK_APP_KEY=... \
 *       php -d extension=target/debug/libdingtalk.so -S 127.0.0.1:8081 examples/callback.php
 *
 *   DINGTALK_CALLBACK_TOKEN    the subscription's token (developer console, 事件订阅)
 *   DINGTALK_CALLBACK_AES_KEY  its 43-character aesKey
 *   DINGTALK_APP_KEY           the receiveId: the app key (not the corpId) for an app whose
 *                              events are configured in the developer console
 *
 * Against the emulator: start it with --push-url http://127.0.0.1:8081/ --push-token ...
 * --push-aes-key ... (its receiveId is its first --app's key), then push events with
 * POST /_emulator/push and see the deliveries with GET /_emulator/events.
 *
 * Everything is logged with error_log() (the terminal, under php -S). A real app would answer
 * at once and hand the event to a queue, keyed by its eventId: DingTalk pushes an event again
 * when the answer is late or lost, so the same eventId may arrive twice.
 */

declare(strict_types=1);

use DingTalk\Callback;
use DingTalk\CallbackException;

/** Ends the request with a status and a small JSON body. */
function dingtalk_answer(int $status, array $body): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
}

if (!extension_loaded('dingtalk')) {
    error_log('callback: the dingtalk extension is not loaded (php -d extension=.../libdingtalk.so)');
    dingtalk_answer(500, ['error' => 'not configured']);
    return;
}
if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    header('Allow: POST');
    dingtalk_answer(405, ['error' => 'DingTalk pushes with POST']);
    return;
}

try {
    $callback = new Callback(
        (string) getenv('DINGTALK_CALLBACK_TOKEN'),
        (string) getenv('DINGTALK_CALLBACK_AES_KEY'),
        (string) getenv('DINGTALK_APP_KEY'),
    );
} catch (ValueError $e) {
    // The message names the setting, never its value.
    error_log('callback: bad configuration: ' . $e->getMessage());
    dingtalk_answer(500, ['error' => 'not configured']);
    return;
}

try {
    $event = $callback->open($_GET, (string) file_get_contents('php://input'));
} catch (CallbackException $e) {
    // Not from DingTalk, or a token, aesKey or receiveId that differs from DingTalk's. No
    // reply(): DingTalk will push it again, and a forger learns nothing.
    error_log('callback: refused push: ' . $e->getMessage());
    dingtalk_answer(400, ['error' => 'refused']);
    return;
}

$type = is_string($event['EventType'] ?? null) ? $event['EventType'] : '(no EventType)';
switch ($type) {
    case 'check_url':
        error_log('callback: check_url: the URL is registered');
        break;
    case 'todo_task_create':
    case 'todo_task_update':
    case 'todo_task_delete':
        // DingTalk's to-do events name the task and everyone on it (creator, executors,
        // participants), nothing more: a real app reads the task with DingTalk\Todo::get().
        // The fields: docs/events.md, after DingTalk's event pages.
        error_log(sprintf(
            'callback: %s taskId=%s eventId=%s users=%s',
            $type,
            json_encode($event['taskId'] ?? null),
            json_encode($event['eventId'] ?? null),
            json_encode($event['UnionIdList'] ?? []),
        ));
        break;
    default:
        error_log("callback: {$type} (not handled here)");
}

dingtalk_answer(200, $callback->reply());
