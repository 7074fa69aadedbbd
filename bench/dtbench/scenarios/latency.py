"""Round trips that cost what they cost on the internet: the web scenario over HTTPS with a
delaying proxy (RTT_MS per round trip) between the contenders and the emulator.

Each contender is judged against its physical limit: the round trips it pays per web request
times RTT_MS, plus the emulator's own time for each call. The round trips are counted, not
assumed: every connection opened through the proxy costs two (TCP's handshake, TLS 1.3's) and
every request to the emulator one. Two references: wrk through the proxy on one kept
connection (one round trip plus the emulator: what the proxy really adds), and wrk straight to
the emulator (the emulator's own time).
"""

import json
import os
from statistics import median

from ..fmt import med, ms
from ..floor import FloorServer
from ..fpm import Fpm
from ..nginx import Nginx, fastcgi_location, proxy_location
from ..php import fpm_params
from ..settings import BENCH, CONTENDERS, LABELS, PHP_CONTENDERS, log
from ..wrk import GETBYUSERID, measured, rotated

USER = "latency-user"
ROUND_TRIPS_PER_CONNECTION = 2  # TCP's handshake, then TLS 1.3's
REFERENCES = {
    "delayed": "wrk → proxy → emulator, 1 connection kept",
    "direct": "wrk → emulator, 1 connection kept (the emulator's time)",
}


def run(ctx):
    s = ctx.s
    emulator = ctx.emulators["https"]
    base, proxy = ctx.delayed(emulator)
    log(f"latency: {s.RTT_MS:g} ms round trip to the emulator through {base} "
        f"(wake-up lateness {proxy.lateness * 1e3:.2f} ms, compensated)")
    emulator.add_records(USER, s.WEB_LIMIT * 2)
    tmp = os.path.join(ctx.tmp, "latency")
    os.makedirs(tmp, exist_ok=True)
    fpms = {c: Fpm(tmp, f"latency-{c}", c, s.LATENCY_WORKERS) for c in PHP_CONTENDERS}
    floor = FloorServer(tmp, "latency-floor", ctx.emulators["http"].url, base, emulator.cert, USER, s.WEB_LIMIT,
                        s.LATENCY_WORKERS)
    params = fpm_params(emulator, USER, s.WEB_LIMIT, base_url=base)
    locations = [fastcgi_location(f"/{c}", fpms[c].sock, os.path.join(BENCH, "web", f"{c}.php"), params)
                 for c in PHP_CONTENDERS]
    locations.append(proxy_location("/floor", floor.sock, "/https"))
    nginx = Nginx(tmp, locations)
    for c in CONTENDERS:
        status, body = nginx.get(f"/{c}")
        if status != 200:
            raise RuntimeError(f"latency {c}: HTTP {status}: {body[:500]}")

    results = {}
    call = json.dumps({"userid": USER, "offset": 0, "limit": s.WEB_LIMIT, "status": 0})
    for rnd in range(s.ROUNDS):
        for c in rotated(CONTENDERS + list(REFERENCES), rnd):
            if c in REFERENCES:
                url = f"{base if c == 'delayed' else emulator.url}{GETBYUSERID}?access_token={emulator.token}"
                result = measured(url, call, emulator, [emulator.proc.pid], s.WARMUP_SECONDS, s.WEB_SECONDS, 1, 1, proxy)
            else:
                pids = [floor.pid] if c == "floor" else fpms[c].workers()
                result = measured(nginx.url(f"/{c}"), None, emulator, pids, s.WARMUP_SECONDS, s.WEB_SECONDS,
                                  min(2, s.LATENCY_WORKERS), s.LATENCY_WORKERS, proxy)
            result["ok"] = result["errors"] == 0 and result["getbyuserid"] >= result["requests"]
            results.setdefault(c, []).append(result)
            log(f"latency round {rnd + 1}/{s.ROUNDS} {c:9} {result['rate']:7.0f} req/s p50 {result['p50_ms']:.2f} ms "
                f"p99 {result['p99_ms']:.2f} ms, per request: {per_request(result, 'connections'):.2f} new connections, "
                f"{per_request(result, 'gettoken'):.2f} gettoken{'' if result['ok'] else '  FAILED CHECK'}")
    nginx.stop()
    floor.stop()
    for fpm in fpms.values():
        fpm.stop()
    return {"rtt_ms": s.RTT_MS, "lateness_ms": proxy.lateness * 1e3, "runs": results}


def per_request(result, key):
    return result[key] / max(1, result["requests"])


def round_trips(result):
    """Round trips per web request: two per new connection, one per request to the emulator,
    each rounded to whole numbers per request (a contender does the same for every request; the
    requests in flight at the edges of the measured window make the raw ratios a little off)."""
    calls = per_request(result, "gettoken") + per_request(result, "getbyuserid")
    return ROUND_TRIPS_PER_CONNECTION * round(per_request(result, "connections")) + round(calls)


def section(latency):
    runs, rtt = latency["runs"], latency["rtt_ms"]
    emulator_ms = med(runs["direct"], "p50_ms")
    lines = ["| contender | p50 ms | p99 ms | physical limit ms | p50 above the limit ms | round trips per request "
             "| new connections per request | gettoken per request | requests/s | checks |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in CONTENDERS + ["delayed", "direct"]:
        rs = runs[c]
        trips = median(round_trips(r) for r in rs) if c != "direct" else 0
        calls = median(round(per_request(r, "gettoken") + per_request(r, "getbyuserid")) for r in rs)
        limit = trips * rtt + calls * emulator_ms
        p50 = med(rs, "p50_ms")
        label = LABELS[c] if c in LABELS else REFERENCES[c]
        check = "ok" if all(r["ok"] for r in rs) else "**FAILED**: " + ", ".join(
            f"{r['errors']} errors, {r['getbyuserid']} calls for {r['requests']} answers" for r in rs if not r["ok"])
        lines.append(f"| {label} | {ms(p50)} | {ms(med(rs, 'p99_ms'))} | {ms(limit)} | {p50 - limit:+.2f} | {trips:g} | "
                     f"{median(per_request(r, 'connections') for r in rs):.2f} | "
                     f"{median(per_request(r, 'gettoken') for r in rs):.2f} | {med(rs, 'rate'):,.0f} | {check} |")
    notes = (f"Physical limit: the round trips a contender pays per web request × {rtt:g} ms, plus the emulator's "
             f"own time ({ms(emulator_ms)} ms, the last row) for each call. Round trips are counted over the "
             f"measured window and rounded per request: {ROUND_TRIPS_PER_CONNECTION} per connection opened through the "
             "proxy (TCP's handshake, TLS 1.3's), 1 per request the emulator answered. \"p50 above the limit\" is the "
             "contender's own cost (PHP, TLS, JSON, nginx and php-fpm) plus what the proxy adds beyond the "
             f"round trip (the \"{REFERENCES['delayed']}\" row shows that: its limit is one round trip). The proxy's "
             f"wake-ups came {latency['lateness_ms']:.2f} ms late when it started, which it compensates.")
    return "\n".join(lines), notes
