<?php

declare(strict_types=1);

/*
 * Prints the public API of the `DingTalk` namespace as JSON, through Reflection.
 *
 *   php -n -d extension=libdingtalk.so api-dump.php extension   the loaded extension
 *   php -n api-dump.php stub path/to/dingtalk.stub.php          the classes a stub file declares
 *
 * StubTest runs both and compares the two dumps. Run without the extension for a stub, so that
 * the stub's declarations do not clash with the extension's classes.
 */

function dingtalk_dump_type(?ReflectionType $type): ?string
{
    return $type === null ? null : (string) $type;
}

function dingtalk_dump_parameter(ReflectionParameter $p): array
{
    $default = null;
    $hasDefault = $p->isDefaultValueAvailable();
    if ($hasDefault) {
        try {
            $default = var_export($p->getDefaultValue(), true);
        } catch (Throwable $e) {
            $default = 'unavailable: ' . $e->getMessage();
        }
    }
    return [
        'name' => $p->getName(),
        'type' => dingtalk_dump_type($p->getType()),
        'optional' => $p->isOptional(),
        'default' => $default,
        'variadic' => $p->isVariadic(),
        'by_reference' => $p->isPassedByReference(),
        'promoted' => $p->isPromoted(),
    ];
}

function dingtalk_dump_method(ReflectionMethod $m): array
{
    return [
        'visibility' => $m->isPublic() ? 'public' : ($m->isProtected() ? 'protected' : 'private'),
        'static' => $m->isStatic(),
        'final' => $m->isFinal(),
        'abstract' => $m->isAbstract(),
        'return_type' => dingtalk_dump_type($m->getReturnType()),
        'returns_reference' => $m->returnsReference(),
        'required_parameters' => $m->getNumberOfRequiredParameters(),
        'parameters' => array_map('dingtalk_dump_parameter', $m->getParameters()),
    ];
}

function dingtalk_dump_class(ReflectionClass $c): array
{
    $constants = [];
    foreach ($c->getReflectionConstants() as $constant) {
        if ($constant->getDeclaringClass()->getName() !== $c->getName()) {
            continue;
        }
        $constants[$constant->getName()] = [
            'value' => var_export($constant->getValue(), true),
            'visibility' => $constant->isPublic() ? 'public' : ($constant->isProtected() ? 'protected' : 'private'),
            'final' => method_exists($constant, 'isFinal') ? $constant->isFinal() : false,
        ];
    }
    ksort($constants);
    $methods = [];
    foreach ($c->getMethods() as $method) {
        // Methods inherited from \Exception and the like are the parent's business.
        if ($method->getDeclaringClass()->getName() === $c->getName()) {
            $methods[$method->getName()] = dingtalk_dump_method($method);
        }
    }
    ksort($methods);
    $properties = [];
    foreach ($c->getProperties(ReflectionProperty::IS_PUBLIC) as $property) {
        if ($property->getDeclaringClass()->getName() === $c->getName()) {
            $properties[$property->getName()] = [
                'type' => dingtalk_dump_type($property->getType()),
                'static' => $property->isStatic(),
                'readonly' => $property->isReadOnly(),
            ];
        }
    }
    ksort($properties);
    $interfaces = $c->getInterfaceNames();
    sort($interfaces);
    $parent = $c->getParentClass();
    return [
        'kind' => $c->isInterface() ? 'interface' : ($c->isTrait() ? 'trait' : ($c->isEnum() ? 'enum' : 'class')),
        'parent' => $parent === false ? null : $parent->getName(),
        'interfaces' => $interfaces,
        'abstract' => $c->isAbstract(),
        'final' => $c->isFinal(),
        'readonly' => method_exists($c, 'isReadOnly') ? $c->isReadOnly() : false,
        'constants' => $constants,
        'public_properties' => $properties,
        'methods' => $methods,
    ];
}

/** @param list<string> $classes */
function dingtalk_dump(array $classes, array $functions, array $constants): array
{
    $dump = ['classes' => [], 'functions' => [], 'constants' => $constants];
    foreach ($classes as $name) {
        $dump['classes'][$name] = dingtalk_dump_class(new ReflectionClass($name));
    }
    ksort($dump['classes']);
    foreach ($functions as $name) {
        $f = new ReflectionFunction($name);
        $dump['functions'][$f->getName()] = [
            'return_type' => dingtalk_dump_type($f->getReturnType()),
            'parameters' => array_map('dingtalk_dump_parameter', $f->getParameters()),
        ];
    }
    ksort($dump['functions']);
    ksort($dump['constants']);
    return $dump;
}

function dingtalk_all_symbols(): array
{
    return [
        array_merge(get_declared_classes(), get_declared_interfaces(), get_declared_traits()),
        get_defined_functions()['user'],
        get_defined_constants(true)['user'] ?? [],
    ];
}

$mode = $argv[1] ?? '';
if ($mode === 'extension') {
    if (!extension_loaded('dingtalk')) {
        fwrite(STDERR, "the dingtalk extension is not loaded\n");
        exit(2);
    }
    $ext = new ReflectionExtension('dingtalk');
    $constants = array_map(static fn ($v) => var_export($v, true), $ext->getConstants());
    $dump = dingtalk_dump($ext->getClassNames(), array_keys($ext->getFunctions()), $constants);
} elseif ($mode === 'stub' && isset($argv[2])) {
    if (extension_loaded('dingtalk')) {
        fwrite(STDERR, "run the stub dump without the extension (php -n)\n");
        exit(2);
    }
    [$classes, $functions, $constants] = dingtalk_all_symbols();
    require $argv[2];
    [$classesAfter, $functionsAfter, $constantsAfter] = dingtalk_all_symbols();
    $dump = dingtalk_dump(
        array_values(array_diff($classesAfter, $classes)),
        array_values(array_diff($functionsAfter, $functions)),
        array_map(static fn ($v) => var_export($v, true), array_diff_key($constantsAfter, $constants))
    );
} else {
    fwrite(STDERR, "usage: api-dump.php extension | stub FILE\n");
    exit(2);
}
echo json_encode($dump, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
