<?php

declare(strict_types=1);

namespace App;

use DingTalk\Client;

/** The application code under test: it asks a colleague to review a contract, on DingTalk. */
final class Reminders
{
    public function __construct(private Client $dingtalk)
    {
    }

    /** The app's client: its credentials and, in tests, the emulator from the environment. */
    public static function fromEnvironment(): self
    {
        $options = [];
        $endpoint = getenv('DINGTALK_ENDPOINT');
        if ($endpoint !== false && $endpoint !== '') {
            $options['endpoint'] = $endpoint;
        }
        return new self(new Client((string) getenv('DINGTALK_APP_KEY'), (string) getenv('DINGTALK_APP_SECRET'), $options));
    }

    /** Puts "Review <contract>" on `$userId`'s to-do list; returns the to-do's id. */
    public function askForReview(string $userId, string $contract): string
    {
        $unionId = $this->dingtalk->unionId($userId);
        return $this->dingtalk->todos()->create($unionId, ['subject' => "Review {$contract}"])['id'];
    }
}
