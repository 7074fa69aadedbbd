<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Bot;
use DingTalk\Client;
use DingTalk\Message;
use DingTalk\Tests\Support\TestCase;
use DingTalk\Webhook;
use DingTalk\WorkNotice;
use ValueError;

/**
 * The one message shape, and what each channel refuses before anything is sent: a `\ValueError`
 * naming the field as PHP names an argument (`Argument #2 ($message[text][content])`), and the
 * emulator sees nothing, not even a token fetch.
 */
final class MessageInputTest extends TestCase
{
    /** One app for every refusal (none of them may send anything), to spare the app pool. */
    private static ?array $app = null;

    private Client $client;
    private WorkNotice $notices;
    private Bot $bot;
    private Webhook $webhook;

    protected function setUp(): void
    {
        parent::setUp();
        self::$app ??= $this->freshApp();
        $this->client = $this->client(['agent_id' => 7], null, self::$app);
        $this->notices = $this->client->workNotices();
        $this->bot = $this->client->bot();
        // A robot the emulator does not know: nothing may reach it anyway.
        $this->webhook = new Webhook($this->emulator->url() . '/robot/send?access_token=never-used');
    }

    /** Asserts `$fn` throws a `\ValueError` whose message holds `$text`, and nothing was sent. */
    private function assertRefused(string $text, callable $fn): ValueError
    {
        $e = $this->throws(ValueError::class, $fn);
        $this->assertStringContainsString($text, $e->getMessage());
        $this->assertNoRequestReached();
        return $e;
    }

    public function testTheBuildersReturnTheOneShape(): void
    {
        $this->assertSame(['msgtype' => 'text', 'text' => ['content' => '磁盘已满']], Message::text('磁盘已满'));
        $this->assertSame(
            ['msgtype' => 'markdown', 'markdown' => ['title' => 'Deploy', 'text' => "# v2\n- done"]],
            Message::markdown('Deploy', "# v2\n- done")
        );
        $this->assertSame(
            ['msgtype' => 'link', 'link' => ['title' => 't', 'text' => 'x', 'messageUrl' => 'https://a', 'picUrl' => '']],
            Message::link('t', 'x', 'https://a')
        );
        $this->assertSame(
            ['msgtype' => 'action_card', 'action_card' => ['title' => 't', 'markdown' => 'm', 'single_title' => 'Open', 'single_url' => 'https://a']],
            Message::actionCard('t', 'm', 'Open', 'https://a')
        );
        $e = $this->throws(\Error::class, fn () => new Message());
        $this->assertStringContainsString('private', $e->getMessage());
    }

    /** @return iterable<string, array{0: string, 1: array}> */
    public static function badMessages(): iterable
    {
        yield 'not a message' => ['($message) has no "msgtype"', ['content' => 'x']];
        yield 'empty array' => ['($message) has no "msgtype"', []];
        yield 'unknown msgtype' => ['($message[msgtype]) must be one of text, markdown, link, action_card, oa, image, file, voice, "sms" given', ['msgtype' => 'sms']];
        yield 'the webhook spelling' => ['($message[msgtype]) must be one of text, markdown, link, action_card, oa, image, file, voice, "actionCard" given; the one shape writes an action card as "action_card"', ['msgtype' => 'actionCard', 'actionCard' => []]];
        yield 'no content object' => ['($message) has no "text"', ['msgtype' => 'text']];
        yield 'empty content' => ['($message[text][content]) must not be empty', Message::text('')];
        yield 'content not a string' => ['($message[text][content]) must be a string, int given', ['msgtype' => 'text', 'text' => ['content' => 5]]];
        yield 'a typo in a key' => ['($message[link]) has an unknown key "messageURL"', ['msgtype' => 'link', 'link' => ['title' => 't', 'text' => 'x', 'messageURL' => 'https://a']]];
        yield 'another type beside' => ['($message) has an unknown key "markdown"', Message::text('x') + ['markdown' => []]];
        yield 'missing title' => ['($message[markdown][title]) is required', ['msgtype' => 'markdown', 'markdown' => ['text' => 'x']]];
        yield 'ftp link' => ['($message[link][messageUrl]) must be a link DingTalk can open', Message::link('t', 'x', 'ftp://example.com/f')];
        yield 'relative link' => ['($message[link][messageUrl]) must be a link DingTalk can open', Message::link('t', 'x', '/reports/1')];
        yield 'javascript picture' => ['($message[link][picUrl]) must be a link DingTalk can open', Message::link('t', 'x', 'https://a', 'javascript:alert(1)')];
        yield 'card without buttons' => ['($message[action_card]) needs its buttons', ['msgtype' => 'action_card', 'action_card' => ['title' => 't', 'markdown' => 'm']]];
        yield 'card button url' => ['($message[action_card][btn_json_list][1][action_url]) must be a link', ['msgtype' => 'action_card', 'action_card' => ['title' => 't', 'markdown' => 'm', 'btn_json_list' => [['title' => 'a', 'action_url' => 'https://a'], ['title' => 'b', 'action_url' => 'b']]]]];
        yield 'card orientation' => ['($message[action_card][btn_orientation]) must be "0" (vertical) or "1" (horizontal), "up" given', ['msgtype' => 'action_card', 'action_card' => ['title' => 't', 'markdown' => 'm', 'btn_orientation' => 'up', 'btn_json_list' => [['title' => 'a', 'action_url' => 'https://a']]]]];
        yield 'mention of a number' => ['($message[at][atMobiles][0]) must be a string, int given', Message::text('x') + ['at' => ['atMobiles' => [13800000000]]]];
        yield 'invalid UTF-8' => ['($message[text][content]) must be valid UTF-8', ['msgtype' => 'text', 'text' => ['content' => "\xff"]]];
        yield 'NAN' => ['($message[voice][duration]) must be a finite number', ['msgtype' => 'voice', 'voice' => ['media_id' => 'm', 'duration' => NAN]]];
    }

