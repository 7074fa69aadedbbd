"""php-fpm, one DingTalk call per web request (the headline): nginx + a php-fpm pool per
contender, the floor as a server behind the same nginx, load from wrk, over HTTP and HTTPS."""

import json
import os

from ..fmt import med, ms, ratio
from ..fpm import Fpm
from ..nginx import Nginx, fastcgi_location, proxy_location
from ..floor import FloorServer
from ..php import fpm_params
from ..settings import BENCH, CONTENDERS, LABELS, PHP_CONTENDERS, WEB_USER, log
from ..wrk import GETBYUSERID, measured, rotated

CPU_NOTE = ("CPU ms per request: user + system CPU time of the php-fpm workers (for the floor its server "
            "process, for the loopback row the emulator), all threads, divided by the requests answered. "
            "gettoken calls: counted by the emulator over the measured window (requests in flight at its "
            "edges make the seed style's count differ slightly from its requests).")


def run(ctx):
    s, emulators = ctx.s, ctx.emulators
    log("web: starting php-fpm pools, the floor server and nginx")
    for emulator in emulators.values():
        emulator.add_records(WEB_USER, s.WEB_LIMIT * 2)
    fpms = {c: Fpm(ctx.tmp, c, c, s.FPM_WORKERS) for c in PHP_CONTENDERS}
    fpms["empty"] = Fpm(ctx.tmp, "empty", "seed", s.FPM_WORKERS)
    floor = FloorServer(ctx.tmp, "floor", emulators["http"].url, emulators["https"].url, emulators["https"].cert,
                        WEB_USER, s.WEB_LIMIT, s.FPM_WORKERS)

    locations = []
    for transport, emulator in emulators.items():
        params = fpm_params(emulator, WEB_USER, s.WEB_LIMIT)
        for c in PHP_CONTENDERS:
            locations.append(fastcgi_location(f"/{c}/{transport}", fpms[c].sock,
                                              os.path.join(BENCH, "web", f"{c}.php"), params))
        locations.append(proxy_location(f"/floor/{transport}", floor.sock, f"/{transport}"))
    locations.append(fastcgi_location("/empty/http", fpms["empty"].sock, os.path.join(BENCH, "web", "empty.php"), {}))
    nginx = Nginx(ctx.tmp, locations)

    for transport in emulators:
        for c in CONTENDERS:
            status, body = nginx.get(f"/{c}/{transport}")
            if status != 200:
                raise RuntimeError(f"web {c} over {transport}: HTTP {status}: {body[:500]}")

    results = {t: {} for t in emulators}
    runs = [(t, c) for t in emulators for c in CONTENDERS + ["loopback"]] + [("http", "empty")]
    for rnd in range(s.ROUNDS):
        for transport, c in rotated(runs, rnd * 3):
            emulator = emulators[transport]
            if c == "loopback":
                url = f"{emulator.url}{GETBYUSERID}?access_token={emulator.token}"
                body = json.dumps({"userid": WEB_USER, "offset": 0, "limit": s.WEB_LIMIT, "status": 0})
            else:
                url, body = nginx.url(f"/{c}/{transport}"), None
            pids = ([emulator.proc.pid] if c == "loopback" else [floor.pid] if c == "floor"
                    else fpms[c].workers())
            result = measured(url, body, emulator, pids, s.WARMUP_SECONDS, s.WEB_SECONDS,
                              s.WRK_THREADS, s.WRK_CONNECTIONS)
            # Every 200 must stand for a real call (wrk may count a few in flight at the end).
            result["ok"] = result["errors"] == 0 and (c == "empty" or result["getbyuserid"] >= result["requests"])
            results[transport].setdefault(c, []).append(result)
            log(f"web {transport:5} round {rnd + 1}/{s.ROUNDS} {c:9} {result['rate']:9.0f} req/s "
                f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms gettoken {result['gettoken']}"
                f"{'' if result['ok'] else '  FAILED CHECK'}")
    nginx.stop()
    floor.stop()
    for fpm in fpms.values():
        fpm.stop()
    return results


def table(per):
    ext = med(per["extension"], "rate")
    lines = ["| contender | requests/s | p50 ms | p99 ms | extension ÷ this | CPU ms per request | gettoken calls | checks |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for c in CONTENDERS + ["empty", "loopback"]:
        if c not in per:
            continue
        rs = per[c]
        rate = med(rs, "rate")
        tokens = sum(r["gettoken"] for r in rs)
        requests = sum(r["requests"] for r in rs)
        ok = all(r["ok"] for r in rs)
        rel = "1.00×" if c == "extension" else ratio(ext, rate) if c in CONTENDERS else "–"
        check = "ok" if ok else "**FAILED**: " + ", ".join(
            f"{r['errors']} errors, {r['getbyuserid']} calls for {r['requests']} answers" for r in rs if not r["ok"])
        lines.append(f"| {LABELS[c]} | {rate:,.0f} | {ms(med(rs, 'p50_ms'))} | {ms(med(rs, 'p99_ms'))} | {rel} | "
                     f"{med(rs, 'cpu_ms_per_request'):.2f} | {tokens:,} in {requests:,} requests | {check} |")
    return "\n".join(lines)
