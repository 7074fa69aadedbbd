<?php
// The php-fpm ceiling: the same nginx and php-fpm set-up, a script that makes no call.
header('Content-Type: application/json');
echo json_encode(['ok' => true, 'records' => 0]), "\n";