    /**
     * Every channel reads the message the same way, and names the same field.
     *
     * @dataProvider badMessages
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badMessages')]
    public function testEveryChannelRefusesABadMessageNamingTheField(string $expected, array $message): void
    {
        $this->assertRefused('WorkNotice::send(): Argument #2 ' . $expected, fn () => $this->notices->send(['u1'], $message));
        $this->assertRefused('Bot::sendToUsers(): Argument #2 ' . $expected, fn () => $this->bot->sendToUsers(['u1'], $message));
        $this->assertRefused('Bot::sendToGroup(): Argument #2 ' . $expected, fn () => $this->bot->sendToGroup('cid1', $message));
        $this->assertRefused('Webhook::send(): Argument #1 ' . $expected, fn () => $this->webhook->send($message));
    }

    public function testWhatAWorkNotificationCannotCarry(): void
    {
        $this->assertRefused('Argument #2 ($message[at]) cannot be sent by a work notification: only a group webhook carries mentions', fn () => $this->notices->send(['u1'], Message::text('x') + ['at' => ['isAtAll' => true]]));
        // DingTalk's limit is on the message as sent: 2048 bytes of JSON.
        $json = strlen((string) json_encode(Message::text(str_repeat('x', 2048))));
        $this->assertRefused("Argument #2 (\$message) is too long for a work notification: {$json} bytes as sent, DingTalk takes at most 2048", fn () => $this->notices->send(['u1'], Message::text(str_repeat('x', 2048))));
        $this->assertRefused('Argument #1 ($userIds) must not be empty without options[dept_ids] or options[to_all_user]', fn () => $this->notices->send([], Message::text('x')));
        $this->assertRefused('Argument #1 ($userIds) must hold at most 5000 ids', fn () => $this->notices->send(array_fill(0, 5001, 'u'), Message::text('x')));
        $this->assertRefused('Argument #1 ($userIds[1]) must not hold a comma', fn () => $this->notices->send(['u1', 'u2,u3'], Message::text('x')));
        $this->assertRefused('Argument #3 ($options[dept_ids]) must hold at most 500 departments', fn () => $this->notices->send([], Message::text('x'), ['dept_ids' => array_fill(0, 501, 1)]));
        $this->assertRefused('Argument #3 ($options[agent_id]) must be the app\'s agent_id, a number from 1, 0 given', fn () => $this->notices->send(['u1'], Message::text('x'), ['agent_id' => 0]));
        $this->assertRefused('Argument #3 ($options) has an unknown key "agentId"', fn () => $this->notices->send(['u1'], Message::text('x'), ['agentId' => 5]));
        $this->throws(\TypeError::class, fn () => $this->notices->send([7], Message::text('x')));
        $this->throws(\TypeError::class, fn () => $this->notices->send(['u1'], Message::text('x'), ['to_all_user' => 1]));
        $this->assertRefused('Argument #1 ($taskId) must be a task_id send() returned, 0 given', fn () => $this->notices->progress(0));
        $this->assertNoRequestReached();
    }

    public function testAWorkNoticeNeedsAnAgentId(): void
    {
        $client = $this->client([], null, self::$app);
        $e = $this->assertRefused('DingTalk\Client::workNotices(): Argument #1 ($agentId) is required: the client has no agent_id option (nor dingtalk.agent_id)', fn () => $client->workNotices());
        $this->assertRefused('DingTalk\WorkNotice::__construct(): Argument #2 ($agentId) is required', fn () => new WorkNotice($client));
        $this->assertRefused('Argument #2 ($agentId) must be the app\'s agent_id, a number from 1, -3 given', fn () => new WorkNotice($client, -3));
        $this->assertRefused('Argument #3 ($options[agent_id]) must be the app\'s agent_id', fn () => new Client(self::$app[0], self::$app[1], ['agent_id' => 0]));
        $this->assertSame(12, $client->workNotices(12)->agentId());
        $this->assertSame(7, $this->notices->agentId());
        $this->assertSame(9, (new WorkNotice($this->client, 9))->agentId());
        $this->assertNotEmpty($e->getTrace(), 'a refusal carries the PHP trace');
    }

    public function testWhatTheAppRobotCannotCarry(): void
    {
        $this->assertRefused('Argument #2 ($message[at]) cannot be sent by the app robot: only a group webhook carries mentions', fn () => $this->bot->sendToUsers(['u1'], Message::text('x') + ['at' => ['atUserIds' => ['u1']]]));
        foreach (['voice' => ['media_id' => 'm', 'duration' => 5], 'file' => ['media_id' => 'm'], 'oa' => ['message_url' => 'https://a', 'head' => ['bgcolor' => 'FFBBBBBB', 'text' => 'h'], 'body' => ['title' => 't']]] as $type => $content) {
            $this->assertRefused("(\$message[msgtype]) is \"{$type}\", which the app robot cannot carry (it carries text, markdown, link, action_card, image)", fn () => $this->bot->sendToGroup('cid1', ['msgtype' => $type, $type => $content]));
        }
        $one = ['msgtype' => 'action_card', 'action_card' => ['title' => 't', 'markdown' => 'm', 'btn_json_list' => [['title' => 'a', 'action_url' => 'https://a']]]];
        $this->assertRefused('($message[action_card][btn_json_list]) cannot be sent by the app robot: it carries 2 to 5 buttons one under another', fn () => $this->bot->sendToGroup('cid1', $one));
        $this->assertRefused('($message) is too long for the app robot', fn () => $this->bot->sendToGroup('cid1', Message::text(str_repeat('x', 15_000))));
        $this->assertRefused('Argument #1 ($userIds) must not be empty', fn () => $this->bot->sendToUsers([], Message::text('x')));
        $this->assertRefused('Argument #1 ($userIds) must hold at most 20 ids', fn () => $this->bot->sendToUsers(array_fill(0, 21, 'u'), Message::text('x')));
        $this->assertRefused('Argument #1 ($openConversationId) must not be empty', fn () => $this->bot->sendToGroup('', Message::text('x')));
        $this->assertRefused('Argument #1 ($processQueryKeys) must not be empty', fn () => $this->bot->recall([]));
        $this->assertRefused('Argument #2 ($robotCode) must not be empty', fn () => new Bot($this->client, ''));
    }

    public function testWhatAWebhookCannotCarry(): void
    {
        $this->assertRefused('($message[msgtype]) is "image", which a group webhook cannot carry (it carries text, markdown, link, action_card)', fn () => $this->webhook->send(['msgtype' => 'image', 'image' => ['media_id' => 'm']]));
        $this->assertRefused('($message) is too long for a group webhook', fn () => $this->webhook->send(Message::text(str_repeat('x', 20_000))));
    }

    /** @return iterable<string, array{0: string, 1: string, 2: array}> */
    public static function badWebhooks(): iterable
    {
        $hint = 'must be the robot\'s webhook URL as DingTalk shows it (https://oapi.dingtalk.com/robot/send?access_token=...)';
        yield 'no token' => ['#1 ($url) ' . $hint . ': it has no access_token', 'https://oapi.dingtalk.com/robot/send', []];
        yield 'empty token' => ['#1 ($url) ' . $hint, 'https://oapi.dingtalk.com/robot/send?access_token=', []];
        yield 'two tokens' => ['#1 ($url) ' . $hint . ': one access_token', 'https://oapi.dingtalk.com/robot/send?access_token=a&access_token=b', []];
        yield 'a signature of its own' => ['#1 ($url) ' . $hint . ': it may hold no query parameter but access_token', 'https://oapi.dingtalk.com/robot/send?access_token=a&timestamp=1&sign=x', []];
        yield 'not http' => ['#1 ($url) ' . $hint, 'ftp://oapi.dingtalk.com/robot/send?access_token=a', []];
        yield 'not a URL' => ['#1 ($url) ' . $hint, 'oapi.dingtalk.com/robot/send?access_token=a', []];
        yield 'per_minute 0' => ['#3 ($options[per_minute]) must be a number of messages a minute from 1 to 60000 (DingTalk allows 20), 0 given', 'https://oapi.dingtalk.com/robot/send?access_token=a', ['per_minute' => 0]];
        yield 'a client option' => ['#3 ($options) has an unknown key "agent_id"', 'https://oapi.dingtalk.com/robot/send?access_token=a', ['agent_id' => 1]];
        yield 'a bad timeout' => ['#3 ($options[timeout]) must be a number of seconds greater than 0', 'https://oapi.dingtalk.com/robot/send?access_token=a', ['timeout' => 0]];
    }

    /**
     * @dataProvider badWebhooks
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badWebhooks')]
    public function testAWebhookIsCheckedWhenMade(string $expected, string $url, array $options): void
    {
        $e = $this->assertRefused('DingTalk\Webhook::__construct(): Argument ' . $expected, fn () => new Webhook($url, null, $options));
        $this->assertStringNotContainsString('access_token=a', $e->getMessage(), 'the URL is never quoted');
        $this->assertRefused('Argument #2 ($secret) must be the robot\'s signing secret', fn () => new Webhook('https://oapi.dingtalk.com/robot/send?access_token=a', ''));
        $this->throws(\TypeError::class, fn () => new Webhook('https://oapi.dingtalk.com/robot/send?access_token=a', null, ['per_minute' => '20']));
    }
}
