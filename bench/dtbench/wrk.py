"""wrk: load on a URL for some seconds, its summary as JSON (bench/wrk/report.lua), and the
measured window every php-fpm scenario shares (warm-up, then counts around the measurement)."""

import os

from .emulator import stats_delta
from .procs import cpu_seconds, last_json, run
from .settings import BENCH, WRK

GETBYUSERID = "/topapi/workrecord/getbyuserid"


def wrk(url, seconds, body=None, threads=2, connections=8):
    env = dict(os.environ)
    if body is not None:
        env["WRK_BODY"] = body
    else:
        env.pop("WRK_BODY", None)
    argv = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", os.path.join(BENCH, "wrk", "report.lua"), url]
    out, _, _ = run(argv, env=env, timeout=seconds + 60)
    result = last_json(out)
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["p50_ms"] = result["p50_us"] / 1e3
    result["p99_ms"] = result["p99_us"] / 1e3
    result["errors"] = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return result


def measured(url, body, emulator, pids, warmup, seconds, threads, connections, proxy=None):
    """wrk for `warmup` seconds, then for `seconds` with what happened meanwhile: the CPU the
    processes `pids` used per request, the emulator's gettoken and getbyuserid counts and, with a
    delaying proxy in the way, the connections opened through it."""
    wrk(url, warmup, body, threads, connections)
    before, cpu = emulator.stats(), cpu_seconds(pids)
    opened = proxy.connections if proxy else 0
    result = wrk(url, seconds, body, threads, connections)
    cpu = cpu_seconds(pids) - cpu
    delta = stats_delta(before, emulator.stats())
    result["cpu_ms_per_request"] = cpu * 1e3 / max(1, result["requests"])
    result["gettoken"] = delta["gettoken"]
    result["getbyuserid"] = delta["requests"].get(GETBYUSERID, 0)
    if proxy:
        result["connections"] = proxy.connections - opened
    return result


def rotated(items, n):
    n %= len(items)
    return items[n:] + items[:n]
