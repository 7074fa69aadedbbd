"""Bulk: BULK_RECORDS work records to as many users over HTTPS and a round trip of RTT_MS, to an
emulator without a rate limit and to one with `--qps-limit BULK_QPS_LIMIT` (DingTalk's 20 calls
per second per app and API).

Contenders, each a fresh CLI process: the extension's WorkRecord::createMany at every
BULK_CONCURRENCY, a sequential PHP loop of create() with the extension, and Guzzle's concurrent
pool (GuzzleHttp\\Pool) at the same concurrencies. Against the limited emulator the extension
gets `rate_limit` = the limit (the client side of it, for every call of the process); Guzzle has
no such thing and gets what DingTalk's documentation prescribes instead: a throttled answer
(errcode 90018) is sent again a second later.

Measured: the time to all-done (first call to last answer, inside the process), the throttled
answers the emulator gave meanwhile, and whether every record was created exactly once (the
emulator's /_emulator/records for each user).
"""

from statistics import median

from ..emulator import Emulator, stats_delta
from ..fmt import ms
from ..php import cli_argv, cli_env
from ..procs import last_json, run as run_command
from ..settings import BULK_MAX_SECONDS, log
from ..wrk import rotated

ADD = "/topapi/workrecord/add"
HOW = {
    ("extension", "concurrent"): "extension, WorkRecord::createMany",
    ("extension", "loop"): "extension, a PHP loop of create()",
    ("guzzle", "concurrent"): "Guzzle, GuzzleHttp\\Pool",
}


def senders(s):
    """(contender, style, concurrency) of every run, in the order of the table."""
    return ([("extension", "concurrent", n) for n in s.BULK_CONCURRENCY] + [("extension", "loop", 1)]
            + [("guzzle", "concurrent", n) for n in s.BULK_CONCURRENCY])


def run(ctx):
    s = ctx.s
    limited = Emulator(ctx.tmp, tls=True, name="https-qps-limit", args=["--qps-limit", str(s.BULK_QPS_LIMIT)])
    cases = {"unlimited": ctx.emulators["https"], "limited": limited}
    results = {case: {} for case in cases}
    for rnd in range(s.BULK_ROUNDS):
        for case, emulator in cases.items():
            base, proxy = ctx.delayed(emulator)
            for contender, style, concurrency in rotated(senders(s), rnd):
                prefix = f"bulk-{case}-{contender}-{style}-{concurrency}-{rnd}"
                rate_limit = s.BULK_QPS_LIMIT if case == "limited" and contender == "extension" else ""
                before, opened = emulator.stats(), proxy.connections
                out, _, _ = run_command(
                    cli_argv(contender),
                    env=cli_env(emulator, prefix, base_url=base, DT_MODE="bulk", DT_BULK=style,
                                DT_CONCURRENCY=concurrency, DT_BULK_RECORDS=s.BULK_RECORDS, DT_RATE_LIMIT=rate_limit,
                                DT_MAX_SECONDS=BULK_MAX_SECONDS),
                    timeout=BULK_MAX_SECONDS + 60)
                result = last_json(out)
                delta = stats_delta(before, emulator.stats())
                counts = emulator.record_counts(f"{prefix}-{i:04d}" for i in range(s.BULK_RECORDS))
                result.update({
                    "throttled": delta["throttled"],
                    "adds_sent": delta["requests"].get(ADD, 0),
                    "gettoken": delta["gettoken"],
                    "connections": proxy.connections - opened,
                    "stored_once": sum(1 for n in counts.values() if n == 1),
                    "stored_twice_or_more": sum(1 for n in counts.values() if n > 1),
                    "missing": sum(1 for n in counts.values() if n == 0),
                    "rate_limit": rate_limit or None,
                })
                result["ok"] = (result["created"] == result["distinct_ids"] == result["stored_once"] == s.BULK_RECORDS)
                results[case].setdefault(key(contender, style, concurrency), []).append(result)
                log(f"bulk {case:9} round {rnd + 1}/{s.BULK_ROUNDS} {contender:9} {style:10} ×{concurrency:<2} "
                    f"{result['seconds']:7.2f} s, {result['created']}/{s.BULK_RECORDS} created, "
                    f"{result['throttled']} throttled, {result['stored_once']} stored once"
                    f"{'' if result['ok'] else '  FAILED CHECK: ' + str(result['errors'])}")
    limited.stop()
    return {"rtt_ms": s.RTT_MS, "records": s.BULK_RECORDS, "qps_limit": s.BULK_QPS_LIMIT, "runs": results}


def key(contender, style, concurrency):
    return f"{contender}/{style}/{concurrency}"


def section(bulk, s):
    n, limit, rtt = bulk["records"], bulk["qps_limit"], bulk["rtt_ms"]
    runs = bulk["runs"]
    lines = [f"| how | concurrency | no limit: all done s | records/s | limit {limit}/s: all done s | records/s "
             "| throttled answers | requests sent | created exactly once | checks |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for contender, style, concurrency in senders(s):
        free = runs["unlimited"].get(key(contender, style, concurrency))
        capped = runs["limited"].get(key(contender, style, concurrency))
        if not free or not capped:
            continue
        free_s, capped_s = median(r["seconds"] for r in free), median(r["seconds"] for r in capped)
        throttled = median(r["throttled"] for r in capped)
        sent = median(r["adds_sent"] for r in capped)
        once = min(r["stored_once"] for r in free + capped)
        problems = [f"{r['records'] - r['created']} failed, {r['stored_twice_or_more']} twice, {r['missing']} missing "
                    f"({', '.join(r['errors']) or 'no error'})" for r in free + capped if not r["ok"]]
        lines.append(f"| {HOW[(contender, style)]} | {concurrency} | {ms(free_s)} | {n / free_s:,.0f} | {ms(capped_s)} | "
                     f"{n / capped_s:,.1f} | {throttled:,.0f} | {sent:,.0f} | {once:,} of {n:,} | "
                     f"{'ok' if not problems else '**FAILED**: ' + '; '.join(problems)} |")
    notes = (f"{n:,} work records to {n:,} users, HTTPS, {rtt:g} ms round trip (the delaying proxy), each run a fresh "
             f"CLI process; \"all done\" runs from the first call to the last answer (token fetch and connections "
             f"included). Lower bounds: with no limit, {n:,} round trips ÷ concurrency ({ms(n * rtt / 1000)} s at 1, "
             f"{ms(n * rtt / 1000 / 16)} s at 16); with the limit, {n:,} ÷ {limit}/s = {n / limit:g} s whatever the "
             "concurrency, less up to a second (the emulator counts calls in fixed one-second windows, so the first "
             "and the last may be only partly used). The extension runs with `rate_limit` = "
             f"{limit} against the limited emulator, which spaces "
             "calls 5 % wider than the limit needs; Guzzle, which has no client-side limit, sends a throttled record "
             "again after 1 s (DingTalk's advice for 90018), up to 30 times. \"throttled answers\" are counted by "
             "the emulator (90018 answers); \"requests sent\" are the adds it received, throttled ones included; "
             "\"created exactly once\" counts the users holding exactly one record afterwards.")
    return "\n".join(lines), notes
