<?php
/**
 * A Stream-mode worker: receives DingTalk's events over an outbound WebSocket (no public URL,
 * no crypto) and prints the to-do events, one line each.
 *
 *   DINGTALK_APP_KEY=... DINGTALK_APP_SECRET=... php -d extension=target/debug/libdingtalk.so examples/stream-worker.php
 *
 *   DINGTALK_APP_KEY, DINGTALK_APP_SECRET  the app's key and secret (its clientId and clientSecret)
 *   DINGTALK_ENDPOINT                     optional: one server for both API families, e.g. the
 *                                         emulator at http://127.0.0.1:8080 (its Stream gateway too)
 *   DINGTALK_MAX_EVENTS, DINGTALK_TIMEOUT  optional: end after that many events or seconds
 *
 * The app must use Stream mode for its events (developer console, 事件订阅 › Stream 模式 推送)
 * and be subscribed to the to-do events. Against the emulator, change a to-do or raise an
 * event with POST /_emulator/push, and see the deliveries with GET /_emulator/events.
 *
 * Runs until SIGTERM or SIGINT (Ctrl-C), which end it cleanly after the event in hand: that
 * event is acknowledged first, then run() returns and the script exits with status 0. Under
 * systemd or supervisor it is restarted if it ever fails (see docs/events.md).
 */

declare(strict_types=1);

use DingTalk\Client;
use DingTalk\Stream;

if (!extension_loaded('dingtalk')) {
    fwrite(STDERR, "stream-worker: the dingtalk extension is not loaded (php -d extension=.../libdingtalk.so)\n");
    exit(1);
}

$key = getenv('DINGTALK_APP_KEY') ?: '';
$secret = getenv('DINGTALK_APP_SECRET') ?: '';
if ($key === '' || $secret === '') {
    fwrite(STDERR, "stream-worker: set DINGTALK_APP_KEY and DINGTALK_APP_SECRET\n");
    exit(1);
}
$options = [];
$url = getenv('DINGTALK_ENDPOINT') ?: '';
if ($url !== '') {
    $options = ['endpoint' => $url];
}
$bounds = [];
if ((getenv('DINGTALK_MAX_EVENTS') ?: '') !== '') {
    $bounds['max_events'] = (int) getenv('DINGTALK_MAX_EVENTS');
}
if ((getenv('DINGTALK_TIMEOUT') ?: '') !== '') {
    $bounds['timeout'] = (float) getenv('DINGTALK_TIMEOUT');
}

$client = new Client($key, $secret, $options);
$stream = new Stream($client);

/**
 * DingTalk may deliver an event twice (an acknowledgement lost with its connection, a retry):
 * a real app remembers the eventIds it handled, in its database, and skips them. This worker
 * remembers the last few in memory.
 */
$seen = [];

$handled = $stream->run(function (array $event) use (&$seen, $client): bool {
    if (isset($seen[$event['id']])) {
        return true;   // a duplicate: already handled, acknowledge it again
    }
    if (str_starts_with($event['type'], 'todo_task_')) {
        // A to-do event names the task and everyone on it (unionIdList: creator, executors,
        // participants), nothing more: the task itself is read with the to-do API.
        $data = $event['data'];
        $taskId = (string) ($data['taskId'] ?? '?');
        $people = $data['unionIdList'] ?? [];
        $subject = '';
        if ($event['type'] !== 'todo_task_delete' && isset($people[0])) {
            try {
                $task = $client->todos()->get($people[0], $taskId);
                $subject = $task === null ? '' : ' "' . $task['subject'] . '"';
            } catch (DingTalk\Exception $e) {
                fwrite(STDERR, "stream-worker: cannot read task {$taskId}: {$e->getMessage()}\n");
            }
        }
        printf(
            "%s %s task %s%s\n",
            date('c', intdiv((int) ($event['born_time'] ?? 0), 1000)),
            substr($event['type'], strlen('todo_task_')),
            $taskId,
            $subject
        );
    } else {
        printf("%s event %s\n", $event['type'], $event['id']);
    }
    $seen[$event['id']] = true;
    if (count($seen) > 1000) {
        array_shift($seen);
    }
    // Returning false (or throwing) acknowledges LATER: DingTalk delivers the event again.
    return true;
}, $bounds);

fwrite(STDERR, "stream-worker: stopped after {$handled} events\n");
