"""Webhook fan-out: an incident makes a burst of WEBHOOK_ALERTS alerts, one per web request to
nginx + php-fpm (WEBHOOK_WORKERS workers, WEBHOOK_CLIENTS requests in flight), each sent to the
same group webhook robot. The emulator allows WEBHOOK_LIMIT messages in any 60 s (DingTalk: 20),
then answers 130101 and mutes the robot (DingTalk: for 10 minutes; here for the rest of the run).

Contenders, each with a robot of its own:
- the extension, DingTalk\\Webhook with per_minute = the limit and a `file://` token_store, which
  every worker of the host shares: each send waits for the robot's next slot;
- the same with the default `memory` store: each worker spaces its own sends only;
- Guzzle as the PHP webhook packages do it (bench/lib/webhook.php): sign, POST, no limit.

Measured: when the last alert was delivered (from the first web request, by the emulator's
clock), how many were delivered and lost, and the 130101 answers the emulator gave.
"""

import concurrent.futures
import http.client
import json
import os
import time

from ..fpm import Fpm
from ..nginx import Nginx, fastcgi_location
from ..emulator import Emulator
from ..settings import BENCH, log

HOW = {
    "shared": "extension, DingTalk\\Webhook, token_store file:// (the host's workers share the robot's minute)",
    "memory": "extension, DingTalk\\Webhook, token_store memory (each worker spaces its own sends)",
    "guzzle": "Guzzle, as the PHP webhook packages send (no limit)",
}
SCRIPT = {"shared": "alert-extension.php", "memory": "alert-extension.php", "guzzle": "alert-guzzle.php"}
# A web request that waits for its slot must fit under php-fpm's request_terminate_timeout.
SEND_TIMEOUT = 20


def run(ctx):
    s = ctx.s
    emulator = Emulator(ctx.tmp, tls=True, name="webhook", args=["--webhook-limit", str(s.WEBHOOK_LIMIT)])
    fpms = {"extension": Fpm(ctx.tmp, "alert-extension", "extension", s.WEBHOOK_WORKERS),
            "guzzle": Fpm(ctx.tmp, "alert-guzzle", "guzzle", s.WEBHOOK_WORKERS)}
    runs = [(rnd, how) for rnd in range(s.WEBHOOK_ROUNDS) for how in HOW]
    robots, locations = {}, []
    for rnd, how in runs:
        robot = emulator.webhook(secret=True, name=f"fanout-{how}-{rnd}")
        robots[(rnd, how)] = robot
        params = {"DT_WEBHOOK_URL": robot["url"], "DT_WEBHOOK_SECRET": robot["secret"], "DT_CA_FILE": emulator.cert,
                  "DT_PER_MINUTE": str(s.WEBHOOK_LIMIT), "DT_TIMEOUT": str(SEND_TIMEOUT),
                  "DT_STORE": f"file://{ctx.tmp}/webhook-store-{rnd}" if how == "shared" else "memory"}
        pool = fpms["guzzle" if how == "guzzle" else "extension"]
        locations.append(fastcgi_location(f"/alert/{how}/{rnd}", pool.sock, os.path.join(BENCH, "web", SCRIPT[how]),
                                          params))
    nginx = Nginx(ctx.tmp, locations)
    results = {how: [] for how in HOW}
    for rnd, how in runs:
        result = burst(nginx, emulator, robots[(rnd, how)], f"/alert/{how}/{rnd}", s)
        results[how].append(result)
        log(f"fanout round {rnd + 1}/{s.WEBHOOK_ROUNDS} {how:7} {result['delivered']}/{s.WEBHOOK_ALERTS} delivered, "
            f"{result['lost']} lost, {result['throttled']} 130101 answers, last delivered after "
            f"{result['last_delivered_s']:.1f} s")
    nginx.stop()
    for fpm in fpms.values():
        fpm.stop()
    emulator.stop()
    return {"limit": s.WEBHOOK_LIMIT, "alerts": s.WEBHOOK_ALERTS, "workers": s.WEBHOOK_WORKERS,
            "clients": s.WEBHOOK_CLIENTS, "runs": results}


def burst(nginx, emulator, robot, path, s):
    """Sends the alerts as web requests, WEBHOOK_CLIENTS at a time; what reached the robot."""
    before = emulator.stats().get("webhook_throttled", 0)

    def alert(n):
        conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=SEND_TIMEOUT + 30)
        try:
            conn.request("GET", f"{path}?n={n}")
            response = conn.getresponse()
            body = response.read().decode(errors="replace")
            return json.loads(body) if response.status == 200 else {"ok": False, "error": f"HTTP {response.status}"}
        finally:
            conn.close()

    started_ms = time.time() * 1000
    with concurrent.futures.ThreadPoolExecutor(max_workers=s.WEBHOOK_CLIENTS) as pool:
        answers = list(pool.map(alert, range(s.WEBHOOK_ALERTS)))
    answered_s = (time.time() * 1000 - started_ms) / 1000
    received = [m["received_at"] for m in emulator.messages(webhook=robot["name"])]
    failures = {}
    for answer in answers:
        if not answer.get("ok"):
            reason = f"{answer.get('error')} {answer.get('code', '')}".strip()
            failures[reason] = failures.get(reason, 0) + 1
    return {
        "delivered": len(received),
        "lost": s.WEBHOOK_ALERTS - len(received),
        "throttled": emulator.stats().get("webhook_throttled", 0) - before,
        "last_delivered_s": (max(received) - started_ms) / 1000 if received else 0.0,
        "answered_s": answered_s,
        "failures": failures,
    }


def section(fanout):
    limit, alerts = fanout["limit"], fanout["alerts"]
    lines = ["| how | delivered | lost | 130101 answers | all delivered after s | last web request answered after s "
             "| what the senders saw |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for how, label in HOW.items():
        for r in fanout["runs"].get(how, []):
            done = f"{r['last_delivered_s']:.1f}" if r["lost"] == 0 else "never"
            seen = ", ".join(f"{n} × {reason}" for reason, n in sorted(r["failures"].items())) or "every send ok"
            lines.append(f"| {label} | {r['delivered']} of {alerts} | {r['lost']} | {r['throttled']} | {done} | "
                         f"{r['answered_s']:.1f} | {seen} |")
    floor = (alerts - 1) * 60 / limit
    notes = (f"{alerts} alerts in a burst, one per web request (nginx, php-fpm with {fanout['workers']} workers, "
             f"{fanout['clients']} requests in flight), all to one robot with a secret, over HTTPS. The emulator allows "
             f"{limit} messages in any 60 s (DingTalk: 20; scaled up so that the run stays short while the burst still "
             f"exceeds a minute's worth), then answers 130101 and mutes the robot for the rest of the run (DingTalk: "
             f"10 minutes, which loses every alert of those minutes). The fastest delivery of every alert without a "
             f"130101 is ({alerts} - 1) × 60 / {limit} = {floor:.1f} s; the extension spaces its slots 5 % wider, "
             "for the network. \"all delivered after\" is the emulator's time of the last delivery, from the first "
             "web request; \"lost\" are the alerts the robot's group never got.")
    return "\n".join(lines), notes
