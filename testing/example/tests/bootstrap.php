<?php
// tests/bootstrap.php: one emulator for the whole run (phpunit --bootstrap tests/bootstrap.php).
declare(strict_types=1);

require 'vendor/autoload.php';

use DingTalk\Testing\Emulator;

$emulator = Emulator::start();   // a free port on 127.0.0.1; stopped when PHP exits
putenv('DINGTALK_ENDPOINT=' . $emulator->endpoint());
putenv('DINGTALK_APP_KEY=' . $emulator->appKey());
putenv('DINGTALK_APP_SECRET=' . $emulator->appSecret());
$GLOBALS['emulator'] = $emulator;
