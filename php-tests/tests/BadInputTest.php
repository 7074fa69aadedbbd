<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Client;
use DingTalk\Tests\Support\TestCase;
use DingTalk\WorkRecord;
use TypeError;
use ValueError;

/**
 * Bad input is a `\ValueError` (or `\TypeError` for a wrong type) that names the argument, and
 * it is thrown before any request: the emulator must see nothing, not even a token fetch.
 */
final class BadInputTest extends TestCase
{
    private const URL = 'https://example.com/r/1';

    private Client $client;
    private WorkRecord $records;

    protected function setUp(): void
    {
        parent::setUp();
        $this->client = $this->client();
        $this->records = $this->client->workRecords();
    }

    protected function tearDown(): void
    {
        // Whatever the test threw, nothing reached the emulator.
        $this->assertNoRequestReached();
        $this->assertClientStats(0, 0, 0, $this->client);
        parent::tearDown();
    }

    /** Asserts `$fn` throws exactly `$class` whose message names `$argument`. */
    private function assertRefused(string $argument, callable $fn, string $class = ValueError::class): void
    {
        $e = $this->throws($class, $fn);
        $this->assertStringContainsString($argument, $e->getMessage(), 'the message names the argument');
    }

    /** @return iterable<string, array{0: string, 1: string, 2: string}> */
    public static function badClients(): iterable
    {
        yield 'empty appKey' => ['$appKey', '', 'secret'];
        yield 'empty appSecret' => ['$appSecret', 'key', ''];
        yield 'appKey not UTF-8' => ['$appKey', "k\xff", 'secret'];
        yield 'appSecret not UTF-8' => ['$appSecret', 'key', "s\xc3"];
    }

    /** @dataProvider badClients */
    #[\PHPUnit\Framework\Attributes\DataProvider('badClients')]
    public function testBadCredentials(string $argument, string $key, string $secret): void
    {
        $this->assertRefused($argument, fn () => new Client($key, $secret, ['base_url' => $this->emulator->url()]));
    }

    public function testBadBaseUrlScheme(): void
    {
        $this->assertRefused('options[base_url]', fn () => new Client('k', 's', ['base_url' => 'ftp://127.0.0.1']));
    }

    // ---- create() ------------------------------------------------------------------------------

    public function testEmptyUserId(): void
    {
        $this->assertRefused('$userId', fn () => $this->records->create('', 'title', self::URL));
    }

    public function testEmptyTitle(): void
    {
        $this->assertRefused('$title', fn () => $this->records->create('u1', '', self::URL));
    }

    public function testEmptyUrl(): void
    {
        $this->assertRefused('$url', fn () => $this->records->create('u1', 'title', ''));
    }

    public function testTitleOfFiftyOneCharacters(): void
    {
        $this->assertRefused('$title', fn () => $this->records->create('u1', str_repeat('a', 51), self::URL));
    }

    public function testTitleCountsCharactersNotBytes(): void
    {
        // 51 characters, 153 bytes: refused; 50 characters are accepted (see WorkRecordTest).
        $e = $this->throws(ValueError::class, fn () => $this->records->create('u1', str_repeat('待', 51), self::URL));
        $this->assertStringContainsString('$title', $e->getMessage());
        $this->assertStringContainsString('51', $e->getMessage());
    }

    public function testTwentyOneForms(): void
    {
        $forms = [];
        for ($i = 0; $i < 21; $i++) {
            $forms[] = ['title' => "t{$i}", 'content' => "c{$i}"];
        }
        $this->assertRefused('$forms', fn () => $this->records->create('u1', 'title', self::URL, $forms));
    }

    public function testTwentyOneFormsAsAMap(): void
    {
        $forms = [];
        for ($i = 0; $i < 21; $i++) {
            $forms["t{$i}"] = "c{$i}";
        }
        $this->assertRefused('$forms', fn () => $this->records->create('u1', 'title', self::URL, $forms));
    }

