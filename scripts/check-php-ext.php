<?php

declare(strict_types=1);

/*
 * Checks composer.json's php-ext section, which PIE reads, and the stubs package, for `make lint`.
 * Debian 12's Composer (2.5) knows no php-ext key, so `composer validate` cannot: this checks the
 * keys and values of the schema of Composer 2.11 (which `make test-matrix` also runs), plus what
 * this repository promises: the build-path holds the phpize build, the stubs are never autoloaded.
 *
 *   php scripts/check-php-ext.php        exit 0 and "php-ext: ok", or the problems and exit 1
 */

$root = dirname(__DIR__);
$problems = [];

function load_json(string $file): array
{
    $data = json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
    return is_array($data) ? $data : [];
}

$composer = load_json("$root/composer.json");
$ext = $composer['php-ext'] ?? null;
if (($composer['type'] ?? null) !== 'php-ext' || !is_array($ext)) {
    $problems[] = 'composer.json: type must be php-ext, with a php-ext section';
    $ext = [];
}

$methods = ['composer-default', 'pre-packaged-source', 'pre-packaged-binary'];
$families = ['windows', 'bsd', 'darwin', 'solaris', 'linux', 'unknown'];
$isListOf = static fn (mixed $v, array $allowed): bool => is_array($v) && $v !== [] && array_is_list($v)
    && array_diff($v, $allowed) === [] && count(array_unique($v)) === count($v);
$rules = [
    'extension-name' => static fn (mixed $v): bool => is_string($v) && preg_match('/^[A-Za-z][A-Za-z0-9_]+$/', $v) === 1,
    'priority' => static fn (mixed $v): bool => is_int($v) && $v >= 10 && $v <= 99,
    'support-zts' => 'is_bool',
    'support-nts' => 'is_bool',
    'build-path' => static fn (mixed $v): bool => $v === null || is_string($v),
    'download-url-method' => static fn (mixed $v): bool => in_array($v, $methods, true) || $isListOf($v, $methods),
    'os-families' => static fn (mixed $v): bool => $isListOf($v, $families),
    'os-families-exclude' => static fn (mixed $v): bool => $isListOf($v, $families),
    'configure-options' => static fn (mixed $v): bool => is_array($v) && array_is_list($v)
        && array_filter($v, static fn (mixed $o): bool => !is_array($o)
            || !is_string($o['name'] ?? null) || preg_match('/^[a-z][a-z0-9-]*$/', $o['name']) !== 1
            || !is_string($o['description'] ?? '') || !is_bool($o['needs-value'] ?? false)
            || array_diff(array_keys($o), ['name', 'description', 'needs-value']) !== []) === [],
];
foreach ($ext as $key => $value) {
    if (!isset($rules[$key])) {
        $problems[] = "composer.json: php-ext.$key is not a key PIE knows";
    } elseif (!$rules[$key]($value)) {
        $problems[] = "composer.json: php-ext.$key has a value PIE does not accept: " . json_encode($value);
    }
}
if (isset($ext['os-families'], $ext['os-families-exclude'])) {
    $problems[] = 'composer.json: php-ext.os-families and os-families-exclude exclude each other';
}
if (($ext['extension-name'] ?? null) !== 'dingtalk') {
    $problems[] = 'composer.json: php-ext.extension-name must be dingtalk, the name the extension registers';
}
$buildPath = $ext['build-path'] ?? null;
foreach (['config.m4', 'Makefile.frag'] as $file) {
    if (!is_string($buildPath) || !is_file("$root/$buildPath/$file")) {
        $problems[] = "composer.json: php-ext.build-path must name the folder of the phpize build ($file)";
    }
}

$stubs = load_json("$root/stubs/composer.json");
if (($stubs['type'] ?? null) !== 'library') {
    $problems[] = 'stubs/composer.json: type must be library (a php-ext package cannot be required)';
}
if (isset($stubs['autoload']) || isset($stubs['autoload-dev'])) {
    $problems[] = 'stubs/composer.json: the stubs must never be autoloaded (they would clash with the extension)';
}

if ($problems !== []) {
    fwrite(STDERR, implode("\n", $problems) . "\n");
    exit(1);
}
echo "php-ext: ok\n";
