<?php

declare(strict_types=1);

use App\Reminders;
use DingTalk\ApiException;
use DingTalk\Testing\Emulator;
use PHPUnit\Framework\TestCase;

final class RemindersTest extends TestCase
{
    private Emulator $emulator;

    protected function setUp(): void
    {
        $this->emulator = $GLOBALS['emulator'];
        $this->emulator->reset();   // no to-dos, tokens, faults or counts from the test before
    }

    public function testTheReviewerGetsAToDo(): void
    {
        $id = Reminders::fromEnvironment()->askForReview('alice', 'contract 42');

        $todos = $this->emulator->todos($this->emulator->unionId('alice'));
        $this->assertCount(1, $todos);
        $this->assertSame($id, $todos[0]['id']);
        $this->assertSame('Review contract 42', $todos[0]['subject']);
    }

    public function testARefusalReachesTheCaller(): void
    {
        $this->emulator->faults([
            ['path' => '/v1.0/todo/', 'status' => 403, 'code' => 'Forbidden.AccessDenied.AccessTokenPermissionDenied'],
        ]);

        $this->expectException(ApiException::class);
        Reminders::fromEnvironment()->askForReview('alice', 'contract 43');
    }
}
