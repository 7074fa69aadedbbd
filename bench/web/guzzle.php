<?php
// php-fpm contender: guzzle (see bench/lib/guzzle.php and bench/README.md). One call per request.
require __DIR__ . '/../lib/bench.php';
require __DIR__ . '/../lib/guzzle.php';
Bench\web_main('guzzle', fn (Bench\Config $config) => new Bench\GuzzleContender($config));
