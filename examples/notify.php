<?php
/**
 * One alert, three ways: as a work notification to a user, to a group through its webhook robot,
 * and through the app's robot to the same user and to a group. Prints what happens. Each part
 * runs when what it needs is set, and says so when it is not.
 *
 *   DINGTALK_ENDPOINT         one server for both API families (default: DingTalk; `make demo`: the emulator)
 *   DINGTALK_APP_KEY          the app key    (default: the emulator's demo app)
 *   DINGTALK_APP_SECRET       the app secret (default: the emulator's demo app)
 *   DINGTALK_CA_FILE          a PEM to trust (the emulator's HTTPS certificate), optional
 *   DINGTALK_USER_ID          the userid who gets the alert (default: "demo-user")
 *   DINGTALK_AGENT_ID         the app's AgentId: the work notification
 *   DINGTALK_WEBHOOK_URL      a group robot's webhook URL, and DINGTALK_WEBHOOK_SECRET its secret
 *                             ("加签"), if it has one: the webhook
 *   DINGTALK_CONVERSATION_ID  the openConversationId of a group the app's robot is in: the group send
 */

declare(strict_types=1);

use DingTalk\Client;
use DingTalk\Message;
use DingTalk\Webhook;

if (!extension_loaded('dingtalk')) {
    fwrite(STDERR, "The dingtalk extension is not loaded (php -d extension=.../libdingtalk.so).\n");
    exit(1);
}

$env = static fn (string $name, ?string $default = null): ?string =>
    (($value = getenv($name)) !== false && $value !== '') ? $value : $default;

$transport = ['timeout' => 10.0];
if ($caFile = $env('DINGTALK_CA_FILE')) {
    $transport['ca_file'] = $caFile;
}
$options = $transport;
if ($endpoint = $env('DINGTALK_ENDPOINT')) {
    $options['endpoint'] = $endpoint;
}
if ($agentId = $env('DINGTALK_AGENT_ID')) {
    $options['agent_id'] = (int) $agentId;
}
$client = new Client($env('DINGTALK_APP_KEY', 'demo_app_key'), $env('DINGTALK_APP_SECRET', 'demo_app_secret'), $options);
$userId = $env('DINGTALK_USER_ID', 'demo-user');

// One message for every channel. The time makes each run's alert new: DingTalk drops a work
// notification with the same content to the same user on the same day.
$alert = Message::markdown('alert: db1 disk full', sprintf(
    "#### db1: disk 95 %% full\n- at %s\n- [runbook](https://example.com/runbook/disk)",
    date('Y-m-d H:i:s')
));

try {
    if ($agentId) {
        $notices = $client->workNotices();
        $taskId = $notices->send([$userId], $alert);
        $progress = $notices->progress($taskId);
        $result = $notices->result($taskId);
        printf("1. work notification to %s: task %d, %d %% sent, unread by %d, not delivered to %d\n",
            $userId, $taskId, $progress['progress_in_percent'], count($result['unread_user_id_list']),
            count($result['forbidden_user_id_list']) + count($result['invalid_user_id_list']) + count($result['failed_user_id_list']));
    } else {
        echo "1. work notification: skipped (set DINGTALK_AGENT_ID)\n";
    }

    if ($url = $env('DINGTALK_WEBHOOK_URL')) {
        // No app involved: the robot's URL and secret, and the transport options.
        $webhook = new Webhook($url, $env('DINGTALK_WEBHOOK_SECRET'), $transport);
        $webhook->send($alert + ['at' => ['atUserIds' => [$userId]]]);
        printf("2. group webhook: sent%s, mentioning %s\n", $env('DINGTALK_WEBHOOK_SECRET') ? ' and signed' : '', $userId);
    } else {
        echo "2. group webhook: skipped (set DINGTALK_WEBHOOK_URL)\n";
    }

    $bot = $client->bot();
    $sent = $bot->sendToUsers([$userId], $alert);
    $unreached = array_merge($sent['invalidStaffIdList'], $sent['flowControlledStaffIdList']);
    $read = $bot->readStatus($sent['processQueryKey'])['messageReadInfoList'][0]['readStatus'] ?? 'unknown';
    printf("3. app robot to %s: %s (read status: %s)\n", $userId, $unreached === [] ? 'sent' : 'not reached', $read);
    if ($conversation = $env('DINGTALK_CONVERSATION_ID')) {
        $key = $bot->sendToGroup($conversation, $alert);
        printf("4. app robot to the group: sent, processQueryKey %s...\n", substr($key, 0, 8));
    } else {
        echo "4. app robot to a group: skipped (set DINGTALK_CONVERSATION_ID)\n";
    }
} catch (DingTalk\ApiException $e) {
    fprintf(STDERR, "DingTalk refused: %s (code %s, request id %s)\n", $e->getMessage(), $e->getErrorCode(), $e->getRequestId() ?? '-');
    exit(1);
} catch (DingTalk\Exception $e) {
    fprintf(STDERR, "failed: %s\n", $e->getMessage());
    exit(1);
}
