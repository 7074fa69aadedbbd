<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;
use DingTalk\TransportException;

/** HTTPS against an emulator with a self-signed certificate: trusted through ca_file only. */
final class TlsTest extends TestCase
{
    private static ?Emulator $tls = null;

    protected function setUp(): void
    {
        parent::setUp();
        // One HTTPS emulator for the class: made once (key generation), reset per test.
        if (self::$tls === null || !self::$tls->isRunning()) {
            self::$tls = Emulator::start(['--tls-self-signed']);
        }
        self::$tls->reset();
    }

    public static function tearDownAfterClass(): void
    {
        self::$tls?->stop();
        self::$tls = null;
        parent::tearDownAfterClass();
    }

    public function testEmulatorServesHttps(): void
    {
        $this->assertStringStartsWith('https://127.0.0.1:', self::$tls->url());
        $this->assertFileExists((string) self::$tls->certFile());
        $this->assertStringContainsString('BEGIN CERTIFICATE', (string) file_get_contents((string) self::$tls->certFile()));
    }

    public function testCaFileMakesTheCertificateTrusted(): void
    {
        $client = $this->client(['ca_file' => self::$tls->certFile()], self::$tls);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $client->getAccessToken());
        $id = $client->workRecords()->create('u1', 'over TLS', 'https://example.com');
        $this->assertSame($id, self::$tls->records('u1')[0]['record_id']);
        $this->assertSame($id, $client->workRecords()->find('u1', $id)['record_id']);
    }

    public function testCertificateNamesLocalhostToo(): void
    {
        $url = str_replace('https://127.0.0.1:', 'https://localhost:', self::$tls->url());
        [$key, $secret] = self::$tls->freshApp();
        $client = new Client($key, $secret, ['base_url' => $url, 'ca_file' => self::$tls->certFile()]);
        $this->assertNotSame('', $client->getAccessToken());
    }

    public function testWithoutCaFileTheCertificateIsRefused(): void
    {
        $client = $this->client(['retries' => 0], self::$tls);
        $e = $this->throws(TransportException::class, fn () => $client->getAccessToken());
        $this->assertStringContainsString('/gettoken', $e->getMessage());
        $this->assertSame(0, self::$tls->tokenFetches(), 'no request got through the handshake');
    }

    public function testRefusedCertificateFailsWithinTheBudget(): void
    {
        // A certificate problem will not go away on its own; it may be retried as a connect
        // failure, but every attempt must fail the same way and the budget must hold.
        $client = $this->client(['retries' => 2, 'timeout' => 5.0], self::$tls);
        $start = microtime(true);
        $this->throws(TransportException::class, fn () => $client->workRecords()->list('u1'));
        $this->assertLessThan(5.0, microtime(true) - $start);
        $this->assertSame(0, self::$tls->tokenFetches());
    }

    public function testOtherCertificateIsRefused(): void
    {
        // Trusting another self-signed certificate does not help.
        $other = $this->startEmulator(['--tls-self-signed']);
        $client = $this->client(['ca_file' => $other->certFile(), 'retries' => 0], self::$tls);
        $this->throws(TransportException::class, fn () => $client->getAccessToken());
    }

    public function testPlainHttpClientAgainstHttpsServerFails(): void
    {
        $url = str_replace('https://', 'http://', self::$tls->url());
        [$key, $secret] = self::$tls->freshApp();
        $client = new Client($key, $secret, ['base_url' => $url, 'retries' => 0, 'timeout' => 3.0]);
        $this->throws(TransportException::class, fn () => $client->getAccessToken());
    }

    public function testTokenCacheSeparatesHttpAndHttpsOfTheSameApp(): void
    {
        $app = [Emulator::DEMO_KEY, Emulator::DEMO_SECRET];
        $secure = $this->client(['ca_file' => self::$tls->certFile()], self::$tls, $app);
        $plain = $this->client([], $this->emulator, $app);
        $secure->getAccessToken(true);
        $plain->getAccessToken(true);
        $this->assertSame([], $secure->workRecords()->list('u1')['records']);
        $this->assertSame([], $plain->workRecords()->list('u1')['records']);
        $this->assertSame(1, self::$tls->tokenFetches());
        $this->assertSame(1, $this->emulator->tokenFetches());
    }
}
