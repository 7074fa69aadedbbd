<?php
/**
 * The Stream consumption bench's PHP contender: one DingTalk\Stream worker subscribed to bot
 * messages, with the trivial handler every contender has (acknowledge, do nothing else). It runs
 * as a worker runs (its defaults: acknowledged early, deduplicated in the process's memory)
 * until the runner stops it. DT_BASE_URL, DT_KEY, DT_SECRET: the emulator and its app.
 */

declare(strict_types=1);

$client = new DingTalk\Client((string) getenv('DT_KEY'), (string) getenv('DT_SECRET'), ['endpoint' => (string) getenv('DT_BASE_URL')]);
$stream = new DingTalk\Stream($client, ['topics' => ['bot']]);
$stream->run(static fn (array $message): bool => true);