    /** @return iterable<string, array{0: array}> */
    public static function badForms(): iterable
    {
        yield 'item without title' => [[['content' => 'c']]];
        yield 'item without content' => [[['title' => 't']]];
        yield 'second item without content' => [[['title' => 't', 'content' => 'c'], ['title' => 'u']]];
        yield 'empty item' => [[[]]];
        yield 'item title empty' => [[['title' => '', 'content' => 'c']]];
        yield 'item content int' => [[['title' => 't', 'content' => 5]]];
        yield 'item content float' => [[['title' => 't', 'content' => 1.5]]];
        yield 'item content bool' => [[['title' => 't', 'content' => true]]];
        yield 'item content null' => [[['title' => 't', 'content' => null]]];
        yield 'item content array' => [[['title' => 't', 'content' => ['x']]]];
        yield 'item title int' => [[['title' => 7, 'content' => 'c']]];
        yield 'map value int' => [['Amount' => 12]];
        yield 'map value null' => [['Amount' => null]];
        yield 'map value object' => [['Amount' => new \stdClass()]];
        yield 'list of strings' => [['just', 'strings']];
        yield 'item not an array' => [[['title' => 't', 'content' => 'c'], 'loose']];
        yield 'map with empty title' => [['' => 'c']];
    }

    /** @dataProvider badForms */
    #[\PHPUnit\Framework\Attributes\DataProvider('badForms')]
    public function testBadForm(array $forms): void
    {
        $this->assertRefused('$forms', fn () => $this->records->create('u1', 'title', self::URL, $forms));
    }

    /** @return iterable<string, array{0: string, 1: array{0: string, 1: string, 2: string, 3: array, 4: array}}> */
    public static function invalidUtf8(): iterable
    {
        $bad = "caf\xe9"; // Latin-1, not UTF-8
        yield 'userId' => ['$userId', [$bad, 'title', self::URL, [], []]];
        yield 'title' => ['$title', ['u1', $bad, self::URL, [], []]];
        yield 'url' => ['$url', ['u1', 'title', "https://example.com/{$bad}", [], []]];
        yield 'form content (list)' => ['$forms', ['u1', 'title', self::URL, [['title' => 't', 'content' => $bad]], []]];
        yield 'form title (list)' => ['$forms', ['u1', 'title', self::URL, [['title' => $bad, 'content' => 'c']], []]];
        yield 'form content (map)' => ['$forms', ['u1', 'title', self::URL, ['t' => $bad], []]];
        yield 'option pc_url' => ['options[pc_url]', ['u1', 'title', self::URL, [], ['pc_url' => $bad]]];
        yield 'option source_name' => ['options[source_name]', ['u1', 'title', self::URL, [], ['source_name' => $bad]]];
        yield 'option originator_user_id' => ['options[originator_user_id]', ['u1', 'title', self::URL, [], ['originator_user_id' => $bad]]];
        yield 'option biz_id' => ['options[biz_id]', ['u1', 'title', self::URL, [], ['biz_id' => $bad]]];
    }

    /** @dataProvider invalidUtf8 */
    #[\PHPUnit\Framework\Attributes\DataProvider('invalidUtf8')]
    public function testInvalidUtf8InCreate(string $argument, array $args): void
    {
        $this->assertRefused($argument, fn () => $this->records->create(...$args));
    }

    public function testInvalidUtf8InAMapTitle(): void
    {
        $this->assertRefused('$forms', fn () => $this->records->create('u1', 'title', self::URL, ["caf\xe9" => 'c']));
    }

    public function testInvalidUtf8KeyInCreateOptions(): void
    {
        $this->assertRefused('$options', fn () => $this->records->create('u1', 'title', self::URL, [], ["biz\xff" => 'x']));
    }

    public function testInvalidUtf8KeyInClientOptions(): void
    {
        $this->assertRefused('$options', fn () => new Client('k', 's', ["base\xff" => 'x']));
    }

    public function testInvalidUtf8KeyInPostBody(): void
    {
        $this->assertRefused('$body', fn () => $this->client->post('/topapi/x', ['ok' => ["k\xff" => 1]]));
    }

    public function testInvalidUtf8KeyInGetQuery(): void
    {
        $this->assertRefused('$query', fn () => $this->client->get('/topapi/x', ["k\xff" => 'v']));
    }

    public function testCreateTimeInSeconds(): void
    {
        $this->assertRefused('options[create_time]', fn () => $this->records->create('u1', 'title', self::URL, [], ['create_time' => time()]));
    }

    /** @return iterable<string, array{0: int}> */
    public static function badCreateTimes(): iterable
    {
        yield 'zero' => [0];
        yield 'negative' => [-1];
        yield 'seconds' => [1_700_000_000];
    }

