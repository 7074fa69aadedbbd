<?php
/**
 * The to-do workflow on DingTalk's v1.0 API, end to end: token, the unionId of a userid, create
 * a task with a detailUrl, a dueTime and a sourceId, list, get, complete, list done, delete.
 * Prints what happens.
 *
 *   DINGTALK_ENDPOINT      one server for both API families (default: DingTalk; `make demo`: the emulator)
 *   DINGTALK_APP_KEY       the app key    (default: the emulator's demo app)
 *   DINGTALK_APP_SECRET    the app secret (default: the emulator's demo app)
 *   DINGTALK_USER_ID       the userid of the user who gets the to-do (default: "demo-user")
 *   DINGTALK_CA_FILE       a PEM to trust (the emulator's HTTPS certificate), optional
 */

declare(strict_types=1);

use DingTalk\Client;
use DingTalk\Todo;

if (!extension_loaded('dingtalk')) {
    fwrite(STDERR, "The dingtalk extension is not loaded (php -d extension=.../libdingtalk.so).\n");
    exit(1);
}

$env = static fn (string $name, ?string $default = null): ?string =>
    (($value = getenv($name)) !== false && $value !== '') ? $value : $default;

$options = ['timeout' => 10.0];
foreach (['endpoint' => 'DINGTALK_ENDPOINT', 'ca_file' => 'DINGTALK_CA_FILE'] as $option => $variable) {
    if ($value = $env($variable)) {
        $options[$option] = $value;
    }
}
$userId = $env('DINGTALK_USER_ID', 'demo-user');

$client = new Client(
    $env('DINGTALK_APP_KEY', 'demo_app_key'),
    $env('DINGTALK_APP_SECRET', 'demo_app_secret'),
    $options,
);
$todos = $client->todos();

try {
    $token = $client->getAccessToken();
    printf("1. access token: %d characters (one token for both API families)\n", strlen($token));

    $unionId = $client->unionId($userId);
    printf("2. unionId of %s: %s (cached in this process from now on)\n", $userId, $unionId);

    $sourceId = 'expense-42-' . bin2hex(random_bytes(4));
    $task = $todos->create($unionId, [
        'subject' => '报销审批: 差旅费 1,280.00 元',
        'description' => '张三的差旅报销, 请在周五前审批',
        'dueTime' => new DateTimeImmutable('+3 days'),
        'executorIds' => [$unionId],
        'detailUrl' => ['appUrl' => 'https://example.com/expenses/42', 'pcUrl' => 'https://example.com/expenses/42?pc=1'],
        'sourceId' => $sourceId,   // makes the create safe to retry
        'priority' => Todo::PRIORITY_HIGH,
        'contentFieldList' => ['申请人' => '张三', '金额' => '1280.00'],
    ]);
    printf("3. created task %s, due %s\n", $task['id'], date('Y-m-d H:i', intdiv($task['dueTime'], 1000)));

    $page = $todos->list($unionId);
    printf("4. open tasks on the first page: %d%s\n", count($page['tasks']), $page['next_token'] !== null ? ' (more pages)' : '');

    $again = $todos->get($unionId, $task['id']);
    printf("5. got \"%s\" (done: %s); by sourceId: %s\n", $again['subject'], $again['done'] ? 'yes' : 'no',
        ($todos->findBySourceId($unionId, $sourceId)['id'] ?? null) === $task['id'] ? 'the same task' : 'not found');

    printf("6. completed: %s\n", $todos->complete($unionId, $task['id']) ? 'yes' : 'no');

    $doneIds = array_column($todos->all($unionId, true), 'taskId');   // list cards name their id taskId
    printf("7. done tasks: %d, ours among them: %s\n", count($doneIds), in_array($task['id'], $doneIds, true) ? 'yes' : 'no');

    printf("8. deleted: %s; get() now answers %s\n", $todos->delete($unionId, $task['id']) ? 'yes' : 'no',
        var_export($todos->get($unionId, $task['id']), true));

    $stats = $client->stats();
    printf("   requests: %d, token fetches: %d, retries: %d\n", $stats['requests'], $stats['token_fetches'], $stats['retries']);
} catch (DingTalk\ApiException $e) {
    fprintf(STDERR, "DingTalk refused: %s (code %s, request id %s)\n", $e->getMessage(), $e->getErrorCode(), $e->getRequestId() ?? '-');
    exit(1);
} catch (DingTalk\Exception $e) {
    fprintf(STDERR, "%s: %s\n", get_class($e), $e->getMessage());
    exit(1);
}
