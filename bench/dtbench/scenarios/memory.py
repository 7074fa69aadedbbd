"""Memory: RSS of a php-fpm worker after N calls, with and without the extension; RSS growth of
one CLI process with the extension."""

import http.client
import os
import time

from ..fpm import Fpm
from ..nginx import Nginx, fastcgi_location
from ..php import cli_argv, cli_env, fpm_params
from ..procs import last_json, rss_kib, run as run_command
from ..settings import BENCH, LABELS, MEMORY_MAX_SECONDS, PHP_CONTENDERS, log


def run(ctx):
    s, emulator = ctx.s, ctx.emulators["http"]
    results = {"fpm": {}, "cli": None}
    emulator.add_records("mem-user", s.WEB_LIMIT * 2)
    params = fpm_params(emulator, "mem-user", s.WEB_LIMIT)
    mem_dir = os.path.join(ctx.tmp, "memory")
    os.makedirs(mem_dir, exist_ok=True)
    for c in PHP_CONTENDERS:
        fpm = Fpm(mem_dir, f"mem-{c}", c, workers=1)
        nginx = Nginx(mem_dir, [fastcgi_location("/call", fpm.sock, os.path.join(BENCH, "web", f"{c}.php"), params)])
        (worker,) = fpm.workers()
        idle = rss_kib(worker)
        conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=30)
        started, done = time.monotonic(), 0
        while done < s.FPM_MEMORY_CALLS and time.monotonic() - started < MEMORY_MAX_SECONDS:
            conn.request("GET", "/call")
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"memory {c}: HTTP {response.status}: {body[:300]!r}")
            done += 1
        conn.close()
        after = rss_kib(worker)
        results["fpm"][c] = {"idle_kib": idle, "after_kib": after, "calls": done,
                             "seconds": time.monotonic() - started}
        log(f"memory fpm {c:9} worker RSS fresh {idle / 1024:.1f} MiB, after {done} calls {after / 1024:.1f} MiB")
        nginx.stop()
        fpm.stop()

    first, last = s.CLI_MEMORY_CALLS
    checkpoints = sorted({first // 10, first, (first + last) // 4, (first + last) // 2, last})
    out, _, _ = run_command(cli_argv("extension"),
                            env=cli_env(emulator, "mem-cli", DT_MODE="memory", DT_MAX_CALLS=last,
                                        DT_MAX_SECONDS=MEMORY_MAX_SECONDS,
                                        DT_CHECKPOINTS=",".join(map(str, checkpoints))),
                            timeout=MEMORY_MAX_SECONDS + 60)
    results["cli"] = last_json(out)
    results["cli"]["first"], results["cli"]["last"] = first, last
    rss = results["cli"]["rss_kib"]
    log(f"memory cli extension RSS at {first}: {rss.get(str(first), 0) / 1024:.2f} MiB, "
        f"at {results['cli']['calls']}: {rss.get(str(last), 0) / 1024:.2f} MiB")
    return results


def section(mem, s):
    """The section's text, the extension's cost per worker and the CLI process's growth (MiB)."""
    fpm = mem["fpm"]
    lines = [f"php-fpm worker (static pool of 1, opcache on), VmRSS fresh and after {s.FPM_MEMORY_CALLS:,} web requests "
             "(one getbyuserid each, over HTTP):", "",
             "| worker | extension loaded | fresh MiB | after MiB |", "|---|---|---:|---:|"]
    for c in PHP_CONTENDERS:
        r = fpm[c]
        lines.append(f"| {LABELS[c]} | {'yes' if c == 'extension' else 'no'} | {r['idle_kib'] / 1024:.1f} | "
                     f"{r['after_kib'] / 1024:.1f} |")
    cost = (fpm["extension"]["after_kib"] - fpm["seed"]["after_kib"]) / 1024
    load = (fpm["extension"]["idle_kib"] - fpm["seed"]["idle_kib"]) / 1024
    cli = mem["cli"]
    rss = {int(k): v for k, v in cli["rss_kib"].items()}
    lines += ["", f"Extension cost per worker: **{cost:.1f} MiB** after {s.FPM_MEMORY_CALLS:,} calls (extension worker "
              f"minus the seed-style worker, which makes the same call with PHP's built-in streams); "
              f"{load:.1f} MiB when fresh (loading the extension alone).", "",
              "One CLI process with the extension, alternating add and a 10-record getbyuserid, VmRSS by call count:", "",
              "| calls | " + " | ".join(f"{k:,}" for k in sorted(rss)) + " |",
              "|---|" + "---:|" * len(rss),
              "| VmRSS MiB | " + " | ".join(f"{rss[k] / 1024:.2f}" for k in sorted(rss)) + " |"]
    growth = (rss.get(cli["last"], 0) - rss.get(cli["first"], 0)) / 1024
    lines += ["", f"Growth from {cli['first']:,} to {cli['last']:,} calls: **{growth:.2f} MiB** "
              f"({cli['calls']:,} calls in {cli['seconds']:.1f} s)."]
    return "\n".join(lines), cost, growth
