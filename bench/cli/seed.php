<?php
// CLI contender: seed (see bench/lib/seed.php and bench/README.md).
$startNs = hrtime(true);
require __DIR__ . '/../lib/bench.php';
require __DIR__ . '/../lib/seed.php';
Bench\cli_main('seed', fn (Bench\Config $config) => new Bench\SeedContender($config), $startNs);
