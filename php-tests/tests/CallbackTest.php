<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Callback;
use DingTalk\CallbackException;
use DingTalk\Tests\Support\TestCase;

/**
 * `DingTalk\Callback` against the pushes DingTalk publishes, against an independent
 * implementation of the algorithm written here from DingTalk's description (openssl with no
 * padding of its own, 32-byte PKCS#7 undone by hand, a SHA-1 over the four strings sorted with
 * strcmp), and against every malformed push.
 */
final class CallbackTest extends TestCase
{
    /**
     * Published pushes: settings, query, ciphertext and the plaintext inside.
     *
     * @return array<string, array{token: string, aesKey: string, receiveId: string, signature: string, timestamp: string, nonce: string, encrypt: string, plaintext: string}>
     */
    public static function vectors(): array
    {
        return [
            // DingTalk's docs: "配置事件推送方式" (open.dingtalk.com/document/development/configure-stream-push),
            // HTTP push FAQ, the example of a reply that decrypts to "success".
            'docs: configure-stream-push FAQ' => [
                'token' => '123456',
                'aesKey' => '1234567890123456789012345678901234567890123',
                'receiveId' => 'dingsnotzck6pm5veliw',
                'signature' => '9a95a004dd16f5c307e849b994173f76aa26e5eb',
                'timestamp' => '1614767836',
                'nonce' => 'A7Co0cJLMzIDtMMI',
                'encrypt' => 'YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==',
                'plaintext' => 'success',
            ],
            // DingTalk's crypto library (open-dingtalk/DingTalk-Callback-Crypto), the demo at the end of
            // DingCallbackCrypto3.py: a check_url event.
            'library: DingCallbackCrypto3.py' => [
                'token' => 'mryue',
                'aesKey' => 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
                'receiveId' => 'ding6ccabc44d2c8d38b',
                'signature' => '03044561471240d4a14bb09372dfcfd4fd0e40cb',
                'timestamp' => '1608001896814',
                'nonce' => 'WL4PK6yA',
                'encrypt' => '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
                'plaintext' => '{"EventType":"check_url"}',
            ],
            // The same library, the demos of DingTalkCrypto.go and DingTalkEncryptor.cs.
            'library: DingTalkCrypto.go' => [
                'token' => 'tokenxxxx',
                'aesKey' => 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus',
                'receiveId' => 'dingxxxxxx',
                'signature' => 'f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc',
                'timestamp' => '1605695694141',
                'nonce' => 'WelUQl6bCqcBa2fM',
                'encrypt' => 'X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ==',
                'plaintext' => 'success',
            ],
            // The same library, the tests of dingtalk_callback_crypto.rs: a third-party suite's event.
            'library: dingtalk_callback_crypto.rs' => [
                'token' => '123456',
                'aesKey' => '4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij',
                'receiveId' => 'suite4xxxxxxxxxxxxxxx',
                'signature' => '5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0',
                'timestamp' => '1445827045067',
                'nonce' => 'nEXhMP4r',
                'encrypt' => '1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==',
                'plaintext' => '{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}',
            ],
        ];
    }

    /** @return array<string, array{0: array}> */
    public static function vectorCases(): array
    {
        return array_map(static fn (array $v): array => [$v], self::vectors());
    }

    // ---- an independent implementation, from DingTalk's description --------------------------

    private static function aesKeyBytes(string $aesKey): string
    {
        // PHP's base64_decode ignores the non-zero trailing bits of real keys.
        return base64_decode($aesKey . '=');
    }

    /** SHA-1 of the four strings sorted byte-wise (strcmp), as DingTalk signs. */
    private static function sign(string $token, string $timestamp, string $nonce, string $encrypt): string
    {
        $parts = [$token, $timestamp, $nonce, $encrypt];
        usort($parts, 'strcmp');
        return sha1(implode('', $parts));
    }

    /** AES-256-CBC of `$text` padded to 32-byte blocks by hand; base64. */
    private static function encryptRaw(string $aesKey, string $text): string
    {
        $pad = 32 - strlen($text) % 32;
        return self::encryptUnpadded($aesKey, $text . str_repeat(chr($pad), $pad));
    }

