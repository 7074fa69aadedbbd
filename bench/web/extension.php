<?php
// php-fpm contender: extension (see bench/lib/extension.php and bench/README.md). One call per request.
require __DIR__ . '/../lib/bench.php';
require __DIR__ . '/../lib/extension.php';
Bench\web_main('extension', fn (Bench\Config $config) => new Bench\ExtensionContender($config));