    /** @dataProvider badCreateTimes */
    #[\PHPUnit\Framework\Attributes\DataProvider('badCreateTimes')]
    public function testBadCreateTime(int $time): void
    {
        $this->assertRefused('options[create_time]', fn () => $this->records->create('u1', 'title', self::URL, [], ['create_time' => $time]));
    }

    /** @return iterable<string, array{0: int}> */
    public static function badOpenTypes(): iterable
    {
        foreach ([0, 1, 3, 5, -2] as $type) {
            yield (string) $type => [$type];
        }
    }

    /** @dataProvider badOpenTypes */
    #[\PHPUnit\Framework\Attributes\DataProvider('badOpenTypes')]
    public function testPcOpenTypeOtherThanTwoOrFour(int $type): void
    {
        $this->assertRefused('options[pc_open_type]', fn () => $this->records->create('u1', 'title', self::URL, [], ['pc_open_type' => $type]));
    }

    public function testUnknownCreateOption(): void
    {
        $this->assertRefused('pcUrl', fn () => $this->records->create('u1', 'title', self::URL, [], ['pcUrl' => 'https://example.com']));
    }

    /** @return iterable<string, array{0: string, 1: mixed}> */
    public static function wrongOptionTypes(): iterable
    {
        yield 'pc_open_type string' => ['pc_open_type', '2'];
        yield 'create_time float' => ['create_time', 1.7e12];
        yield 'create_time string' => ['create_time', '1700000000000'];
        yield 'pc_url int' => ['pc_url', 5];
        yield 'biz_id int' => ['biz_id', 42];
        yield 'source_name array' => ['source_name', ['x']];
    }

    /** @dataProvider wrongOptionTypes */
    #[\PHPUnit\Framework\Attributes\DataProvider('wrongOptionTypes')]
    public function testWrongCreateOptionType(string $key, mixed $value): void
    {
        $this->assertRefused("options[{$key}]", fn () => $this->records->create('u1', 'title', self::URL, [], [$key => $value]), TypeError::class);
    }

    /** @return iterable<string, array{0: string}> */
    public static function emptyStringOptions(): iterable
    {
        foreach (['pc_url', 'source_name', 'originator_user_id', 'biz_id'] as $key) {
            yield $key => [$key];
        }
    }

    /** @dataProvider emptyStringOptions */
    #[\PHPUnit\Framework\Attributes\DataProvider('emptyStringOptions')]
    public function testEmptyStringOption(string $key): void
    {
        $this->assertRefused("options[{$key}]", fn () => $this->records->create('u1', 'title', self::URL, [], [$key => '']));
    }

    // ---- complete(), find() --------------------------------------------------------------------

    public function testCompleteWithEmptyUserId(): void
    {
        $this->assertRefused('$userId', fn () => $this->records->complete('', 'r1'));
    }

    public function testCompleteWithEmptyRecordId(): void
    {
        $this->assertRefused('$recordId', fn () => $this->records->complete('u1', ''));
    }

    public function testCompleteWithInvalidUtf8(): void
    {
        $this->assertRefused('$recordId', fn () => $this->records->complete('u1', "r\xff"));
    }

    public function testFindWithEmptyUserId(): void
    {
        $this->assertRefused('$userId', fn () => $this->records->find('', 'r1'));
    }

    public function testFindWithEmptyRecordId(): void
    {
        $this->assertRefused('$recordId', fn () => $this->records->find('u1', ''));
    }

    // ---- list(), all() -------------------------------------------------------------------------

    public function testListWithEmptyUserId(): void
    {
        $this->assertRefused('$userId', fn () => $this->records->list(''));
    }

    /** @return iterable<string, array{0: int}> */
    public static function badStatuses(): iterable
    {
        yield '2' => [2];
        yield '-1' => [-1];
        yield 'PHP_INT_MAX' => [PHP_INT_MAX];
    }

    /** @dataProvider badStatuses */
    #[\PHPUnit\Framework\Attributes\DataProvider('badStatuses')]
    public function testListWithBadStatus(int $status): void
    {
        $this->assertRefused('$status', fn () => $this->records->list('u1', $status));
    }

    /** @dataProvider badStatuses */
    #[\PHPUnit\Framework\Attributes\DataProvider('badStatuses')]
    public function testAllWithBadStatus(int $status): void
    {
        $this->assertRefused('$status', fn () => $this->records->all('u1', $status));
    }

