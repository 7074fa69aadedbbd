"""Cold start: the first call of a fresh process, its time and the token fetches it causes."""

import statistics

from ..emulator import stats_delta
from ..fmt import med, ms
from ..php import cli_argv, cli_env
from ..procs import last_json, run as run_command
from ..settings import CONTENDERS, LABELS, log
from ..wrk import rotated


def run(ctx):
    results = {t: {} for t in ctx.emulators}
    for n in range(ctx.s.COLD_RUNS):
        for transport, emulator in ctx.emulators.items():
            for c in rotated(CONTENDERS, n):
                before = emulator.stats()
                out, _, wall = run_command(cli_argv(c), env=cli_env(emulator, f"cold-{c}", DT_MODE="cold"), timeout=60)
                result = last_json(out)
                result["process_ms"] = wall * 1e3
                result["gettoken"] = stats_delta(before, emulator.stats())["gettoken"]
                results[transport].setdefault(c, []).append(result)
    for transport, per in results.items():
        for c, rs in per.items():
            log(f"cold {transport:5} {c:9} first call {statistics.median(r['first_call_ms'] for r in rs):7.2f} ms, "
                f"process {statistics.median(r['process_ms'] for r in rs):7.2f} ms, gettoken {rs[0]['gettoken']}")
    return results


def table(results):
    lines = ["| contender | HTTP: first call ms | HTTP: whole process ms | HTTPS: first call ms | HTTPS: whole process ms | gettoken calls per process |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in CONTENDERS:
        h, s = results["http"][c], results["https"][c]
        tokens = sorted({r["gettoken"] for r in h + s})
        lines.append(f"| {LABELS[c]} | {ms(med(h, 'first_call_ms'))} | {ms(med(h, 'process_ms'))} | "
                     f"{ms(med(s, 'first_call_ms'))} | {ms(med(s, 'process_ms'))} | {', '.join(map(str, tokens))} |")
    return "\n".join(lines)
