<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Emulator;
use DingTalk\Tests\Support\Markdown;
use DingTalk\Tests\Support\Process;
use DingTalk\Tests\Support\RedisServer;
use DingTalk\Tests\Support\TestCase;
use FilesystemIterator;
use RecursiveDirectoryIterator;
use RecursiveIteratorIterator;
use RuntimeException;

/**
 * The docs run: every ```php block of README.md, CONTRIBUTING.md and docs/*.md is a case
 * named after its file and line. A block runs as a whole script in a child `php -n` with the
 * extension, in a scratch directory whose `vendor/autoload.php` loads the testing package
 * (`require 'vendor/autoload.php';` works as in an application), against an emulator of its
 * own: `DINGTALK_ENDPOINT`, `DINGTALK_APP_KEY` and `DINGTALK_APP_SECRET` name it and its demo
 * app, as `scripts/with-emulator.sh` does, and a block that reads `REDIS_URL` gets a
 * redis-server of its own. It must exit 0 with nothing on stderr (no warning, no notice), and
 * print what its ```text output block says. A ```php fragment block is linted only.
 *
 * Also: README.md stays a front page (under 200 lines), and every relative link of those
 * files points at a file that exists (and at a heading that exists, for `#anchor`s).
 */
final class DocsTest extends TestCase
{
    /** How long one snippet may run. */
    private const SNIPPET_TIMEOUT = 60.0;
    /** The front page's limit. */
    private const README_MAX_LINES = 200;

    /** @return list<string> the docs, relative to the repository */
    private static function docs(): array
    {
        $root = self::root();
        $files = ['README.md'];
        if (is_file("{$root}/CONTRIBUTING.md")) {
            $files[] = 'CONTRIBUTING.md';
        }
        foreach (glob("{$root}/docs/*.md") ?: [] as $path) {
            $files[] = 'docs/' . basename($path);
        }
        return $files;
    }

    private static function root(): string
    {
        return dirname(__DIR__, 2);
    }

    /** @return iterable<string, array{string, string, bool, ?string}> */
    public static function snippets(): iterable
    {
        foreach (self::docs() as $file) {
            foreach (Markdown::blocks(self::root() . '/' . $file) as $block) {
                if ($block['lang'] !== 'php') {
                    continue;
                }
                $unknown = array_diff($block['words'], [Markdown::FRAGMENT]);
                if ($unknown !== []) {
                    throw new RuntimeException("{$file}:{$block['line']}: unknown marker " . implode(' ', $unknown));
                }
                $fragment = in_array(Markdown::FRAGMENT, $block['words'], true);
                yield "{$file}:{$block['line']}" => [$file, $block['code'], $fragment, $block['output']];
            }
        }
    }

    /** @dataProvider snippets */
    #[\PHPUnit\Framework\Attributes\DataProvider('snippets')]
    public function testSnippet(string $file, string $code, bool $fragment, ?string $output): void
    {
        $dir = self::scratchDirectory();
        try {
            $script = "{$dir}/snippet.php";
            file_put_contents($script, (str_starts_with($code, '<?php') ? '' : "<?php\n") . $code);
            if ($fragment) {
                [$status, $out, $err] = Process::run([PHP_BINARY, '-n', '-l', $script], 30.0);
                $this->assertSame(0, $status, "{$file}: the fragment does not parse:\n{$out}{$err}");
                return;
            }
            [$status, $out, $err] = $this->runSnippet($dir, $script, str_contains($code, 'REDIS_URL'));
            $this->assertSame(0, $status, "{$file}: exit status {$status}\nstdout:\n{$out}\nstderr:\n{$err}");
            $this->assertSame('', $err, "{$file}: wrote to stderr\nstdout:\n{$out}");
            if ($output !== null) {
                $this->assertMatchesRegularExpression(self::outputPattern($output), self::normalized($out), "{$file}: the output differs");
            }
        } finally {
            self::remove($dir);
        }
    }

    /**
     * Runs the script against an emulator (and a Redis) of its own.
     *
     * @return array{int, string, string}
     */
    private function runSnippet(string $dir, string $script, bool $withRedis): array
    {
        $emulator = $this->startEmulator();
        $redis = $withRedis ? RedisServer::start() : null;
        try {
            $env = array_merge(getenv(), [
                'DINGTALK_ENDPOINT' => $emulator->url(),
                'DINGTALK_APP_KEY' => Emulator::DEMO_KEY,
                'DINGTALK_APP_SECRET' => Emulator::DEMO_SECRET,
                'DINGTALK_EMULATOR_BIN' => Emulator::binary(),
                // sys_get_temp_dir() is the snippet's own: a store directory a snippet makes
                // there is shared with no other run.
                'TMPDIR' => $dir,
            ]);
            if ($redis !== null) {
                $env['REDIS_URL'] = $redis->url();
            }
            return Process::run([
                PHP_BINARY, '-n',
                '-d', 'extension=' . self::extensionPath(),
                '-d', 'error_reporting=-1',
                '-d', 'display_errors=stderr',
                '-d', 'log_errors=0',
                $script,
            ], self::SNIPPET_TIMEOUT, $env, $dir);
        } finally {
            $redis?->stop();
        }
    }

