<?php
// php-fpm contender: seed (see bench/lib/seed.php and bench/README.md). One call per request.
require __DIR__ . '/../lib/bench.php';
require __DIR__ . '/../lib/seed.php';
Bench\web_main('seed', fn (Bench\Config $config) => new Bench\SeedContender($config));
