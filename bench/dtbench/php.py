"""How a contender is started: PHP's explicit ini (nothing from Debian's conf.d), the command
of a CLI contender and its DT_* settings."""

import functools
import os

from .procs import run
from .settings import BENCH, EXT, FLOOR, KEY, PHP, SECRET


@functools.cache
def extension_dir():
    out, _, _ = run([PHP, "-n", "-r", "echo ini_get('extension_dir');"])
    return out.strip()


def php_ini(contender, fpm):
    """The explicit ini of a PHP contender: nothing from Debian's conf.d."""
    ext_dir = extension_dir()
    args = ["-n", "-d", "memory_limit=512M"]
    if fpm:
        # Every web contender gets opcache, as any production php-fpm has.
        args += ["-d", f"zend_extension={ext_dir}/opcache.so", "-d", "opcache.enable=1",
                 "-d", "opcache.memory_consumption=64"]
    if contender == "extension":
        args += ["-d", f"extension={EXT}"]
    elif contender == "guzzle":
        args += ["-d", "extension=curl"]
        if fpm:
            args += ["-d", "extension=apcu", "-d", "apc.enabled=1"]
    return args


def cli_argv(contender):
    if contender == "floor":
        return [FLOOR]
    return [PHP] + php_ini(contender, fpm=False) + [os.path.join(BENCH, "cli", f"{contender}.php")]


def cli_env(emulator, user, base_url=None, **extra):
    """The environment of a CLI contender; `base_url` when it must reach the emulator another
    way (through the delaying proxy)."""
    env = dict(os.environ)
    env.update({"DT_BASE_URL": base_url or emulator.url, "DT_KEY": KEY, "DT_SECRET": SECRET, "DT_USER": user,
                "DT_CA_FILE": emulator.cert or ""})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def fpm_params(emulator, user, limit, base_url=None):
    """The fastcgi_params of a web contender (the same DT_* names)."""
    return {"DT_BASE_URL": base_url or emulator.url, "DT_KEY": KEY, "DT_SECRET": SECRET, "DT_USER": user,
            "DT_CA_FILE": emulator.cert or "", "DT_LIMIT": str(limit)}