    /** AES-256-CBC of a text already a multiple of 16 bytes, no padding added; base64. */
    private static function encryptUnpadded(string $aesKey, string $text): string
    {
        $key = self::aesKeyBytes($aesKey);
        $raw = openssl_encrypt($text, 'aes-256-cbc', $key, OPENSSL_RAW_DATA | OPENSSL_ZERO_PADDING, substr($key, 0, 16));
        self::assertIsString($raw, 'openssl_encrypt');
        return base64_encode($raw);
    }

    /** 16 random bytes, the length, the message, the receiveId: DingTalk's frame. */
    private static function frame(string $message, string $receiveId, string $random = '0123456789abcdef'): string
    {
        return $random . pack('N', strlen($message)) . $message . $receiveId;
    }

    /** Decrypts and unpads (32-byte PKCS#7, by hand); returns [random, message, receiveId]. */
    private static function decryptIndependently(string $aesKey, string $encrypt): array
    {
        $key = self::aesKeyBytes($aesKey);
        $text = openssl_decrypt(base64_decode($encrypt, true), 'aes-256-cbc', $key, OPENSSL_RAW_DATA | OPENSSL_ZERO_PADDING, substr($key, 0, 16));
        self::assertIsString($text, 'openssl_decrypt');
        self::assertSame(0, strlen($text) % 32, 'DingTalk pads to 32-byte blocks');
        $pad = ord($text[strlen($text) - 1]);
        self::assertTrue($pad >= 1 && $pad <= 32, "pad byte {$pad}");
        self::assertSame(str_repeat(chr($pad), $pad), substr($text, -$pad));
        $text = substr($text, 0, -$pad);
        $length = unpack('N', substr($text, 16, 4))[1];
        return [substr($text, 0, 16), substr($text, 20, $length), substr($text, 20 + $length)];
    }

    /**
     * A push as DingTalk sends it: `[$query, $body]`.
     *
     * @return array{0: array<string, string>, 1: string}
     */
    private static function push(string $token, string $encrypt, string $timestamp = '1700000000000', string $nonce = 'n0nce'): array
    {
        $query = ['msg_signature' => self::sign($token, $timestamp, $nonce, $encrypt), 'timestamp' => $timestamp, 'nonce' => $nonce];
        return [$query, json_encode(['encrypt' => $encrypt], JSON_THROW_ON_ERROR)];
    }

    private const TOKEN = 'tok3n';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const APP_KEY = 'dingappkey0001';

    private static function newCallback(): Callback
    {
        return new Callback(self::TOKEN, self::AES_KEY, self::APP_KEY);
    }

    /** Opens a push of `$text` framed and encrypted by the independent implementation. */
    private function openFramed(string $text, bool $padded = true): array
    {
        $encrypt = $padded ? self::encryptRaw(self::AES_KEY, $text) : self::encryptUnpadded(self::AES_KEY, $text);
        [$query, $body] = self::push(self::TOKEN, $encrypt);
        return self::newCallback()->open($query, $body);
    }

    private function assertRefused(string $expected, callable $open): void
    {
        $e = $this->throws(CallbackException::class, $open);
        $this->assertStringContainsString($expected, $e->getMessage());
        $this->assertStringNotContainsString(self::AES_KEY, $e->getMessage());
        $this->assertStringNotContainsString(self::TOKEN, $e->getMessage());
    }

    // ---- the published vectors ---------------------------------------------------------------

