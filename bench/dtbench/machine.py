"""The machine and the versions of everything measured, for the report's header."""

import datetime
import os
import platform
import re
import subprocess

from .settings import EMULATOR, EXT, NGINX, PHP, PHP_FPM, ROOT, WRK


def capture(argv, pattern=None):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"? ({e})"
    text = (proc.stdout + proc.stderr).strip()
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else text.splitlines()[0] if text else "?"
    return text.splitlines()[0] if text else "?"


def lock_version(name):
    with open(os.path.join(ROOT, "Cargo.lock")) as f:
        m = re.search(r'name = "' + re.escape(name) + r'"\nversion = "([^"]+)"', f.read())
    return m.group(1) if m else "?"


def machine_and_versions():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))

    def php_r(ini, code):
        return capture([PHP, "-n"] + ini + ["-r", code])

    curl = php_r(["-d", "extension=curl"], 'echo curl_version()["version"], " (", curl_version()["ssl_version"], ")";')
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem / 1024 / 1024, 1),
        "kernel": platform.release(),
        "loadavg_start": os.getloadavg(),
        "php": php_r([], "echo PHP_VERSION;"),
        "extension": php_r(["-d", f"extension={EXT}"], 'echo phpversion("dingtalk");'),
        "guzzle": capture(["dpkg-query", "-W", "-f=${Version}", "php-guzzlehttp-guzzle"]),
        "curl": curl,
        "php_openssl": php_r([], "echo OPENSSL_VERSION_TEXT;"),
        "apcu": php_r(["-d", "extension=apcu"], 'echo phpversion("apcu");'),
        "rustc": capture(["rustc", "-V"]),
        "reqwest": lock_version("reqwest"),
        "rustls": lock_version("rustls"),
        "nginx": capture([NGINX, "-v"], r"nginx/(\S+)"),
        "php_fpm": capture([PHP_FPM, "-v"], r"PHP (\S+ \(fpm-fcgi\))"),
        "wrk": capture([WRK, "-v"], r"wrk (\S+)"),
        "emulator": capture([EMULATOR, "-V"]),
        "commit": capture(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
        "python": platform.python_version(),
    }
