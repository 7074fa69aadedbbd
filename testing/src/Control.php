<?php

declare(strict_types=1);

namespace DingTalk\Testing;

/**
 * Requests to the emulator's control API (`/_emulator/...`): one HTTP/1.0 exchange per call over
 * a plain socket, JSON in and out. A socket rather than PHP's http:// wrapper, so that it works
 * where `allow_url_fopen` is off; HTTP/1.0, so that the answer is the bytes up to the close (the
 * emulator sends no chunked body to an HTTP/1.0 client).
 *
 * @internal use {@see Emulator::control()}
 */
final class Control
{
    /**
     * The code of an {@see EmulatorException} thrown when no HTTP answer came (no connection, a
     * request not sent, an answer cut off or late): the emulator may be ending.
     */
    public const UNREACHABLE = 1;

    private string $remote;
    private string $authority;
    /** @var array<string, array<string, mixed>> */
    private array $context = [];

    /** @param string $endpoint `http://HOST:PORT` or `https://HOST:PORT` */
    public function __construct(string $endpoint, ?string $certFile)
    {
        $parts = parse_url($endpoint);
        if (!is_array($parts) || !isset($parts['scheme'], $parts['host'], $parts['port'])) {
            throw new EmulatorException("the emulator announced an address that is not scheme://host:port: {$endpoint}");
        }
        $tls = $parts['scheme'] === 'https';
        $this->authority = "{$parts['host']}:{$parts['port']}";
        $this->remote = ($tls ? 'tls://' : 'tcp://') . $this->authority;
        if ($tls) {
            $this->context['ssl'] = [
                'verify_peer' => true,
                'peer_name' => trim($parts['host'], '[]'),
            ];
            if ($certFile !== null) {
                $this->context['ssl']['cafile'] = $certFile;
            }
        }
    }

    /**
     * Sends one request and returns its decoded JSON answer; anything but HTTP 200 with JSON is
     * an {@see EmulatorException} quoting the answer.
     */
    public function call(string $method, string $path, ?string $json, float $timeout): mixed
    {
        $label = "control request {$method} {$path}";
        $deadline = microtime(true) + $timeout;
        $socket = @stream_socket_client(
            $this->remote,
            $errno,
            $error,
            $timeout,
            STREAM_CLIENT_CONNECT,
            stream_context_create($this->context)
        );
        if ($socket === false) {
            throw new EmulatorException("{$label} failed: cannot connect to {$this->authority}: {$error}", self::UNREACHABLE);
        }
        try {
            $request = "{$method} {$path} HTTP/1.0\r\nHost: {$this->authority}\r\nAccept: application/json\r\n";
            if ($json !== null) {
                $request .= "Content-Type: application/json\r\nContent-Length: " . strlen($json) . "\r\n";
            }
            $request .= "\r\n" . ($json ?? '');
            if (@fwrite($socket, $request) !== strlen($request)) {
                throw new EmulatorException("{$label} failed: the request could not be sent", self::UNREACHABLE);
            }
            $response = self::readAll($socket, $deadline, $label);
        } finally {
            fclose($socket);
        }
        return self::decode($response, $label);
    }

    /** @param resource $socket */
    private static function readAll($socket, float $deadline, string $label): string
    {
        $response = '';
        while (!feof($socket)) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                throw new EmulatorException("{$label} got no complete answer in time", self::UNREACHABLE);
            }
            stream_set_timeout($socket, (int) $left, (int) (fmod($left, 1.0) * 1e6));
            $chunk = fread($socket, 65536);
            if ($chunk === false) {
                throw new EmulatorException("{$label} failed while reading the answer", self::UNREACHABLE);
            }
            $response .= $chunk;
        }
        return $response;
    }

    private static function decode(string $response, string $label): mixed
    {
        [$head, $body] = array_pad(explode("\r\n\r\n", $response, 2), 2, '');
        if (preg_match('~^HTTP/\d(?:\.\d)? (\d{3})~', $head, $m) !== 1) {
            throw new EmulatorException("{$label} got no HTTP answer: " . substr($response, 0, 200), self::UNREACHABLE);
        }
        if ($m[1] !== '200') {
            throw new EmulatorException("{$label} answered HTTP {$m[1]}: {$body}");
        }
        try {
            return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new EmulatorException("{$label} answered something that is not JSON: " . substr($body, 0, 200), 0, $e);
        }
    }
}
