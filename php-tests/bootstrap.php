<?php

declare(strict_types=1);

/*
 * PHPUnit bootstrap: checks that the extension under test is loaded, loads the test support
 * classes and starts the emulator the whole suite shares (stopped at shutdown).
 *
 *   php -d extension=$DINGTALK_EXTENSION /usr/bin/phpunit -c php-tests/phpunit.xml
 *
 * with DINGTALK_EMULATOR_BIN naming the dingtalk-emulator binary.
 */

use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\RedisServer;

if (!extension_loaded('dingtalk')) {
    fwrite(STDERR, "php-tests: the dingtalk extension is not loaded.\n"
        . "Run: php -d extension=\$PWD/target/debug/libdingtalk.so /usr/bin/phpunit -c php-tests/phpunit.xml\n"
        . "(or `make test-php`).\n");
    exit(1);
}

// The suite's support classes, and the public test helper (package testing/) that they build on,
// as Composer's PSR-4 autoloader would load it.
spl_autoload_register(static function (string $class): void {
    $roots = ['DingTalk\\Tests\\Support\\' => __DIR__ . '/support/', 'DingTalk\\Testing\\' => dirname(__DIR__) . '/testing/src/'];
    foreach ($roots as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    }
});

register_shutdown_function([Emulator::class, 'stopAll']);
register_shutdown_function([RedisServer::class, 'stopAll']);
// Ctrl-C or a kill would end PHP without shutdown functions and leave emulators running:
// turn those signals into an exit, which runs them.
if (function_exists('pcntl_async_signals')) {
    pcntl_async_signals(true);
    foreach ([SIGINT => 130, SIGTERM => 143, SIGHUP => 129] as $signal => $status) {
        pcntl_signal($signal, static function () use ($status): void {
            exit($status);
        });
    }
}

try {
    $emulator = Emulator::shared();
} catch (Throwable $e) {
    fwrite(STDERR, 'php-tests: cannot start the emulator: ' . $e->getMessage() . "\n");
    exit(1);
}
fwrite(STDERR, 'php-tests: emulator at ' . $emulator->url() . "\n");