    /**
     * @dataProvider vectorCases
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('vectorCases')]
    public function testPublishedVectorsOpen(array $v): void
    {
        $callback = new Callback($v['token'], $v['aesKey'], $v['receiveId']);
        $query = ['msg_signature' => $v['signature'], 'timestamp' => $v['timestamp'], 'nonce' => $v['nonce']];
        $body = json_encode(['encrypt' => $v['encrypt']], JSON_THROW_ON_ERROR);
        // The independent implementation agrees with the vector, so the two can be compared.
        $this->assertSame($v['signature'], self::sign($v['token'], $v['timestamp'], $v['nonce'], $v['encrypt']));
        [, $message, $receiveId] = self::decryptIndependently($v['aesKey'], $v['encrypt']);
        $this->assertSame([$v['plaintext'], $v['receiveId']], [$message, $receiveId]);

        if ($v['plaintext'] === 'success') {
            // A reply, not an event: everything up to the JSON decoding passed.
            $this->assertRefused('the decrypted message is not a JSON object', static fn () => $callback->open($query, $body));
        } else {
            $this->assertSame(json_decode($v['plaintext'], true), $callback->open($query, $body));
        }
    }

    /**
     * encrypt() with a vector's timestamp and nonce: the random prefix differs, so compare what
     * can be: the structure, the signature (recomputed independently) and what it decrypts to.
     *
     * @dataProvider vectorCases
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('vectorCases')]
    public function testEncryptMatchesTheVectorsStructure(array $v): void
    {
        $callback = new Callback($v['token'], $v['aesKey'], $v['receiveId']);
        $sealed = $callback->encrypt($v['plaintext'], $v['timestamp'], $v['nonce']);
        $this->assertSame(['msg_signature', 'timeStamp', 'nonce', 'encrypt'], array_keys($sealed));
        $this->assertSame($v['timestamp'], $sealed['timeStamp']);
        $this->assertSame($v['nonce'], $sealed['nonce']);
        // Same plaintext and receiveId: same length as DingTalk's ciphertext.
        $this->assertSame(strlen($v['encrypt']), strlen($sealed['encrypt']));
        $this->assertNotSame($v['encrypt'], $sealed['encrypt'], 'a fresh random prefix');
        $this->assertSame(self::sign($v['token'], $v['timestamp'], $v['nonce'], $sealed['encrypt']), $sealed['msg_signature']);
        [$random, $message, $receiveId] = self::decryptIndependently($v['aesKey'], $sealed['encrypt']);
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9]{16}$/', $random);
        $this->assertSame([$v['plaintext'], $v['receiveId']], [$message, $receiveId]);
    }

    // ---- reply(): interoperability -----------------------------------------------------------

    public function testReplyOpensWithAnIndependentImplementation(): void
    {
        $reply = self::newCallback()->reply();
        $this->assertSame(['msg_signature', 'timeStamp', 'nonce', 'encrypt'], array_keys($reply));
        $this->assertMatchesRegularExpression('/^\d{13}$/', $reply['timeStamp'], 'milliseconds');
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9]{16}$/', $reply['nonce']);
        $this->assertSame(self::sign(self::TOKEN, $reply['timeStamp'], $reply['nonce'], $reply['encrypt']), $reply['msg_signature']);
        [, $message, $receiveId] = self::decryptIndependently(self::AES_KEY, $reply['encrypt']);
        $this->assertSame(['success', self::APP_KEY], [$message, $receiveId]);

        $other = self::newCallback()->reply('中文 ok');
        [, $message] = self::decryptIndependently(self::AES_KEY, $other['encrypt']);
        $this->assertSame('中文 ok', $message);
        $this->assertNotSame($reply['nonce'], $other['nonce']);
    }

    public function testLengthsAroundTheBlockBoundaryRoundTrip(): void
    {
        // 20 + message + 14 bytes of receiveId: messages of 30, 62 fill whole 32-byte blocks.
        $callback = self::newCallback();
        foreach ([0, 1, 29, 30, 31, 61, 62, 63, 1000] as $length) {
            $message = '{"k":"' . str_repeat('x', max(0, $length - 8)) . '"}';
            $message = substr($message, 0, max(0, $length));
            $sealed = $callback->encrypt($message, '1', 'n');
            [, $decrypted] = self::decryptIndependently(self::AES_KEY, $sealed['encrypt']);
            $this->assertSame($message, $decrypted, "length {$length}");
        }
        $event = json_encode(['EventType' => 'todo_task_update', 'taskId' => str_repeat('t', 40)]);
        [$query, $body] = self::push(self::TOKEN, self::encryptRaw(self::AES_KEY, self::frame($event, self::APP_KEY)));
        $this->assertSame(json_decode($event, true), $callback->open($query, $body));
    }

    // ---- the signature -----------------------------------------------------------------------

    /**
     * PHP's sort() orders numeric strings by value: with a numeric token, a 10-digit timestamp
     * and a short numeric nonce it puts "99" first, byte order puts it last.
     */
    public function testSignatureSortsByteWiseNotNumerically(): void
    {
        $token = '123456';
        $callback = new Callback($token, self::AES_KEY, self::APP_KEY);
        $encrypt = self::encryptRaw(self::AES_KEY, self::frame('{"EventType":"check_url"}', self::APP_KEY));
        $timestamp = '1614767836';
        $nonce = '99';

        $numeric = [$token, $timestamp, $nonce, $encrypt];
        sort($numeric);
        $this->assertSame([$nonce, $token, $timestamp], array_slice($numeric, 0, 3), 'the trap: sort() orders by value');
        $wrong = sha1(implode('', $numeric));
        $right = self::sign($token, $timestamp, $nonce, $encrypt);
        $this->assertNotSame($wrong, $right);

        $body = json_encode(['encrypt' => $encrypt]);
        $this->assertSame(['EventType' => 'check_url'], $callback->open(['signature' => $right, 'timeStamp' => $timestamp, 'nonce' => $nonce], $body));
        $this->assertRefused('signature does not match', static fn () => $callback->open(['signature' => $wrong, 'timeStamp' => $timestamp, 'nonce' => $nonce], $body));
        // The reply's signature follows the same order.
        $sealed = $callback->encrypt('success', $timestamp, $nonce);
        $this->assertSame(self::sign($token, $timestamp, $nonce, $sealed['encrypt']), $sealed['msg_signature']);
    }

