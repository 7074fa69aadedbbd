<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\TestCase;

/**
 * `endpoint`: one server for both API families (the emulator, a company gateway), as an option
 * and as the `dingtalk.endpoint` ini entry; per host the most specific setting wins.
 */
final class EndpointTest extends TestCase
{
    private const LIST = '/topapi/workrecord/getbyuserid';
    private const V1_TASK = '/v1.0/todo/users/endpoint-union/tasks/missing';

    /**
     * Makes a client with the options of `$argv[3]` (JSON), then one oapi call and one v1.0 call;
     * prints which of them reached a DingTalk (the emulator answers the v1.0 call "not found"), and
     * the class of the exception of those that did not.
     */
    private const CALL = <<<'PHP'
        <?php
        [, $key, $secret, $options, $v1Path] = $argv;
        $result = [];
        try {
            $client = new DingTalk\Client($key, $secret, json_decode($options, true));
            foreach (['oapi' => fn () => $client->workRecords()->list('endpoint-user'),
                      'v1' => fn () => $client->request('GET', $v1Path)] as $family => $call) {
                try {
                    $call();
                    $result[$family] = 'ok';
                } catch (DingTalk\ApiException $e) {
                    $result[$family] = 'ok'; // an answer of DingTalk's: the call reached it
                } catch (DingTalk\Exception $e) {
                    $result[$family] = get_class($e);
                }
            }
        } catch (Throwable $e) {
            $result['error'] = get_class($e) . ': ' . $e->getMessage();
        }
        echo json_encode($result);
        PHP;

    /**
     * @param array<string, string> $ini
     * @param array<string, mixed> $options
     * @return array<string, string>
     */
    private function call(array $ini, array $options = []): array
    {
        $args = [Emulator::DEMO_KEY, Emulator::DEMO_SECRET, json_encode((object) $options), self::V1_TASK];
        [$code, $out, $err] = Child::run(self::CALL, $args, $ini + ['dingtalk.retries' => '0', 'dingtalk.timeout' => '5']);
        $this->assertSame(0, $code, $err);
        $result = json_decode($out, true);
        $this->assertIsArray($result, $out . $err);
        return $result;
    }

    private function closedUrl(): string
    {
        return 'http://127.0.0.1:' . self::closedPort();
    }

    public function testTheOptionPointsBothFamiliesAtOneServer(): void
    {
        [$key, $secret] = $this->freshApp();
        $client = new Client($key, $secret, ['endpoint' => $this->emulator->url() . '/', 'retries' => 0]);
        $this->assertSame([], $client->workRecords()->list('endpoint-user')['records']);
        $this->assertNull($client->todos()->get('endpoint-union', 'missing'));
        $this->assertSame(1, $this->emulator->requests(self::LIST));
        $this->assertSame(1, $this->emulator->requests(self::V1_TASK));
        $this->assertClientStats(2, 1, 0, $client);
    }

    public function testAFailedCallSaysWhenOnlyOneHostWasChanged(): void
    {
        [$key, $secret] = $this->freshApp();
        $url = $this->emulator->url();
        $oneHost = new Client($key, $secret, ['base_url' => $url, 'retries' => 0]);
        $this->emulator->faults([['path' => self::LIST, 'drop' => true]]);
        $e = $this->throws(\DingTalk\TransportException::class, fn () => $oneHost->workRecords()->list('endpoint-user'));
        $this->assertStringContainsString(
            "only one host was changed: options[base_url] is {$url}, while options[api_base_url] is still DingTalk's https://api.dingtalk.com; to send both API families to one server (the emulator, a gateway), set options[endpoint] instead",
            $e->getMessage()
        );
        foreach ([['endpoint' => $url], ['base_url' => $url, 'api_base_url' => $url]] as $both) {
            $client = new Client($key, $secret, $both + ['retries' => 0]);
            $this->emulator->faults([['path' => self::LIST, 'drop' => true]]);
            $e = $this->throws(\DingTalk\TransportException::class, fn () => $client->workRecords()->list('endpoint-user'));
            $this->assertStringNotContainsString('only one host', $e->getMessage(), json_encode($both));
        }
    }

    public function testTheOptionWithAHostOptionIsAValueError(): void
    {
        foreach (['base_url', 'api_base_url'] as $host) {
            $e = $this->throws(\ValueError::class, fn () => new Client('k', 's', [
                'endpoint' => $this->emulator->url(),
                $host => $this->emulator->url(),
            ]));
            $this->assertSame(
                "DingTalk\\Client::__construct(): Argument #3 (\$options[endpoint]) cannot be combined with options[{$host}]: it sets both hosts",
                $e->getMessage()
            );
        }
        // null means "not given": no clash.
        $client = new Client('k', 's', ['endpoint' => $this->emulator->url(), 'base_url' => null]);
        $this->assertInstanceOf(Client::class, $client);
        $this->assertNoRequestReached();
    }

    public function testABadValueIsAValueErrorNamingTheOption(): void
    {
        $e = $this->throws(\ValueError::class, fn () => new Client('k', 's', ['endpoint' => 'ftp://127.0.0.1']));
        $this->assertStringContainsString('($options[endpoint]) must use http or https', $e->getMessage());
    }

    public function testTheEntryPointsBothFamiliesAtOneServer(): void
    {
        $result = $this->call(['dingtalk.endpoint' => $this->emulator->url()]);
        $this->assertSame(['oapi' => 'ok', 'v1' => 'ok'], $result);
    }

    public function testTheEntryWithAHostEntryIsAValueErrorNamingTheEntry(): void
    {
        $result = $this->call([
            'dingtalk.endpoint' => $this->emulator->url(),
            'dingtalk.api_base_url' => $this->emulator->url(),
        ]);
        $this->assertSame(
            'ValueError: DingTalk\Client::__construct(): ini setting dingtalk.endpoint cannot be combined with dingtalk.api_base_url: it sets both hosts',
            $result['error'] ?? json_encode($result)
        );
    }

    public function testTheMostSpecificSettingWinsPerHost(): void
    {
        $url = $this->emulator->url();
        // The array's host option over the entry's endpoint (the token comes from base_url).
        $this->assertSame(
            ['oapi' => 'ok', 'v1' => 'DingTalk\TransportException'],
            $this->call(['dingtalk.endpoint' => $this->closedUrl()], ['base_url' => $url])
        );
        // The array's endpoint over both host entries, which are not even read.
        $this->assertSame(
            ['oapi' => 'ok', 'v1' => 'ok'],
            $this->call(['dingtalk.base_url' => 'not a url', 'dingtalk.api_base_url' => $this->closedUrl()], ['endpoint' => $url])
        );
        // The entry's endpoint for the host the array does not name.
        $this->assertSame(
            ['oapi' => 'ok', 'v1' => 'DingTalk\TransportException'],
            $this->call(['dingtalk.endpoint' => $url], ['api_base_url' => $this->closedUrl()])
        );
    }
}