    /**
     * A scratch directory with the `vendor/autoload.php` Composer would write for an app that
     * requires the testing package: its `autoload` map, pointing into this repository.
     */
    private static function scratchDirectory(): string
    {
        $dir = sys_get_temp_dir() . '/dingtalk-docs-' . bin2hex(random_bytes(6));
        if (!mkdir("{$dir}/vendor", 0700, true)) {
            throw new RuntimeException("cannot create {$dir}");
        }
        $map = [];
        $package = self::root() . '/testing';
        $composer = json_decode((string) @file_get_contents("{$package}/composer.json"), true);
        foreach ($composer['autoload']['psr-4'] ?? ['DingTalk\\Testing\\' => 'src/'] as $prefix => $path) {
            $map[$prefix] = "{$package}/" . rtrim((string) $path, '/') . '/';
        }
        $autoload = "<?php\n// Composer's PSR-4 autoloading of the testing package, as in an application.\n"
            . 'spl_autoload_register(static function (string $class): void {' . "\n"
            . '    foreach (' . var_export($map, true) . ' as $prefix => $dir) {' . "\n"
            . '        if (str_starts_with($class, $prefix)) {' . "\n"
            . '            $file = $dir . str_replace(\'\\\\\', \'/\', substr($class, strlen($prefix))) . \'.php\';' . "\n"
            . '            if (is_file($file)) {' . "\n"
            . '                require $file;' . "\n"
            . "            }\n        }\n    }\n});\n";
        file_put_contents("{$dir}/vendor/autoload.php", $autoload);
        return $dir;
    }

    /** Output with trailing spaces and trailing blank lines dropped, ending with one newline. */
    private static function normalized(string $text): string
    {
        $lines = array_map('rtrim', explode("\n", str_replace("\r\n", "\n", $text)));
        return rtrim(implode("\n", $lines), "\n") . "\n";
    }

    /** The expected output as a pattern: `...` in a line is any text, alone any lines. */
    private static function outputPattern(string $expected): string
    {
        $pattern = '';
        foreach (explode("\n", rtrim(self::normalized($expected), "\n")) as $line) {
            if ($line === '...') {
                $pattern .= '(?:[^\n]*\n)*?';
                continue;
            }
            $pattern .= implode('[^\n]*?', array_map(static fn (string $part): string => preg_quote($part, '~'), explode('...', $line))) . '\n';
        }
        return '~\A' . $pattern . '\z~u';
    }

    private static function remove(string $dir): void
    {
        if (!is_dir($dir)) {
            return;
        }
        $entries = new RecursiveIteratorIterator(
            new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS),
            RecursiveIteratorIterator::CHILD_FIRST
        );
        foreach ($entries as $entry) {
            $entry->isDir() && !$entry->isLink() ? rmdir($entry->getPathname()) : unlink($entry->getPathname());
        }
        rmdir($dir);
    }

    public function testReadmeIsAFrontPage(): void
    {
        $lines = count(file(self::root() . '/README.md') ?: []);
        $this->assertLessThan(self::README_MAX_LINES, $lines, 'README.md is the front page: move the details to docs/');
    }

    /**
     * docs/configuration.md's table has a row per ini entry of the loaded extension, each
     * naming the option of the same name: a new option cannot go undocumented.
     */
    public function testTheConfigurationTableListsEveryOption(): void
    {
        $text = (string) file_get_contents(self::root() . '/docs/configuration.md');
        preg_match_all('~^\| `([a-z_]+)` \| `dingtalk\.([a-z_]+)` \|~m', $text, $rows);
        $this->assertSame($rows[1], $rows[2], 'each row names an option and its own ini entry');
        $entries = array_map(static fn (string $name): string => substr($name, strlen('dingtalk.')), array_keys(ini_get_all('dingtalk')));
        sort($entries);
        $documented = $rows[2];
        sort($documented);
        $this->assertSame($entries, $documented, 'docs/configuration.md documents exactly the dingtalk.* ini entries');
    }

    /** A block that holds PHP code is labelled php (so that it runs), never left unlabelled. */
    public function testPhpCodeIsInPhpBlocks(): void
    {
        $unlabelled = [];
        foreach (self::docs() as $file) {
            foreach (Markdown::blocks(self::root() . '/' . $file) as $block) {
                if ($block['lang'] === '' && preg_match('~<\?php|new DingTalk\\\\|\$client->~', $block['code']) === 1) {
                    $unlabelled[] = "{$file}:{$block['line']}";
                }
            }
        }
        $this->assertSame([], $unlabelled, 'PHP code in a block without a language: label it php');
    }

    /** @return iterable<string, array{string}> */
    public static function docFiles(): iterable
    {
        foreach (self::docs() as $file) {
            yield $file => [$file];
        }
    }

    /** @dataProvider docFiles */
    #[\PHPUnit\Framework\Attributes\DataProvider('docFiles')]
    public function testRelativeLinksResolve(string $file): void
    {
        $path = self::root() . '/' . $file;
        $broken = [];
        foreach (Markdown::relativeLinks($path) as ['line' => $line, 'target' => $target]) {
            [$target, $anchor] = array_pad(explode('#', $target, 2), 2, null);
            $resolved = $target === '' ? $path : dirname($path) . '/' . rawurldecode($target);
            if (!file_exists($resolved)) {
                $broken[] = "{$file}:{$line}: {$target} does not exist";
            } elseif ($anchor !== null && $anchor !== '' && str_ends_with($resolved, '.md')
                && !in_array(strtolower($anchor), Markdown::anchors($resolved), true)) {
                $broken[] = "{$file}:{$line}: no heading #{$anchor} in " . ($target === '' ? $file : $target);
            }
        }
        $this->assertSame([], $broken);
    }
}