    public function testQueryValuesMayBeIntsAndEitherSpelling(): void
    {
        $encrypt = self::encryptRaw(self::AES_KEY, self::frame('{"a":1}', self::APP_KEY));
        [$query, $body] = self::push(self::TOKEN, $encrypt, '1700000000000', '12345');
        $this->assertSame(['a' => 1], self::newCallback()->open($query, $body));
        $old = ['signature' => $query['msg_signature'], 'timeStamp' => 1700000000000, 'nonce' => 12345, 'other' => ['ignored']];
        $this->assertSame(['a' => 1], self::newCallback()->open($old, $body));
    }

    // ---- malformed pushes: each its own message ----------------------------------------------

    /** @return array<string, array{0: string, 1: array}> */
    public static function badQueries(): array
    {
        return [
            'no signature' => ['the query has no msg_signature (or signature)', ['timestamp' => '1', 'nonce' => 'n']],
            'no timestamp' => ['the query has no timestamp (or timeStamp)', ['msg_signature' => 'x', 'nonce' => 'n']],
            'no nonce' => ['the query has no nonce', ['msg_signature' => 'x', 'timestamp' => '1']],
            'array nonce (nonce[]=x)' => ['the query parameter nonce is array, not a string', ['msg_signature' => 'x', 'timestamp' => '1', 'nonce' => ['x']]],
            'float timestamp' => ['the query parameter timestamp is float, not a string', ['msg_signature' => 'x', 'timestamp' => 1.5, 'nonce' => 'n']],
            'null signature' => ['the query parameter msg_signature is null, not a string', ['msg_signature' => null, 'timestamp' => '1', 'nonce' => 'n']],
            'wrong signature' => ['the signature does not match', ['msg_signature' => str_repeat('0', 40), 'timestamp' => '1', 'nonce' => 'n']],
        ];
    }

