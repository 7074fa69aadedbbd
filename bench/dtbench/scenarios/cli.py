"""CLI loop: one process makes N adds, then N pages of 50, over HTTP and HTTPS."""

from ..emulator import stats_delta
from ..fmt import med, ms, ratio
from ..php import cli_argv, cli_env
from ..procs import last_json, run as run_command
from ..settings import CLI_MAX_CALLS, CONTENDERS, LABELS, log
from ..wrk import rotated


def run(ctx):
    s, emulators = ctx.s, ctx.emulators
    results = {t: {} for t in emulators}
    runs = [(t, c) for t in emulators for c in CONTENDERS]
    for rnd in range(s.ROUNDS):
        for transport, c in rotated(runs, rnd * 3):
            emulator = emulators[transport]
            user = f"cli-{c}-{transport}-{rnd}"
            before = emulator.stats()
            out, _, _ = run_command(cli_argv(c), env=cli_env(emulator, user, DT_MODE="loop", DT_MAX_CALLS=CLI_MAX_CALLS,
                                                               DT_MAX_SECONDS=s.CLI_SECONDS),
                                    timeout=s.CLI_SECONDS * 2 + 120)
            result = last_json(out)
            delta = stats_delta(before, emulator.stats())
            adds = result["ops"]["add"]["calls"]
            stored = len(emulator.records(user))
            result["gettoken"] = delta["gettoken"]
            result["ok"] = (stored == adds == delta["requests"].get("/topapi/workrecord/add", 0)
                            and delta["requests"].get("/topapi/workrecord/getbyuserid", 0) == result["ops"]["list"]["calls"])
            results[transport].setdefault(c, []).append(result)
            log(f"cli {transport:5} round {rnd + 1}/{s.ROUNDS} {c:9} {result['rate']:8.0f} calls/s "
                f"(add {result['ops']['add']['rate']:.0f}/s, list {result['ops']['list']['rate']:.0f}/s) "
                f"p50 {result['p50_ms']:.3f} ms p99 {result['p99_ms']:.3f} ms{'' if result['ok'] else '  FAILED CHECK'}")
    return results


def table(per):
    ext = med(per["extension"], "rate")
    lines = ["| contender | calls/s | p50 ms | p99 ms | extension ÷ this | add/s | add p50 ms | getbyuserid/s | getbyuserid p50 ms | calls per round | checks |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in CONTENDERS:
        rs = per[c]
        add = [r["ops"]["add"] for r in rs]
        lst = [r["ops"]["list"] for r in rs]
        rel = "1.00×" if c == "extension" else ratio(ext, med(rs, "rate"))
        lines.append(f"| {LABELS[c]} | {med(rs, 'rate'):,.0f} | {ms(med(rs, 'p50_ms'))} | {ms(med(rs, 'p99_ms'))} | {rel} | "
                     f"{med(add, 'rate'):,.0f} | {ms(med(add, 'p50_ms'))} | {med(lst, 'rate'):,.0f} | {ms(med(lst, 'p50_ms'))} | "
                     f"{med(rs, 'calls'):,.0f} | {'ok' if all(r['ok'] for r in rs) else '**FAILED**'} |")
    return "\n".join(lines)
