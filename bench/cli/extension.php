<?php
// CLI contender: extension (see bench/lib/extension.php and bench/README.md).
$startNs = hrtime(true);
require __DIR__ . '/../lib/bench.php';
require __DIR__ . '/../lib/extension.php';
Bench\cli_main('extension', fn (Bench\Config $config) => new Bench\ExtensionContender($config), $startNs);
