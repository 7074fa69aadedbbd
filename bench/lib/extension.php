<?php
/**
 * Contender 1: the extension. One DingTalk\Client per script (or web request); the token and
 * the connections live in the extension, so they outlast the request in a php-fpm worker.
 */

declare(strict_types=1);

namespace Bench;

final class ExtensionContender implements BulkContender
{
    private \DingTalk\Client $client;
    private \DingTalk\WorkRecord $records;

    public function __construct(Config $config)
    {
        $options = ['base_url' => $config->baseUrl];
        if ($config->caFile !== null) {
            $options['ca_file'] = $config->caFile;
        }
        if ($config->rateLimit !== null) {
            $options['rate_limit'] = $config->rateLimit;
        }
        $this->client = new \DingTalk\Client($config->key, $config->secret, $options);
        $this->records = $this->client->workRecords();
    }

    public function create(string $user): string
    {
        return $this->records->create($user, TITLE, URL, FORMS);
    }

    public function listPending(string $user, int $limit): array
    {
        return $this->records->list($user, \DingTalk\WorkRecord::PENDING, 0, $limit)['records'];
    }

    public function tokenFetches(): int
    {
        return $this->client->stats()['token_fetches'];
    }

    /** WorkRecord::createMany: the extension's own bulk send. */
    public function createAll(array $users, int $concurrency): array
    {
        $records = [];
        foreach ($users as $user) {
            $records[] = ['user_id' => $user, 'title' => TITLE, 'url' => URL, 'forms' => FORMS];
        }
        $timeout = (float) setting('DT_MAX_SECONDS', '600');
        $results = [];
        foreach ($this->records->createMany($records, ['concurrency' => $concurrency, 'timeout' => $timeout]) as $r) {
            $results[] = $r['ok']
                ? ['ok' => true, 'id' => $r['id']]
                : ['ok' => false, 'error' => get_class($r['error']) . ': ' . $r['error']->getMessage()];
        }
        return $results;
    }

    public function bulkStats(): array
    {
        return $this->client->stats();
    }
}
