<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\ApiException;
use DingTalk\Message;
use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;
use DingTalk\WorkNotice;

/**
 * `DingTalk\WorkNotice` against the emulator's work notifications: every message type, the
 * recipients, the same-day drop, progress, result and recall, the agent_id, and a send that is
 * never resent.
 */
final class WorkNoticeTest extends TestCase
{
    private const SEND = '/topapi/message/corpconversation/asyncsend_v2';
    private const AGENT = 4711;

    private function notices(array $options = []): WorkNotice
    {
        return $this->client($options + ['agent_id' => self::AGENT])->workNotices();
    }

    /** @return list<array> what `$user` received as work notices, oldest first */
    private function inbox(string $user): array
    {
        return $this->emulator->messages(['user' => $user, 'channel' => 'work_notice']);
    }

    /** @return iterable<string, array{0: array}> */
    public static function messages(): iterable
    {
        yield 'text' => [Message::text('您的报销单已审批通过')];
        yield 'markdown' => [Message::markdown('Expense approved', "### ¥42\n- lunch")];
        yield 'link' => [Message::link('Expense 42', 'approved', 'https://example.com/e/42', 'https://example.com/e/42.png')];
        yield 'action card' => [Message::actionCard('Expense 42', 'approved, **¥42**', 'Open', 'https://example.com/e/42')];
        yield 'action card with buttons' => [['msgtype' => 'action_card', 'action_card' => [
            'title' => 'Expense 42', 'markdown' => 'approve?', 'btn_orientation' => '0',
            'btn_json_list' => [['title' => 'Yes', 'action_url' => 'https://example.com/y'], ['title' => 'No', 'action_url' => 'https://example.com/n']],
        ]]];
        yield 'oa' => [['msgtype' => 'oa', 'oa' => [
            'message_url' => 'https://example.com/e/42',
            'head' => ['bgcolor' => 'FFBBBBBB', 'text' => '报销'],
            'body' => ['title' => 'Expense 42', 'form' => [['key' => 'Amount', 'value' => '¥42']], 'author' => 'finance'],
        ]]];
        yield 'image' => [['msgtype' => 'image', 'image' => ['media_id' => '@lADOADmaWMzazQKA']]];
        yield 'file' => [['msgtype' => 'file', 'file' => ['media_id' => '@lAzPDeC2uG3p9Ug']]];
        yield 'voice' => [['msgtype' => 'voice', 'voice' => ['media_id' => '@lAzPDeC2uG3p9Ug', 'duration' => '10']]];
    }

    /**
     * Every type of the one shape reaches every user as it was written, under the task_id the
     * send returned.
     *
     * @dataProvider messages
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('messages')]
    public function testEachMessageReachesEachUserAsWritten(array $message): void
    {
        $taskId = $this->notices()->send(['clerk0815', 'manager4711'], $message);
        $this->assertGreaterThan(0, $taskId);
        foreach (['clerk0815', 'manager4711'] as $user) {
            $inbox = $this->inbox($user);
            $this->assertCount(1, $inbox, $user);
            $this->assertSame($message, $inbox[0]['message']);
            $this->assertSame($taskId, $inbox[0]['task_id']);
            $this->assertFalse($inbox[0]['dropped']);
        }
        $this->assertSame(1, $this->emulator->requests(self::SEND), 'one call for both users');
    }

    /**
     * DingTalk drops a second notice with the same content to the same user on the same day:
     * the send succeeds, and its result says so.
     */
    public function testTheSameContentTwiceADayIsDroppedAndTheResultSaysSo(): void
    {
        $notices = $this->notices();
        $notices->send(['clerk0815'], Message::text('Your expense 42 was approved'));
        $again = $notices->send(['clerk0815', 'manager4711'], Message::text('Your expense 42 was approved'));
        $result = $notices->result($again);
        $this->assertSame(['clerk0815'], $result['forbidden_user_id_list']);
        $this->assertSame([['code' => '143106', 'count' => 1, 'userid' => 'clerk0815']], $result['forbidden_list']);
        $this->assertSame(['manager4711'], $result['unread_user_id_list']);
        $inbox = $this->inbox('clerk0815');
        $this->assertCount(2, $inbox);
        $this->assertTrue($inbox[1]['dropped']);
        // Other content on the same day arrives.
        $notices->send(['clerk0815'], Message::text('Your expense 43 was approved'));
        $this->assertFalse($this->inbox('clerk0815')[2]['dropped']);
    }

