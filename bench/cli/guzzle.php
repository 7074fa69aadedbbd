<?php
// CLI contender: guzzle (see bench/lib/guzzle.php and bench/README.md).
$startNs = hrtime(true);
require __DIR__ . '/../lib/bench.php';
require __DIR__ . '/../lib/guzzle.php';
Bench\cli_main('guzzle', fn (Bench\Config $config) => new Bench\GuzzleContender($config), $startNs);
