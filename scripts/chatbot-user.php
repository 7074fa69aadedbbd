<?php
/**
 * The user of `make demo`'s chatbot: says three things to the app's robot through the
 * emulator's control API (at $DINGTALK_ENDPOINT), and after each waits until the bot's card is
 * final, printing what the user sees. Exits 1 when an answer does not come within 30 s.
 */

declare(strict_types=1);

$endpoint = getenv('DINGTALK_ENDPOINT') ?: '';
if ($endpoint === '') {
    fwrite(STDERR, "chatbot-user: set DINGTALK_ENDPOINT (the emulator)\n");
    exit(1);
}

/** One control call: JSON in, JSON out. */
function control(string $endpoint, string $method, string $path, ?array $body = null): array
{
    $http = ['method' => $method, 'ignore_errors' => true, 'timeout' => 10];
    if ($body !== null) {
        $http['header'] = "Content-Type: application/json\r\n";
        $http['content'] = json_encode($body);
    }
    $answer = file_get_contents($endpoint . $path, false, stream_context_create(['http' => $http]));
    $decoded = json_decode((string) $answer, true);
    if (!is_array($decoded)) {
        fwrite(STDERR, "chatbot-user: {$method} {$path} answered: {$answer}\n");
        exit(1);
    }
    return $decoded;
}

$group = control($endpoint, 'POST', '/_emulator/conversations', ['title' => 'ops', 'members' => ['ann', 'bob']]);
$said = [
    ['user' => 'ann', 'text' => 'Hello robot'],
    ['user' => 'bob', 'text' => 'Is the release out?', 'conversation' => $group['openConversationId']],
    ['user' => 'ann', 'text' => 'Thanks, bye'],
];
foreach ($said as $n => $message) {
    $where = isset($message['conversation']) ? 'in ops, @robot' : '1:1';
    echo "{$message['user']} ({$where}): {$message['text']}\n";
    control($endpoint, 'POST', '/_emulator/bot/say', $message);
    $deadline = microtime(true) + 30;
    do {
        usleep(50_000);
        // Oldest first: the answer to message $n is the card $n.
        $card = control($endpoint, 'GET', '/_emulator/cards')['cards'][$n] ?? null;
        $final = $card !== null && ($card['streaming']['content']['finalized'] ?? false)
            && ($card['cardParamMap']['flowStatus'] ?? null) === '3';
    } while (!$final && microtime(true) < $deadline);
    if (!$final) {
        fwrite(STDERR, "chatbot-user: no finished answer within 30 s\n");
        exit(1);
    }
    $updates = $card['streaming']['content']['updates'];
    echo "  robot's card: \"{$card['cardParamMap']['content']}\" ({$updates} streaming updates)\n";
}