    /**
     * @dataProvider badQueries
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badQueries')]
    public function testMalformedQueries(string $expected, array $query): void
    {
        $body = json_encode(['encrypt' => self::encryptRaw(self::AES_KEY, self::frame('{}', self::APP_KEY))]);
        $this->assertRefused($expected, static fn () => self::newCallback()->open($query, $body));
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function badBodies(): array
    {
        return [
            'form body' => ['the body is not JSON', 'encrypt=abc'],
            'empty body' => ['the body is not JSON', ''],
            'not UTF-8' => ['the body is not JSON', "{\"encrypt\":\"\xff\"}"],
            'a list' => ['the body is not {"encrypt": "..."}: it is not a JSON object', '["encrypt"]'],
            'no encrypt' => ['the body is not {"encrypt": "..."}: it has no encrypt field', '{"Encrypt":"abc"}'],
            'encrypt not a string' => ['the body is not {"encrypt": "..."}: its encrypt field is not a string', '{"encrypt":123}'],
        ];
    }

    /**
     * @dataProvider badBodies
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badBodies')]
    public function testMalformedBodies(string $expected, string $body): void
    {
        $query = ['msg_signature' => 'x', 'timestamp' => '1', 'nonce' => 'n'];
        $this->assertRefused($expected, static fn () => self::newCallback()->open($query, $body));
    }

    public function testTheSignatureIsCheckedBeforeDecrypting(): void
    {
        // Garbage that is not even base64, with a wrong signature: refused for the signature.
        $body = json_encode(['encrypt' => '%%% not base64 %%%']);
        $this->assertRefused('the signature does not match', static fn () => self::newCallback()->open(['msg_signature' => 'x', 'timestamp' => '1', 'nonce' => 'n'], $body));
        // The same garbage correctly signed gets as far as base64.
        [$query, $body] = self::push(self::TOKEN, '%%% not base64 %%%');
        $this->assertRefused('encrypt is not valid base64', static fn () => self::newCallback()->open($query, $body));
        // A right ciphertext with the wrong token's signature.
        $encrypt = self::encryptRaw(self::AES_KEY, self::frame('{}', self::APP_KEY));
        [$query, $body] = self::push('another-token', $encrypt);
        $this->assertRefused('the signature does not match: the token differs', static fn () => self::newCallback()->open($query, $body));
    }

    public function testMalformedCiphertexts(): void
    {
        [$query, $body] = self::push(self::TOKEN, base64_encode(str_repeat('x', 24)));
        $this->assertRefused('the ciphertext is 24 bytes, not a non-zero multiple of 16', static fn () => self::newCallback()->open($query, $body));
        [$query, $body] = self::push(self::TOKEN, '');
        $this->assertRefused('the ciphertext is 0 bytes', static fn () => self::newCallback()->open($query, $body));

        $this->assertRefused('the padding byte 33 is out of 1..32', fn () => $this->openFramed(str_repeat('x', 63) . chr(33), false));
        $this->assertRefused('the padding byte 0 is out of 1..32', fn () => $this->openFramed(str_repeat('x', 63) . chr(0), false));
        $this->assertRefused('the last 4 bytes are not all 4', fn () => $this->openFramed(str_repeat('x', 60) . "\x04\x04\x03\x04", false));
        $this->assertRefused('the decrypted text is 10 bytes, shorter than its header', fn () => $this->openFramed(str_repeat('x', 10)));
        $this->assertRefused('the length field says 100 bytes but only 5 follow', fn () => $this->openFramed(str_repeat('r', 16) . pack('N', 100) . 'short'));
        // A wrong aesKey: whatever it decrypts to is refused, never opened.
        $callback = new Callback(self::TOKEN, 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut', self::APP_KEY);
        [$query, $body] = self::push(self::TOKEN, self::encryptRaw(self::AES_KEY, self::frame('{"a":1}', self::APP_KEY)));
        $e = $this->throws(CallbackException::class, static fn () => $callback->open($query, $body));
        $this->assertMatchesRegularExpression('/aesKey is probably wrong|receiveId|not a JSON object/', $e->getMessage());
    }

    /**
     * The official library's raw AES vector (dingtalk_callback_crypto.rs): a text whose length
     * field is the letters "succ", far past its end.
     */
    public function testTheLibrarysRawVectorIsALengthPastTheEnd(): void
    {
        $aesKey = '4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij';
        $encrypt = 'DwCJ9BMxu4r+VTe9TD+AWc1yfxqs7d2YgepFe4XruMgh1+6pTjCCq4nqAM6StRcafOx5a1OfwmX3ckSBifatlA==';
        $this->assertSame($encrypt, self::encryptRaw($aesKey, '5p7b4jXMWUshiBCosucc111esssuite4xxxxxxxxxxxxxxx221'));
        $callback = new Callback('123456', $aesKey, 'suite4xxxxxxxxxxxxxxx221');
        [$query, $body] = self::push('123456', $encrypt);
        $declared = unpack('N', 'succ')[1];
        $this->assertRefused("the length field says {$declared} bytes but only 30 follow", static fn () => $callback->open($query, $body));
    }

