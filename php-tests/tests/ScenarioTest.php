<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\TestCase;
use DingTalk\WorkRecord;

/**
 * The workflow the extension exists for: an expense app assigns approval to-dos, the approver
 * sees them, and the app marks them done. One token fetch serves the whole workflow.
 */
final class ScenarioTest extends TestCase
{
    public function testApprovalWorkflow(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url(), 'timeout' => 5.0, 'retries' => 2];

        // Request 1 of the web app: the expense is submitted, a to-do goes to the approver.
        $client = new Client($key, $secret, $options);
        $token = $client->getAccessToken();
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $token);
        $records = $client->workRecords();
        $approval = $records->create(
            'manager-li',
            '审批：差旅报销 ¥1,280.00',
            'https://expenses.example.com/m/claims/881',
            [
                ['title' => '申请人', 'content' => '王五'],
                ['title' => '金额', 'content' => '¥1,280.00'],
                ['title' => '事由', 'content' => '上海客户拜访'],
            ],
            [
                'pc_url' => 'https://expenses.example.com/claims/881',
                'pc_open_type' => 2,
                'source_name' => '报销系统',
                'originator_user_id' => 'wang-wu',
                'biz_id' => 'claim-881',
            ]
        );
        $reminder = $records->create('manager-li', 'Quarterly budget review', 'https://expenses.example.com/m/budget', [
            'Quarter' => 'Q3',
            'Due' => 'Friday',
        ]);
        $other = $records->create('manager-zhao', 'Sign contract', 'https://expenses.example.com/m/c/7');

        // Request 2: a new client (as in a new PHP request) shows the approver's to-dos.
        $client = new Client($key, $secret, $options);
        $records = new WorkRecord($client);
        $this->assertSame($token, $client->getAccessToken(), 'the cached token outlives the client');
        $pending = $records->list('manager-li');
        $this->assertFalse($pending['has_more']);
        $this->assertSame([$approval, $reminder], array_column($pending['records'], 'record_id'));
        $first = $pending['records'][0];
        $this->assertSame('审批：差旅报销 ¥1,280.00', $first['title']);
        $this->assertSame('https://expenses.example.com/m/claims/881', $first['url']);
        $this->assertSame('金额', $first['forms'][1]['title']);
        $this->assertSame('¥1,280.00', $first['forms'][1]['content']);
        $this->assertSame([], $records->list('manager-li', WorkRecord::DONE)['records']);

        // Request 3: the approver opens the link; the app looks the record up.
        $found = $records->find('manager-li', $approval);
        $this->assertNotNull($found);
        $this->assertSame($first, $found);
        $this->assertNull($records->find('manager-li', $other), "another user's record is not found");

        // Request 4: approved; the to-do is completed by the app's own id (biz_id).
        $this->assertTrue($records->complete('manager-li', 'claim-881'));
        $this->assertSame([$reminder], array_column($records->all('manager-li'), 'record_id'));
        $done = $records->list('manager-li', WorkRecord::DONE);
        $this->assertSame([$approval], array_column($done['records'], 'record_id'));
        $this->assertSame($approval, $records->find('manager-li', $approval)['record_id'], 'found among done records');

        // The reminder is dismissed by record id.
        $this->assertTrue($records->complete('manager-li', $reminder));
        $this->assertSame([], $records->all('manager-li'));
        $this->assertCount(2, $records->all('manager-li', WorkRecord::DONE));
        $this->assertSame([$other], array_column($records->all('manager-zhao'), 'record_id'));

        // What DingTalk stored matches what the app sent.
        $stored = $this->emulator->records('manager-li');
        $this->assertSame([1, 1], array_column($stored, 'status'));
        $this->assertSame('claim-881', $stored[0]['biz_id']);
        $this->assertSame('https://expenses.example.com/claims/881', $stored[0]['pcUrl']);
        $this->assertSame(2, $stored[0]['pc_open_type']);
        $this->assertSame('报销系统', $stored[0]['source_name']);
        $this->assertSame('wang-wu', $stored[0]['originator_user_id']);

        // One token for everything; every call a single request, no retry.
        $this->assertSame(1, $this->emulator->tokenFetches());
        $stats = $client->stats();
        $this->assertSame(1, $stats['token_fetches']);
        $this->assertSame(0, $stats['retries']);
        $emulated = $this->emulator->stats()['requests'];
        unset($emulated['/gettoken']);
        $this->assertSame($stats['requests'], array_sum($emulated), 'the client counted every request the server saw');
    }

    public function testWorkflowSurvivesTokenExpiryAndAHiccup(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = new Client($key, $secret, ['base_url' => $this->emulator->url()]);
        $records = $client->workRecords();
        $id = $records->create('u1', 'Before expiry', 'https://example.com/1', [], ['biz_id' => 'w-1']);

        // Two hours later (simulated): the token has expired; DingTalk is briefly busy.
        $this->emulator->expireTokens();
        $this->emulator->faults([['path' => '/topapi/workrecord/getbyuserid', 'errcode' => -1]]);

        $this->assertSame([$id], array_column($records->all('u1'), 'record_id'));
        $this->assertTrue($records->complete('u1', 'w-1'));
        $this->assertSame([], $records->all('u1'));
        $stats = $client->stats();
        $this->assertSame(2, $stats['token_fetches']);
        $this->assertSame(2, $stats['retries'], 'one token refresh and one busy retry');
    }
}