    /** @return iterable<string, array{0: int}> */
    public static function badLimits(): iterable
    {
        yield '0' => [0];
        yield '51' => [51];
        yield '-1' => [-1];
        yield 'PHP_INT_MIN' => [PHP_INT_MIN];
        yield 'PHP_INT_MAX' => [PHP_INT_MAX];
    }

    /** @dataProvider badLimits */
    #[\PHPUnit\Framework\Attributes\DataProvider('badLimits')]
    public function testListWithLimitOutsideOneToFifty(int $limit): void
    {
        $this->assertRefused('$limit', fn () => $this->records->list('u1', WorkRecord::PENDING, 0, $limit));
    }

    /** @return iterable<string, array{0: int}> */
    public static function badOffsets(): iterable
    {
        yield '-1' => [-1];
        yield 'PHP_INT_MIN' => [PHP_INT_MIN];
    }

    /** @dataProvider badOffsets */
    #[\PHPUnit\Framework\Attributes\DataProvider('badOffsets')]
    public function testListWithNegativeOffset(int $offset): void
    {
        $this->assertRefused('$offset', fn () => $this->records->list('u1', WorkRecord::DONE, $offset));
    }

    public function testAllWithEmptyUserId(): void
    {
        $this->assertRefused('$userId', fn () => $this->records->all(''));
    }

    public function testListWithNonIntegerStatusIsATypeError(): void
    {
        $this->throws(TypeError::class, fn () => $this->records->list('u1', 'done'));
    }

    // ---- get(), post() -------------------------------------------------------------------------

    /** @return iterable<string, array{0: string}> */
    public static function badPaths(): iterable
    {
        yield 'empty' => [''];
        yield 'relative' => ['topapi/workrecord/add'];
        yield 'absolute URL' => ['https://evil.example.com/topapi'];
        yield 'protocol relative' => ['//evil.example.com/topapi'];
        yield 'with query' => ['/topapi/x?access_token=t'];
        yield 'with fragment' => ['/topapi/x#y'];
        yield 'with space' => ['/topapi/x y'];
        yield 'with newline' => ["/topapi/x\r\nHost: evil"];
        yield 'not UTF-8' => ["/topapi/\xff"];
    }

    /** @dataProvider badPaths */
    #[\PHPUnit\Framework\Attributes\DataProvider('badPaths')]
    public function testGetWithBadPath(string $path): void
    {
        $this->assertRefused('$path', fn () => $this->client->get($path));
    }

    /** @dataProvider badPaths */
    #[\PHPUnit\Framework\Attributes\DataProvider('badPaths')]
    public function testPostWithBadPath(string $path): void
    {
        $this->assertRefused('$path', fn () => $this->client->post($path, ['a' => 1]));
    }

    /** @return iterable<string, array{0: string, 1: array}> */
    public static function badBodies(): iterable
    {
        yield 'NAN' => ['body[n]', ['n' => NAN]];
        yield 'INF nested' => ['body[a][0]', ['a' => [INF]]];
        yield 'object' => ['body[o]', ['o' => new \stdClass()]];
        yield 'invalid UTF-8' => ['body[s]', ['s' => "\xff"]];
        yield 'closure' => ['body[f]', ['f' => static fn () => 1]];
    }

    /** @dataProvider badBodies */
    #[\PHPUnit\Framework\Attributes\DataProvider('badBodies')]
    public function testPostWithUnencodableBody(string $argument, array $body): void
    {
        $this->assertRefused($argument, fn () => $this->client->post('/topapi/workrecord/add', $body));
    }

    /** @return iterable<string, array{0: array}> */
    public static function badQueries(): iterable
    {
        yield 'array value' => [['a' => ['x']]];
        yield 'object value' => [['a' => new \stdClass()]];
        yield 'null value' => [['a' => null]];
    }

    /** @dataProvider badQueries */
    #[\PHPUnit\Framework\Attributes\DataProvider('badQueries')]
    public function testGetWithBadQueryValue(array $query): void
    {
        $this->assertRefused('query[a]', fn () => $this->client->get('/topapi/x', $query), TypeError::class);
    }

    public function testGetWithInvalidUtf8QueryValue(): void
    {
        $this->assertRefused('query[a]', fn () => $this->client->get('/topapi/x', ['a' => "\xff"]));
    }
}