    public function testProgressResultAndRecall(): void
    {
        $notices = $this->notices();
        $taskId = $notices->send(['clerk0815', 'manager4711'], Message::text('Quarterly review at 3pm'));
        $this->assertSame(['progress_in_percent' => 100, 'status' => 2], $notices->progress($taskId));
        $result = $notices->result($taskId);
        // Every list is there, empty or not.
        foreach (['invalid_user_id_list', 'forbidden_user_id_list', 'failed_user_id_list', 'read_user_id_list', 'unread_user_id_list', 'invalid_dept_id_list', 'forbidden_list'] as $list) {
            $this->assertIsArray($result[$list], $list);
        }
        $this->assertEqualsCanonicalizing(['clerk0815', 'manager4711'], $result['unread_user_id_list']);
        $this->emulator->markRead([$this->inbox('manager4711')[0]['id']]);
        $result = $notices->result($taskId);
        $this->assertSame(['manager4711'], $result['read_user_id_list']);
        $this->assertSame(['clerk0815'], $result['unread_user_id_list']);

        $this->assertTrue($notices->recall($taskId));
        $this->assertTrue($this->inbox('clerk0815')[0]['recalled']);
        $e = $this->throws(ApiException::class, fn () => $notices->progress($taskId + 1000));
        $this->assertStringContainsString('/topapi/message/corpconversation/getsendprogress', $e->getMessage());
    }

    public function testUsersDingTalkDoesNotKnowAreInTheResult(): void
    {
        $emulator = $this->startEmulator(['--user', 'anna:union-anna', '--strict-users']);
        $notices = $this->client(['agent_id' => self::AGENT], $emulator)->workNotices();
        $taskId = $notices->send(['anna', 'nobody'], Message::text('hi'));
        $this->assertSame(['nobody'], $notices->result($taskId)['invalid_user_id_list']);
        $this->assertCount(1, $emulator->messages(['channel' => 'work_notice']));
    }

    public function testEveryoneAndDepartments(): void
    {
        $emulator = $this->startEmulator(['--user', 'anna:union-anna', '--user', 'ben:union-ben']);
        $notices = $this->client(['agent_id' => self::AGENT], $emulator)->workNotices();
        $notices->send([], Message::text('The office is closed on Friday'), ['to_all_user' => true]);
        $this->assertCount(1, $emulator->messages(['user' => 'anna']));
        $this->assertCount(1, $emulator->messages(['user' => 'ben']));
        $this->assertGreaterThan(0, $notices->send([], Message::text('dept'), ['dept_ids' => [1, 22]]));
    }

    /** The agent_id: the option, the ini entry, the constructor, or one send's. */
    public function testTheAgentIdComesFromWhereItIsGiven(): void
    {
        $emulator = $this->startEmulator(['--agent', 'app-0001:' . self::AGENT]);
        [$key, $secret] = $emulator->freshApp();
        $this->assertSame('app-0001', $key);
        $client = $this->client(['agent_id' => 1], $emulator, [$key, $secret]);
        $e = $this->throws(ApiException::class, fn () => $client->workNotices()->send(['u1'], Message::text('x')));
        $this->assertSame(40056, $e->getCode());
        $this->assertGreaterThan(0, $client->workNotices()->send(['u1'], Message::text('x'), ['agent_id' => self::AGENT]));
        $this->assertGreaterThan(0, $client->workNotices(self::AGENT)->send(['u1'], Message::text('y')));
        $this->assertGreaterThan(0, (new WorkNotice($client, self::AGENT))->send(['u1'], Message::text('z')));

        [$code, $out, $err] = Child::run(<<<'PHP'
            <?php
            $client = new DingTalk\Client($argv[1], $argv[2], ['endpoint' => $argv[3]]);
            echo $client->workNotices()->agentId(), ' ', $client->workNotices()->send(['u1'], DingTalk\Message::text('ini')) > 0 ? 'sent' : 'not sent';
            PHP, [$key, $secret, $emulator->url()], ['dingtalk.agent_id' => (string) self::AGENT]);
        $this->assertSame(0, $code, $err);
        $this->assertSame(self::AGENT . ' sent', $out);
    }

    /** A send is a create: once it may have reached DingTalk it is never sent again. */
    public function testASendThatMayHaveLandedIsNotResent(): void
    {
        $notices = $this->notices(['retries' => 3]);
        $this->emulator->faults([['path' => self::SEND, 'drop' => true, 'processed' => true]]);
        $this->throws(TransportException::class, fn () => $notices->send(['clerk0815'], Message::text('once')));
        $this->assertSame(1, $this->emulator->requests(self::SEND));
        $this->assertCount(1, $this->inbox('clerk0815'), 'DingTalk did deliver it');

        $this->emulator->faults([['path' => self::SEND, 'errcode' => -1]]);
        $this->throws(ApiException::class, fn () => $notices->send(['clerk0815'], Message::text('busy')));
        $this->assertSame(2, $this->emulator->requests(self::SEND));

        // Refused before DingTalk did anything (throttled): resent.
        $this->emulator->faults([['path' => self::SEND, 'errcode' => 90018]]);
        $notices = $this->notices(['retries' => 3, 'timeout' => 5]);
        $this->assertGreaterThan(0, $notices->send(['clerk0815'], Message::text('throttled first')));
    }
}
