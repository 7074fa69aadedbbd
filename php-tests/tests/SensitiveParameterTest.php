<?php

declare(strict_types=1);

namespace DingTalk\Tests;

use DingTalk\Tests\Support\Child;
use DingTalk\Tests\Support\TestCase;

/**
 * `$appSecret` is a `#[\SensitiveParameter]` from the start of the process: the very first
 * `new DingTalk\Client` of a fresh process (a new php-fpm worker) that fails, however early,
 * shows no secret in its trace. Each case runs in a fresh child with trace arguments shown
 * (`zend.exception_ignore_args=0`, PHP's default) and not shortened.
 */
final class SensitiveParameterTest extends TestCase
{
    private const INI = [
        'zend.exception_ignore_args' => '0',
        'zend.exception_string_param_max_len' => '1000000',
        'display_errors' => 'stdout',
    ];

    /** @return iterable<string, array{0: string, 1: string}> */
    public static function failingConstructions(): iterable
    {
        // [the arguments after the secret, the class thrown]
        yield 'options not an array' => ['"not an array"', 'TypeError'];
        yield 'options null' => ['null', 'TypeError'];
        yield 'one argument too many' => ['[], "extra"', 'ArgumentCountError'];
        yield 'unknown option' => ['["timeout" => 1, "nope" => 1]', 'ValueError'];
        yield 'option key not UTF-8' => ['["base\xff" => 1]', 'ValueError'];
        yield 'option of the wrong type' => ['["timeout" => "soon"]', 'TypeError'];
        yield 'options nested too deeply' => ['$deep', 'ValueError'];
    }

    private static function script(string $rest): string
    {
        // The secret reaches the constructor from a global: no function of the script itself
        // takes it as an argument.
        return <<<PHP
<?php
\$deep = [];
for (\$i = 0; \$i < 100; \$i++) { \$deep = [\$deep]; }
\$secret = \$argv[1];
if ((\$argv[2] ?? '') === 'uncaught') {
    new DingTalk\\Client('key', \$secret, {$rest});
}
try {
    new DingTalk\\Client('key', \$secret, {$rest});
    echo "nothing thrown\\n";
} catch (Throwable \$e) {
    echo 'CLASS=', get_class(\$e), "\\n";
    echo (string) \$e, "\\n";
    echo \$e->getTraceAsString(), "\\n";
    print_r(\$e->getTrace());
    var_dump(\$e->getTrace()[0]['args'] ?? null);
    echo 'HIDDEN=', var_export((\$e->getTrace()[0]['args'][1] ?? null) instanceof SensitiveParameterValue, true), "\\n";
}
PHP;
    }

    protected function setUp(): void
    {
        parent::setUp();
        if (PHP_VERSION_ID < 80200) {
            $this->markTestSkipped('#[\SensitiveParameter] exists since PHP 8.2');
        }
    }

    private static function secret(): string
    {
        return 'first-secret-' . bin2hex(random_bytes(8));
    }

    /**
     * @dataProvider failingConstructions
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('failingConstructions')]
    public function testTheFirstFailingConstructionHidesTheSecret(string $rest, string $class): void
    {
        $secret = self::secret();
        [$exit, $out, $err] = Child::run(self::script($rest), [$secret], self::INI);
        $this->assertSame(0, $exit, $err . $out);
        $this->assertStringContainsString("CLASS={$class}\n", $out);
        $this->assertStringNotContainsString($secret, $out . $err);
        $this->assertStringContainsString('Object(SensitiveParameterValue)', $out, 'the trace shows the argument replaced');
        $this->assertStringContainsString("HIDDEN=true\n", $out, 'getTrace() holds a SensitiveParameterValue');
    }

    /**
     * @dataProvider failingConstructions
     */
    #[\PHPUnit\Framework\Attributes\DataProvider('failingConstructions')]
    public function testAnUncaughtFirstFailureHidesTheSecret(string $rest, string $class): void
    {
        $secret = self::secret();
        [$exit, $out, $err] = Child::run(self::script($rest), [$secret, 'uncaught'], self::INI);
        $this->assertSame(255, $exit, $err . $out);
        $this->assertStringContainsString("Uncaught {$class}", $out . $err);
        $this->assertStringNotContainsString($secret, $out . $err);
        $this->assertStringContainsString('Object(SensitiveParameterValue)', $out . $err);
    }
}
