<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Bot;
use DingTalk\Message;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * `DingTalk\Bot`, the app's robot, against the emulator: the one shape converted to the robot's
 * templates (`msgKey`, `msgParam` as a JSON string) and back, people and groups, the users
 * DingTalk did not reach, recalls and read reports.
 */
final class BotTest extends TestCase
{
    private const TO_USERS = '/v1.0/robot/oToMessages/batchSend';
    private const TO_GROUP = '/v1.0/robot/groupMessages/send';

    /** @return iterable<string, array{0: array}> */
    public static function messages(): iterable
    {
        yield 'text' => [Message::text('会议改到三点')];
        yield 'markdown' => [Message::markdown('Build', "#### red\n- `main` failed")];
        yield 'link' => [Message::link('Build 42', 'failed', 'https://ci.example.com/42', 'https://ci.example.com/42.png')];
        yield 'action card' => [Message::actionCard('Build 42', 'failed', 'Logs', 'https://ci.example.com/42')];
        foreach ([2, 3, 4, 5] as $n) {
            $buttons = array_map(fn (int $i) => ['title' => "B{$i}", 'action_url' => "https://example.com/{$i}"], range(1, $n));
            yield "action card, {$n} buttons one under another" => [['msgtype' => 'action_card', 'action_card' => [
                'title' => 't', 'markdown' => 'm', 'btn_orientation' => '0', 'btn_json_list' => $buttons,
            ]]];
        }
        yield 'action card, 2 buttons side by side' => [['msgtype' => 'action_card', 'action_card' => [
            'title' => 't', 'markdown' => 'm', 'btn_orientation' => '1',
            'btn_json_list' => [['title' => 'Yes', 'action_url' => 'https://example.com/y'], ['title' => 'No', 'action_url' => 'https://example.com/n']],
        ]]];
        yield 'image' => [['msgtype' => 'image', 'image' => ['media_id' => '@lADOADmaWMzazQKA']]];
    }

    /**
     * Each message reaches people and groups through the robot's templates, and comes back from
     * the emulator's inbox as the array that was sent.
     *
     * @dataProvider messages
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('messages')]
    public function testEachMessageArrivesAsWritten(array $message): void
    {
        $bot = $this->client()->bot();
        $sent = $bot->sendToUsers(['clerk0815', 'manager4711'], $message);
        $this->assertSame([], $sent['invalidStaffIdList']);
        $this->assertSame([], $sent['flowControlledStaffIdList']);
        foreach (['clerk0815', 'manager4711'] as $user) {
            $inbox = $this->emulator->messages(['user' => $user, 'channel' => 'robot']);
            $this->assertCount(1, $inbox);
            $this->assertSame($message, $inbox[0]['message']);
            $this->assertSame($sent['processQueryKey'], $inbox[0]['process_query_key']);
        }
        $group = $this->emulator->conversation('ops', ['clerk0815']);
        $key = $bot->sendToGroup($group, $message);
        $inbox = $this->emulator->messages(['conversation' => $group]);
        $this->assertCount(1, $inbox);
        $this->assertSame($message, $inbox[0]['message']);
        $this->assertSame($key, $inbox[0]['process_query_key']);
    }

    /**
     * DingTalk sends to everyone it can and names the others: they come back in the result,
     * never in an exception (the rest got the message) and never silently dropped.
     */
    public function testUsersDingTalkDidNotReachComeBackInTheResult(): void
    {
        $emulator = $this->startEmulator(['--user', 'anna:union-anna', '--user', 'ben:union-ben', '--strict-users']);
        $emulator->flowControl(['ben']);
        $bot = $this->client([], $emulator)->bot();
        $sent = $bot->sendToUsers(['anna', 'ben', 'nobody'], Message::text('Standup in 5'));
        $this->assertSame(['nobody'], $sent['invalidStaffIdList']);
        $this->assertSame(['ben'], $sent['flowControlledStaffIdList']);
        $this->assertNotSame('', $sent['processQueryKey']);
        $this->assertSame(['anna'], array_column($emulator->messages(['channel' => 'robot']), 'user'));
        // Later, to those who were flow-controlled only: no one gets it twice.
        $emulator->reset();
        $again = $bot->sendToUsers($sent['flowControlledStaffIdList'], Message::text('Standup in 5'));
        $this->assertSame([], $again['flowControlledStaffIdList']);
        $this->assertSame(['ben'], array_column($emulator->messages(['channel' => 'robot']), 'user'));
    }

    public function testTheRobotCodeIsTheAppKeyUnlessGiven(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = $this->client([], null, [$key, $secret]);
        $this->assertSame($key, $client->bot()->robotCode());
        $this->assertSame($key, (new Bot($client))->robotCode());
        $other = $client->bot('dingabcdef');
        $this->assertSame('dingabcdef', $other->robotCode());
        $e = $this->throws(ApiException::class, fn () => $other->sendToUsers(['u1'], Message::text('x')));
        $this->assertStringContainsString('DingTalk ' . self::TO_USERS . ' failed: HTTP ', $e->getMessage());
    }

    public function testRecallsAndReadReports(): void
    {
        $bot = $this->client()->bot();
        $sent = $bot->sendToUsers(['clerk0815', 'manager4711'], Message::text('Lunch is here'));
        $status = $bot->readStatus($sent['processQueryKey']);
        $this->assertSame(['clerk0815', 'manager4711'], array_column($status['messageReadInfoList'], 'userId'));
        $this->assertSame(['UNREAD', 'UNREAD'], array_column($status['messageReadInfoList'], 'readStatus'));
        $this->emulator->markRead([$this->emulator->messages(['user' => 'manager4711'])[0]['id']]);
        $status = $bot->readStatus($sent['processQueryKey']);
        $this->assertSame(['UNREAD', 'READ'], array_column($status['messageReadInfoList'], 'readStatus'));

        $recalled = $bot->recall([$sent['processQueryKey']]);
        $this->assertSame([$sent['processQueryKey']], $recalled['successResult']);
        $this->assertSame([], $recalled['failedResult']);
        $this->assertSame([true, true], array_column($this->emulator->messages(['channel' => 'robot']), 'recalled'));

        $group = $this->emulator->conversation('ops');
        $key = $bot->sendToGroup($group, Message::text('wrong group'));
        $recalled = $bot->recall([$key, 'no-such-key'], $group);
        $this->assertSame([$key], $recalled['successResult']);
        $this->assertArrayHasKey('no-such-key', $recalled['failedResult']);
        $this->assertTrue($this->emulator->messages(['conversation' => $group])[0]['recalled']);
    }

    /** A send is a create: once it may have reached DingTalk it is never sent again. */
    public function testASendThatMayHaveLandedIsNotResent(): void
    {
        $bot = $this->client(['retries' => 3])->bot();
        $group = $this->emulator->conversation('ops');
        $this->emulator->faults([['path' => self::TO_GROUP, 'drop' => true, 'processed' => true]]);
        $this->throws(TransportException::class, fn () => $bot->sendToGroup($group, Message::text('once')));
        $this->assertSame(1, $this->emulator->requests(self::TO_GROUP));
        $this->assertCount(1, $this->emulator->messages(['conversation' => $group]), 'DingTalk did deliver it');
        $this->emulator->faults([['path' => self::TO_USERS, 'status' => 503, 'code' => 'ServiceUnavailable']]);
        $this->throws(ApiException::class, fn () => $bot->sendToUsers(['clerk0815'], Message::text('busy')));
        $this->assertSame(1, $this->emulator->requests(self::TO_USERS));
    }
}