    public function testAReceiveIdMismatchNamesTheOneFound(): void
    {
        // The docs' vector, opened with a corpId where the app key belongs.
        $v = self::vectors()['library: DingCallbackCrypto3.py'];
        $callback = new Callback($v['token'], $v['aesKey'], 'dingcorp0000corpid');
        $query = ['msg_signature' => $v['signature'], 'timestamp' => $v['timestamp'], 'nonce' => $v['nonce']];
        $e = $this->throws(CallbackException::class, static fn () => $callback->open($query, json_encode(['encrypt' => $v['encrypt']])));
        $this->assertStringContainsString('the message is for receiveId "ding6ccabc44d2c8d38b", not "dingcorp0000corpid"', $e->getMessage());
        $this->assertStringContainsString('app key, not the corpId', $e->getMessage());
        // A hostile receiveId is shown escaped and shortened.
        $this->assertRefused('"\n\n', fn () => $this->openFramed(self::frame('{}', str_repeat("\n", 500))));
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function notEvents(): array
    {
        return [
            'text' => ['success', 'the decrypted message is not a JSON object: expected value'],
            'a list' => ['[1,2]', 'the decrypted message is not a JSON object: it is an array'],
            'a string' => ['"x"', 'it is a string'],
            'a number' => ['42', 'it is a number'],
            'null' => ['null', 'it is null'],
            'truncated JSON' => ['{"EventType":', 'the decrypted message is not a JSON object: EOF'],
        ];
    }

    /**
     * A message that is not a JSON object is refused: open() returns events, and DingTalk's
     * events are always objects.
     *
     * @dataProvider notEvents
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('notEvents')]
    public function testMessagesThatAreNotEventsAreRefused(string $message, string $expected): void
    {
        $this->assertRefused($expected, fn () => $this->openFramed(self::frame($message, self::APP_KEY)));
    }

    // ---- arguments -----------------------------------------------------------------------------

    /** @return array<string, array{0: string, 1: string, 2: string, 3: string}> */
    public static function badArguments(): array
    {
        $key = self::AES_KEY;
        return [
            'empty token' => ['', $key, 'r', 'Argument #1 ($token) must not be empty'],
            '42-character aesKey' => ['t', substr($key, 0, 42), 'r', 'Argument #2 ($aesKey) must be 43 characters'],
            '44-character aesKey' => ['t', $key . 'A', 'r', 'Argument #2 ($aesKey) must be 43 characters'],
            'padded aesKey' => ['t', substr($key, 0, 42) . '=', 'r', 'Argument #2 ($aesKey) must be base64 characters (A-Z, a-z, 0-9, +, /); character 43 is not'],
            'URL-safe aesKey' => ['t', '-' . substr($key, 1), 'r', 'character 1 is not'],
            'non-UTF-8 aesKey' => ['t', "\xff" . substr($key, 1), 'r', 'Argument #2 ($aesKey) must be valid UTF-8'],
            'empty receiveId' => ['t', $key, '', 'Argument #3 ($receiveId) must not be empty'],
            'non-UTF-8 token' => ["\xfe", $key, 'r', 'Argument #1 ($token) must be valid UTF-8'],
        ];
    }

    /**
     * @dataProvider badArguments
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('badArguments')]
    public function testBadArgumentsAreValueErrors(string $token, string $aesKey, string $receiveId, string $expected): void
    {
        $e = $this->throws(\ValueError::class, static fn () => new Callback($token, $aesKey, $receiveId));
        $this->assertStringStartsWith('DingTalk\\Callback::__construct(): ', $e->getMessage());
        $this->assertStringContainsString($expected, $e->getMessage());
        if (strlen($aesKey) > 10) {
            $this->assertStringNotContainsString(substr($aesKey, 2, 20), $e->getMessage());
        }
    }

    public function testEncryptArgumentsAreChecked(): void
    {
        $callback = self::newCallback();
        $e = $this->throws(\ValueError::class, static fn () => $callback->encrypt('x', '', 'n'));
        $this->assertSame('DingTalk\\Callback::encrypt(): Argument #2 ($timestamp) must not be empty', $e->getMessage());
        $e = $this->throws(\ValueError::class, static fn () => $callback->encrypt('x', '1', ''));
        $this->assertSame('DingTalk\\Callback::encrypt(): Argument #3 ($nonce) must not be empty', $e->getMessage());
        $e = $this->throws(\ValueError::class, static fn () => $callback->reply("\xff"));
        $this->assertSame('DingTalk\\Callback::reply(): Argument #1 ($plaintext) must be valid UTF-8', $e->getMessage());
    }

    public function testCallbackExceptionIsADingTalkException(): void
    {
        $e = $this->throws(CallbackException::class, static fn () => self::newCallback()->open([], '{}'));
        $this->assertInstanceOf(\DingTalk\Exception::class, $e);
        $this->assertInstanceOf(\RuntimeException::class, $e);
        $this->assertSame(__FILE__, $e->getFile(), 'the exception carries the caller\'s file and trace');
        $this->assertNotEmpty($e->getTrace());
    }

    // ---- secrets -----------------------------------------------------------------------------------

    public function testTheTokenAndAesKeyShowNowhere(): void
    {
        $callback = self::newCallback();
        ob_start();
        var_dump($callback);
        debug_zval_dump($callback);
        $dump = (string) ob_get_clean();
        $renderings = [$dump, print_r($callback, true), var_export($callback, true), (string) json_encode($callback), print_r((array) $callback, true)];
        foreach ($renderings as $text) {
            $this->assertStringNotContainsString(self::TOKEN, $text);
            $this->assertStringNotContainsString(self::AES_KEY, $text);
        }
        $this->throws(\Exception::class, static fn () => serialize($callback));
        $this->throws(\Error::class, static fn () => clone $callback);
    }

    public function testTracesHideTheTokenAndAesKey(): void
    {
        // A child with the settings under which PHP prints arguments in traces. No function of
        // the script takes the secrets as arguments: they would show in its own frame.
        $script = <<<'PHP'
<?php
ini_set('zend.exception_ignore_args', '0');
ini_set('zend.exception_string_param_max_len', '1000000');
function run(): void {
    [, $token, $aesKey] = $GLOBALS['argv'];
    try {
        new DingTalk\Callback($token, $aesKey, '');
    } catch (ValueError $e) {
        echo $e, "\n", print_r($e->getTrace(), true), "\n";
    }
    try {
        (new DingTalk\Callback($token, $aesKey, 'r'))->open([], 'x');
    } catch (DingTalk\CallbackException $e) {
        echo $e, "\n", print_r($e->getTrace(), true), "\n";
    }
}
run();
PHP;
        [$exit, $out, $err] = self::runPhp($script, true, ['tok3n-in-trace', self::AES_KEY]);
        $this->assertSame(0, $exit, $err);
        $this->assertStringContainsString('Argument #3 ($receiveId) must not be empty', $out);
        $this->assertStringContainsString("DingTalk\\Callback->__construct(Object(SensitiveParameterValue), Object(SensitiveParameterValue), '')", $out);
        $this->assertStringContainsString('CallbackException: the query has no msg_signature', $out);
        $this->assertStringNotContainsString('tok3n-in-trace', $out . $err);
        $this->assertStringNotContainsString(self::AES_KEY, $out . $err);
    }
}
