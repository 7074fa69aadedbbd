<?php
/**
 * An echo bot: a Stream-mode worker that answers every message to the app's robot — in a 1:1
 * chat, or with an @ of it in a group — with an AI card whose text streams in word by word,
 * the way an AI answer would.
 *
 *   DINGTALK_APP_KEY=... DINGTALK_APP_SECRET=... DINGTALK_CARD_TEMPLATE_ID=... \
 *     php -d extension=target/debug/libdingtalk.so examples/chatbot.php
 *
 *   DINGTALK_APP_KEY, DINGTALK_APP_SECRET  the app's key and secret (its clientId and clientSecret)
 *   DINGTALK_CARD_TEMPLATE_ID             the AI card template (卡片平台 › 新建模板 › AI 卡片);
 *                                         the emulator takes any id
 *   DINGTALK_CARD_KEY                     optional: the template's streaming text field
 *                                         [default: content]
 *   DINGTALK_ENDPOINT                     optional: one server for both API families and the
 *                                         Stream gateway, e.g. the emulator at http://127.0.0.1:8080
 *   DINGTALK_MAX_EVENTS, DINGTALK_TIMEOUT  optional: end after that many messages or seconds
 *
 * The app needs the robot ability with Stream mode (消息接收模式: Stream 模式) and the card
 * permissions (Card.Instance.Write, Card.Streaming.Write). Against the emulator, write to the
 * robot with POST /_emulator/bot/say and read the cards with GET /_emulator/cards (`make demo`
 * does both: scripts/demo.sh).
 *
 * Runs until SIGTERM or SIGINT, which end it after the message in hand. Under systemd or
 * supervisor it is restarted if it ever fails (docs/chatbots.md).
 */

declare(strict_types=1);

use DingTalk\Bot;
use DingTalk\Client;
use DingTalk\Stream;

if (!extension_loaded('dingtalk')) {
    fwrite(STDERR, "chatbot: the dingtalk extension is not loaded (php -d extension=.../libdingtalk.so)\n");
    exit(1);
}
$key = getenv('DINGTALK_APP_KEY') ?: '';
$secret = getenv('DINGTALK_APP_SECRET') ?: '';
$endpoint = getenv('DINGTALK_ENDPOINT') ?: '';
$template = getenv('DINGTALK_CARD_TEMPLATE_ID') ?: ($endpoint !== '' ? 'echo-bot.schema' : '');
if ($key === '' || $secret === '' || $template === '') {
    fwrite(STDERR, "chatbot: set DINGTALK_APP_KEY, DINGTALK_APP_SECRET and DINGTALK_CARD_TEMPLATE_ID\n");
    exit(1);
}
$field = getenv('DINGTALK_CARD_KEY') ?: 'content';
$bounds = [];
if ((getenv('DINGTALK_MAX_EVENTS') ?: '') !== '') {
    $bounds['max_events'] = (int) getenv('DINGTALK_MAX_EVENTS');
}
if ((getenv('DINGTALK_TIMEOUT') ?: '') !== '') {
    $bounds['timeout'] = (float) getenv('DINGTALK_TIMEOUT');
}

$client = new Client($key, $secret, $endpoint === '' ? [] : ['endpoint' => $endpoint]);
$bot = new Bot($client);
$stream = new Stream($client, [
    'topics' => ['bot'],
    // Say when the worker cannot reach DingTalk; a real worker logs it and alerts.
    'on_state' => static function (string $state, array $info): void {
        if ($state === 'retrying') {
            fwrite(STDERR, "chatbot: retrying in {$info['pause']} s: {$info['reason']}\n");
        }
    },
]);

/** The answer, word by word: what an AI model's stream of tokens looks like to the bot. */
function answer(string $said): Generator
{
    foreach (explode(' ', "You said: {$said}") as $word) {
        usleep(100_000);
        yield "{$word} ";
    }
}

$handled = $stream->run(function (array $message) use ($bot, $template, $field): void {
    $data = $message['data'];
    $said = trim($data['text']['content'] ?? '');
    $where = $data['conversationType'] === '1' ? '1:1' : 'in ' . ($data['conversationTitle'] ?? 'a group');
    try {
        // flowStatus 1: the AI card shows "thinking" until the text streams in.
        $card = $bot->card($message, $template, ['flowStatus' => 1]);
        $text = '';
        foreach (answer($said) as $token) {
            $text .= $token;
            $card->stream($field, $text);          // returns at once: coalesced in the background
        }
        $card->stream($field, rtrim($text), true); // the final update: returns once it is shown
        $card->update(['flowStatus' => 3]);        // finished
        echo "{$data['senderNick']} ({$where}): {$said} -> card {$card->outTrackId()}\n";
    } catch (DingTalk\Exception $e) {
        fwrite(STDERR, "chatbot: {$e->getMessage()}\n");
        try {
            // A text instead: through the session webhook while it lives, else the robot API.
            $bot->reply($message, DingTalk\Message::text('Sorry, I could not answer that just now.'));
        } catch (DingTalk\Exception $e) {
            fwrite(STDERR, "chatbot: no reply either: {$e->getMessage()}\n");
        }
    }
}, $bounds);

fwrite(STDERR, "chatbot: stopped after {$handled} messages\n");
