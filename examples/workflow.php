<?php
/**
 * The work-record workflow end to end: token, create a record with forms, list, find,
 * complete, list done. Prints what happens.
 *
 *   DINGTALK_ENDPOINT    one server for both API families (default: DingTalk; `make demo`: the emulator)
 *   DINGTALK_APP_KEY     the app key    (default: the emulator's demo app)
 *   DINGTALK_APP_SECRET  the app secret (default: the emulator's demo app)
 *   DINGTALK_USER_ID     the assignee's userid (default: "demo-user")
 *   DINGTALK_CA_FILE     a PEM to trust (the emulator's HTTPS certificate), optional
 */

declare(strict_types=1);

use DingTalk\Client;
use DingTalk\WorkRecord;

if (!extension_loaded('dingtalk')) {
    fwrite(STDERR, "The dingtalk extension is not loaded (php -d extension=.../libdingtalk.so).\n");
    exit(1);
}

$env = static fn (string $name, ?string $default = null): ?string =>
    (($value = getenv($name)) !== false && $value !== '') ? $value : $default;

$options = ['timeout' => 10.0];
if ($url = $env('DINGTALK_ENDPOINT')) {
    $options['endpoint'] = $url;
}
if ($ca = $env('DINGTALK_CA_FILE')) {
    $options['ca_file'] = $ca;
}
$userId = $env('DINGTALK_USER_ID', 'demo-user');

$client = new Client(
    $env('DINGTALK_APP_KEY', 'demo_app_key'),
    $env('DINGTALK_APP_SECRET', 'demo_app_secret'),
    $options,
);
$records = $client->workRecords();

try {
    $token = $client->getAccessToken();
    printf("1. access token: %d characters (cached in this process from now on)\n", strlen($token));

    $recordId = $records->create(
        $userId,
        '报销审批: 差旅费 1,280.00 元',
        'https://example.com/expenses/42',
        ['申请人' => '张三', '金额' => '1280.00', '事由' => '客户拜访'],
        ['pc_url' => 'https://example.com/expenses/42?pc=1', 'pc_open_type' => 2, 'biz_id' => 'expense-42-' . bin2hex(random_bytes(4))],
    );
    printf("2. created record %s for %s\n", $recordId, $userId);

    $page = $records->list($userId, WorkRecord::PENDING);
    printf("3. pending records: %d%s\n", count($page['records']), $page['has_more'] ? ' (more pages)' : '');

    $found = $records->find($userId, $recordId);
    printf("4. found: \"%s\", created at %s, %d form lines\n",
        $found['title'], date('Y-m-d H:i:s', intdiv($found['create_time'], 1000)), count($found['forms']));

    $done = $records->complete($userId, $recordId);
    printf("5. completed: %s\n", $done ? 'yes' : 'no');

    $doneIds = array_column($records->all($userId, WorkRecord::DONE), 'record_id');
    printf("6. done records: %d, ours among them: %s\n", count($doneIds), in_array($recordId, $doneIds, true) ? 'yes' : 'no');

    $stats = $client->stats();
    printf("   requests: %d, token fetches: %d, retries: %d\n", $stats['requests'], $stats['token_fetches'], $stats['retries']);
} catch (DingTalk\ApiException $e) {
    fprintf(STDERR, "DingTalk refused: %s (errcode %d, request_id %s)\n", $e->getMessage(), $e->getCode(), $e->getRequestId() ?? '-');
    exit(1);
} catch (DingTalk\Exception $e) {
    fprintf(STDERR, "%s: %s\n", get_class($e), $e->getMessage());
    exit(1);
}
