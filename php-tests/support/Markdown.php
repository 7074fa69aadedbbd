<?php

declare(strict_types=1);

namespace DingTalk\Tests\Support;

use RuntimeException;

/**
 * What DocsTest reads in the project's Markdown: fenced code blocks (with the output block
 * that follows a PHP block), relative links, and the anchors GitHub gives headings.
 *
 * The conventions of the docs (CONTRIBUTING.md, "Docs"):
 * - ```php — a whole script, run; `<?php` may be left out.
 * - ```php fragment — part of a script, only linted.
 * - ```text output — what the nearest PHP block above it prints; `...` in a line stands for
 *   any text, a line of `...` alone for any lines.
 */
final class Markdown
{
    /** The info-string words a ```php block may carry. */
    public const FRAGMENT = 'fragment';

    /**
     * The fenced blocks of `$file`, in order: `line` is the line of the opening fence
     * (1-based), `lang` the info string's first word, `words` the others. Each PHP block gets
     * the `output` block meant for it (or null).
     *
     * @return list<array{line: int, lang: string, words: list<string>, code: string, output: ?string}>
     */
    public static function blocks(string $file): array
    {
        $blocks = [];
        $open = null;
        foreach (self::lines($file) as $number => $line) {
            if ($open === null) {
                if (preg_match('/^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/', $line, $m) === 1) {
                    $words = preg_split('~\s+~', trim($m[2]), -1, PREG_SPLIT_NO_EMPTY) ?: [];
                    $open = ['fence' => $m[1], 'line' => $number, 'words' => $words, 'code' => []];
                }
                continue;
            }
            if (preg_match('/^ {0,3}' . preg_quote($open['fence'][0], '/') . '{' . strlen($open['fence']) . ',}\s*$/', $line) === 1) {
                $words = $open['words'];
                $blocks[] = [
                    'line' => $open['line'],
                    'lang' => strtolower((string) array_shift($words)),
                    'words' => $words,
                    'code' => implode("\n", $open['code']) . "\n",
                    'output' => null,
                ];
                $open = null;
                continue;
            }
            $open['code'][] = $line;
        }
        if ($open !== null) {
            throw new RuntimeException("{$file}:{$open['line']}: a code block that is never closed");
        }
        return self::pairOutputs($file, $blocks);
    }

    /**
     * Gives each `text output` block to the nearest PHP block above it and drops it from the
     * list; an output block with no PHP block to belong to is an error.
     *
     * @param list<array{line: int, lang: string, words: list<string>, code: string, output: ?string}> $blocks
     * @return list<array{line: int, lang: string, words: list<string>, code: string, output: ?string}>
     */
    private static function pairOutputs(string $file, array $blocks): array
    {
        $paired = [];
        $lastPhp = null;
        foreach ($blocks as $block) {
            if ($block['lang'] === 'text' && $block['words'] === ['output']) {
                if ($lastPhp === null || $paired[$lastPhp]['output'] !== null
                    || in_array(self::FRAGMENT, $paired[$lastPhp]['words'], true)) {
                    throw new RuntimeException("{$file}:{$block['line']}: an output block without a PHP block that runs above it");
                }
                $paired[$lastPhp]['output'] = $block['code'];
                continue;
            }
            $paired[] = $block;
            if ($block['lang'] === 'php') {
                $lastPhp = count($paired) - 1;
            }
        }
        return $paired;
    }

    /**
     * The relative link targets of `$file` outside code blocks (inline links, images and
     * reference definitions), with their line: `['line' => n, 'target' => 'docs/x.md#anchor']`.
     *
     * @return list<array{line: int, target: string}>
     */
    public static function relativeLinks(string $file): array
    {
        $links = [];
        foreach (self::proseLines($file) as $number => $line) {
            $line = preg_replace('~`[^`]*`~', '', $line) ?? $line;   // code spans hold no links
            preg_match_all('~\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)~', $line, $matches, PREG_SET_ORDER);
            foreach ($matches as $m) {
                $target = ($m[1] ?? '') !== '' ? $m[1] : ($m[2] ?? '');
                if ($target === '' || preg_match('~^[a-z][a-z0-9+.-]*:~i', $target) === 1) {
                    continue;   // http:, https:, mailto:: not a file of the repository
                }
                $links[] = ['line' => $number, 'target' => $target];
            }
        }
        return $links;
    }

    /**
     * The anchors GitHub gives the headings of `$file`: lower case, punctuation dropped,
     * spaces as hyphens, a repeated one suffixed `-1`, `-2`, ...
     *
     * @return list<string>
     */
    public static function anchors(string $file): array
    {
        $anchors = [];
        $seen = [];
        foreach (self::proseLines($file) as $line) {
            if (preg_match('~^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$~', $line, $m) !== 1) {
                continue;
            }
            // Markup goes (a link keeps its text); letters, digits, spaces, - and _ stay.
            $text = preg_replace('~[`*]|<[^>]+>|\[([^\]]*)\]\([^)]*\)~u', '$1', $m[1]) ?? $m[1];
            $slug = preg_replace('~[^\p{L}\p{N}\p{Mn} _-]~u', '', strtolower($text)) ?? '';
            $slug = str_replace(' ', '-', $slug);
            $count = $seen[$slug] ?? 0;
            $seen[$slug] = $count + 1;
            $anchors[] = $count === 0 ? $slug : "{$slug}-{$count}";
        }
        return $anchors;
    }

    /**
     * The lines of `$file` outside fenced code blocks, keyed by line number (1-based).
     *
     * @return array<int, string>
     */
    private static function proseLines(string $file): array
    {
        $prose = [];
        $fence = null;
        foreach (self::lines($file) as $number => $line) {
            if (preg_match('/^ {0,3}(`{3,}|~{3,})/', $line, $m) === 1) {
                if ($fence === null) {
                    $fence = $m[1];
                    continue;
                }
                if ($m[1][0] === $fence[0] && strlen($m[1]) >= strlen($fence) && trim(substr(ltrim($line), strlen($m[1]))) === '') {
                    $fence = null;
                    continue;
                }
            }
            if ($fence === null) {
                $prose[$number] = $line;
            }
        }
        return $prose;
    }

    /** @return array<int, string> the lines of `$file`, keyed by line number (1-based) */
    private static function lines(string $file): array
    {
        $text = file_get_contents($file);
        if ($text === false) {
            throw new RuntimeException("cannot read {$file}");
        }
        $lines = explode("\n", str_replace("\r\n", "\n", $text));
        return array_combine(range(1, count($lines)), $lines);
    }
}
