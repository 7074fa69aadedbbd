<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\AuthenticationException;
use DingTalk\Client;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/**
 * The process-wide token cache: one token per (base_url, appKey, secret), shared by every
 * client, renewed `token_margin` before expiry, dropped and fetched again when refused.
 */
final class TokenCacheTest extends TestCase
{
    public function testOneTokenFetchServesEveryClientOfTheApp(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url()];
        for ($i = 0; $i < 5; $i++) {
            (new Client($key, $secret, $options))->workRecords()->create('u1', "record {$i}", 'https://example.com');
        }
        $this->assertSame(1, $this->emulator->tokenFetches());
        $this->assertSame(5, $this->emulator->requests('/topapi/workrecord/add'));
        $this->assertCount(5, $this->emulator->records('u1'));
        $this->assertClientStats(5, 1, 0, new Client($key, $secret, $options));
    }

    public function testAppsHaveTheirOwnTokens(): void
    {
        $a = $this->client();
        $b = $this->client();
        $this->assertNotSame($a->getAccessToken(), $b->getAccessToken());
        $this->assertSame(2, $this->emulator->tokenFetches());
    }

    public function testExpiredTokenIsRefreshedOnceAndTheCallSucceeds(): void
    {
        $client = $this->client();
        $records = $client->workRecords();
        $records->create('u1', 'before', 'https://example.com');
        $old = $client->getAccessToken();

        $this->emulator->expireTokens();
        $id = $records->create('u1', 'after', 'https://example.com');

        $this->assertSame($id, $this->emulator->records('u1')[1]['record_id']);
        $this->assertNotSame($old, $client->getAccessToken());
        // The add refused with 42001, the new token, the add again.
        $this->assertSame(3, $this->emulator->requests('/topapi/workrecord/add'));
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertClientStats(3, 2, 1, $client);
        $this->assertCount(2, $this->emulator->records('u1'), 'the refused add stored nothing');
    }

    public function testUnknownTokenIsRefreshedToo(): void
    {
        $client = $this->client();
        $client->workRecords()->list('u1');
        // The emulator forgets every token: the cached one is now unknown (40014).
        $this->emulator->reset();
        $this->assertSame(['has_more' => false, 'records' => []], $client->workRecords()->list('u1'));
        $this->assertSame(1, $this->emulator->tokenFetches());
        $this->assertSame(2, $this->emulator->requests('/topapi/workrecord/getbyuserid'));
        $this->assertClientStats(3, 2, 1, $client);
    }

    public function testARefreshedTokenServesTheOtherClientsOfTheApp(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url()];
        $a = new Client($key, $secret, $options);
        $b = new Client($key, $secret, $options);
        $a->getAccessToken();
        $this->emulator->expireTokens();
        $a->workRecords()->list('u1');
        $b->workRecords()->list('u1');
        $this->assertSame($a->getAccessToken(), $b->getAccessToken());
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertSame(3, $this->emulator->requests('/topapi/workrecord/getbyuserid'));
        $this->assertClientStats(3, 2, 1, $b);
    }

    public function testCacheIsPerBaseUrl(): void
    {
        // The same app (key and secret) on two servers, new to this process.
        $app = ['iso-' . bin2hex(random_bytes(4)), 'secret-' . bin2hex(random_bytes(4))];
        $one = $this->startEmulator(['--app', implode(':', $app)]);
        $two = $this->startEmulator(['--app', implode(':', $app)]);
        $here = $this->client([], $one, $app);
        $there = $this->client([], $two, $app);
        $here->workRecords()->list('u1');
        $there->workRecords()->list('u1');
        $here->workRecords()->list('u1');
        // Each emulator issued its own token and accepted it at once: no token was sent to the
        // wrong server.
        $this->assertSame(1, $one->tokenFetches());
        $this->assertSame(1, $two->tokenFetches());
        $this->assertSame(2, $one->requests('/topapi/workrecord/getbyuserid'));
        $this->assertSame(1, $two->requests('/topapi/workrecord/getbyuserid'));
        $this->assertSame(0, $here->stats()['retries'] + $there->stats()['retries']);
        $this->assertNotSame($here->getAccessToken(), $there->getAccessToken());
    }

    public function testCacheIsPerSecret(): void
    {
        [$key, $secret] = $this->freshApp();
        $options = ['base_url' => $this->emulator->url()];
        $wrong = new Client($key, 'not-the-secret', $options);
        $e = $this->throws(AuthenticationException::class, fn () => $wrong->getAccessToken());
        $this->assertSame(40096, $e->getCode());
        // The right secret is not affected by the wrong one, and the reverse.
        $good = new Client($key, $secret, $options);
        $this->assertNotSame('', $good->getAccessToken());
        $this->throws(AuthenticationException::class, fn () => $wrong->getAccessToken());
        $this->assertSame(3, $this->emulator->tokenFetches());
    }

    public function testFailedTokenFetchIsNotCached(): void
    {
        $client = $this->client(['retries' => 0]);
        $this->emulator->faults([['path' => '/gettoken', 'status' => 503, 'body' => '<html>busy</html>']]);
        $this->throws(TransportException::class, fn () => $client->getAccessToken());
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $client->getAccessToken());
        $this->assertSame(2, $this->emulator->tokenFetches());
        $this->assertClientStats(0, 2, 0, $client);
    }

    public function testSecretNeedingUrlEncodingWorks(): void
    {
        $client = $this->client([], null, [Emulator::WEIRD_KEY, Emulator::WEIRD_SECRET]);
        // This app is shared with other tests: start from a token this emulator run issued.
        $token = $client->getAccessToken(true);
        $client->workRecords()->create('u1', 't', 'https://example.com');
        $this->assertSame($token, $client->getAccessToken());
        $this->assertSame(1, $this->emulator->tokenFetches());
    }

    public function testSecretWithSpacesAndSymbolsOnADedicatedEmulator(): void
    {
        $secret = " lead&trail=+%20#?/\\ 密钥 ";
        $key = 'key with space+plus';
        $emulator = $this->startEmulator(['--app', "{$key}:{$secret}"]);
        $client = new Client($key, $secret, ['base_url' => $emulator->url()]);
        $this->assertNotSame('', $client->getAccessToken());
        // A secret that differs only in how it would be encoded is a different secret.
        $near = new Client($key, str_replace(' ', '+', $secret), ['base_url' => $emulator->url()]);
        $this->throws(AuthenticationException::class, fn () => $near->getAccessToken());
    }

    public function testTokenIsRenewedWithinTheMarginAndNeverSentExpired(): void
    {
        // Tokens live 2 s. A margin of 600 s is capped at half the lifetime (renew after 1 s),
        // a margin of 0 renews at expiry.
        $emulator = $this->startEmulator(['--token-ttl', '2']);
        $capped = $this->client(['retries' => 0], $emulator);
        $zero = $this->client(['retries' => 0, 'token_margin' => 0], $emulator);

        $capped->workRecords()->list('u1');
        $capped->workRecords()->list('u1');
        $cappedFetched = microtime(true); // its token was fetched before this
        $zero->workRecords()->list('u1');
        $zeroFetched = microtime(true);
        $this->assertSame(1, $capped->stats()['token_fetches'], 'a margin past half the lifetime must not renew at once');
        $this->assertSame(1, $zero->stats()['token_fetches']);

        self::sleepUntil($cappedFetched + 1.2);
        $capped->workRecords()->list('u1');
        $zero->workRecords()->list('u1');
        $this->assertSame(2, $capped->stats()['token_fetches'], 'renewed after half the lifetime');
        $this->assertSame(1, $zero->stats()['token_fetches'], 'margin 0: still the first token');

        self::sleepUntil($zeroFetched + 2.2);
        $zero->workRecords()->list('u1');
        $this->assertSame(2, $zero->stats()['token_fetches'], 'margin 0: renewed at expiry');
        // retries => 0: any 42001 would have thrown; none was needed.
        $this->assertSame(0, $capped->stats()['retries'] + $zero->stats()['retries']);
        $this->assertSame(4, $emulator->tokenFetches());
    }

    public function testMarginIsConfigurable(): void
    {
        $emulator = $this->startEmulator(['--token-ttl', '4']);
        $client = $this->client(['token_margin' => 3.5], $emulator);
        $client->getAccessToken();
        // 3.5 s is past half of 4 s: renewal after 2 s, not after 0.5 s.
        usleep(700_000);
        $client->getAccessToken();
        $this->assertSame(1, $emulator->tokenFetches());
    }

    private static function sleepUntil(float $when): void
    {
        $left = $when - microtime(true);
        if ($left > 0) {
            usleep((int) ($left * 1e6));
        }
    }
}
