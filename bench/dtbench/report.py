"""results.md: the header (machine, versions, method), the targets, and each scenario's section,
from the figures of a run (also from bench/out/results.json again: `run.py --report`)."""

import json
import os

from .fmt import med
from .scenarios import bulk, cli, cold, fanout, latency, memory, stream, web
from .settings import BENCH, OUT, Settings


def targets(res, s, mem_cost, mem_growth):
    rows = []
    if "cli" in res:
        per = res["cli"]["http"]
        ext, guz, floor = (med(per[c], "rate") for c in ("extension", "guzzle", "floor"))
        rows.append(("CLI loop (HTTP): extension ≥ 3× Guzzle's calls/s", f"{ext / guz:.2f}×", ext / guz >= 3))
        rows.append(("CLI loop (HTTP): extension within 1.2× of the floor", f"floor ÷ extension = {floor / ext:.2f}×",
                     floor / ext <= 1.2))
    if "web" in res:
        per = res["web"]["https"]
        ext, guz = med(per["extension"], "rate"), med(per["guzzle"], "rate")
        rows.append(("php-fpm over HTTPS: extension ≥ 5× Guzzle's requests/s", f"{ext / guz:.2f}×", ext / guz >= 5))
    if mem_cost is not None:
        rows.append(("extension RSS cost per php-fpm worker ≤ 8 MiB", f"{mem_cost:.1f} MiB", mem_cost <= 8))
        rows.append((f"RSS growth over {s.CLI_MEMORY_CALLS[1] - s.CLI_MEMORY_CALLS[0]:,} further calls < 1 MiB",
                     f"{mem_growth:.2f} MiB", mem_growth < 1))
    if "bulk" in res:
        limited = [r for k, rs in res["bulk"]["runs"]["limited"].items() if k.startswith("extension/") for r in rs]
        if limited:
            throttled = sum(r["throttled"] for r in limited)
            rows.append(("bulk at DingTalk's limit with `rate_limit` = the limit: no throttled answer",
                         f"{throttled:,} in {len(limited)} runs", throttled == 0))
    if "fanout" in res:
        shared = res["fanout"]["runs"].get("shared", [])
        if shared:
            lost = sum(r["lost"] + r["throttled"] for r in shared)
            rows.append(("webhook fan-out from php-fpm workers sharing a robot: no alert lost, no 130101",
                         f"{lost} in {len(shared)} runs", lost == 0))
    lines = ["| target | measured | met? |", "|---|---:|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in rows]
    return "\n".join(lines)


def report(res, info, s):
    v = info
    out = [
        "# Benchmarks: results",
        "",
        f"Written by `make bench` (bench/run.sh) on {v['date']}{' — QUICK smoke run, figures not meaningful' if s.QUICK else ''}. "
        "How to reproduce and what each contender and scenario is: [README.md](README.md).",
        "",
        f"**Machine**: {v['cores']} cores, {v['cpu']}, {v['memory_gib']} GiB, Linux {v['kernel']}; "
        f"load average at start {v['loadavg_start'][0]:.2f}, at end {v['loadavg_end'][0]:.2f} "
        "(wrk, nginx, php-fpm, the emulator and the contender all share these cores).",
        "",
        f"**Versions**: PHP {v['php']} (php-fpm {v['php_fpm']}), extension dingtalk {v['extension']} "
        f"(commit {v['commit']}), Guzzle {v['guzzle']} (Debian php-guzzlehttp-guzzle) on curl {v['curl']}, "
        f"PHP streams on {v['php_openssl']}, APCu {v['apcu']}, {v['rustc']}, reqwest {v['reqwest']} / rustls {v['rustls']} "
        f"(extension and floor), nginx {v['nginx']}, wrk {v['wrk']}, {v['emulator']}.",
        "",
        f"**Method**: {s.ROUNDS} round(s), contenders alternated (the order rotates every round); each figure is the "
        f"median over rounds. Web: wrk -t{s.WRK_THREADS} -c{s.WRK_CONNECTIONS}, {s.WEB_SECONDS:g} s after "
        f"{s.WARMUP_SECONDS:g} s of warm-up, nginx + php-fpm (static pool of {s.FPM_WORKERS}, opcache on) over a unix "
        f"socket, each web request one getbyuserid of {s.WEB_LIMIT} records. CLI loop: add for {s.CLI_SECONDS:g} s, then "
        "as many getbyuserid (50 records) for at most as long. Every answer is checked (see README).",
        "",
    ]
    if "web" in res:
        out += ["## Headline: php-fpm, one DingTalk call per web request, over HTTPS", "",
                web.table(res["web"]["https"]), "", web.CPU_NOTE, ""]
    out += ["## Targets", ""]
    mem_text, cost, growth = (memory.section(res["memory"], s) if "memory" in res else ("", None, None))
    out += [targets(res, s, cost, growth), ""]
    notes = os.path.join(BENCH, "results-notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            out += [f.read().strip(), ""]
    if "latency" in res:
        table, text = latency.section(res["latency"])
        out += [f"## php-fpm over HTTPS with a {res['latency']['rtt_ms']:g} ms round trip to the emulator", "",
                f"The same web requests (one getbyuserid of {s.WEB_LIMIT} records each), with a delaying proxy between "
                f"the contenders and the emulator; php-fpm pools of {s.LATENCY_WORKERS} workers (the floor: "
                f"{s.LATENCY_WORKERS} threads), wrk -t{min(2, s.LATENCY_WORKERS)} -c{s.LATENCY_WORKERS}: each request "
                "finds a free worker, so the latency is the request's own.", "",
                table, "", text, ""]
    if "bulk" in res:
        table, text = bulk.section(res["bulk"], s)
        out += [f"## Bulk: {res['bulk']['records']:,} work records, {res['bulk']['rtt_ms']:g} ms round trip, with and "
                f"without DingTalk's rate limit", "", table, "", text, ""]
    if "fanout" in res:
        table, text = fanout.section(res["fanout"])
        out += [f"## Webhook fan-out: {res['fanout']['alerts']} alerts from php-fpm workers to one group robot", "",
                table, "", text, ""]
    if "stream" in res:
        table, text = stream.section(res["stream"])
        out += ["## Stream consumption: bot messages handled by one worker, against DingTalk's official SDKs", "",
                table, "", text, ""]
    if "web" in res:
        out += ["## php-fpm over HTTP", "", web.table(res["web"]["http"]), "", web.CPU_NOTE, ""]
    if "cli" in res:
        for transport in ("http", "https"):
            out += [f"## CLI loop over {transport.upper()} (one process: N adds, then N getbyuserid)", "",
                    cli.table(res["cli"][transport]), ""]
    if "cold" in res:
        out += ["## Cold start (first call in a fresh process, client set-up and PHP start included)", "",
                cold.table(res["cold"]), "",
                "\"first call\" is measured inside the process from its first line to the answer; \"whole process\" "
                "from spawn to exit as seen by the runner. gettoken calls are counted by the emulator.", ""]
    if "memory" in res:
        out += ["## Memory", "", mem_text, ""]
    return "\n".join(out)


def rerender():
    """`run.py --report`: writes bench/results.md again from the last full run's raw figures
    (bench/out/results.json), e.g. after bench/results-notes.md changed."""
    with open(os.path.join(OUT, "results.json")) as f:
        saved = json.load(f)
    settings = Settings.from_saved(saved["info"]["settings"])
    with open(os.path.join(BENCH, "results.md"), "w") as f:
        f.write(report(saved["results"], saved["info"], settings) + "\n")
