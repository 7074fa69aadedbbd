"""Stream consumption: bot messages handled by one worker process, the extension's
DingTalk\\Stream against DingTalk's official Python and Node.js Stream SDKs (installed by
scripts/install-sdks.sh), each with the same trivial handler (acknowledge, nothing else), each
subscribed to bot messages on the same emulator gateway over loopback.

Per contender and round, after a reset of the emulator:
- backlog: STREAM_BACKLOG users' messages are raised (POST /_emulator/bot/say) before the worker
  starts; the gateway pushes them all when the worker connects. Throughput is the messages over
  the time from the first delivery to the last acknowledgement (the gateway's clock);
- paced: STREAM_PACED more messages, STREAM_RATE a second (far below every contender's
  throughput), each acknowledged on its own: the ACK latency is the gateway's `answer_us` of
  each (from the frame handed to the connection to its acknowledgement), p50 and p99;
- the worker's CPU time (user + system, all threads) over both phases, per message.

Checked: every message acknowledged exactly once (no redelivery, no answer other than SUCCESS).
"""

import http.client
import json
import os
import statistics
import time
import urllib.parse

from ..emulator import Emulator
from ..php import php_ini
from ..procs import PROCS, cpu_seconds, wait_for
from ..settings import BENCH, KEY, PHP, SDKS, SECRET, log

HOW = {
    "extension": "the extension, DingTalk\\Stream (PHP)",
    "python": "DingTalk's Python SDK",
    "node": "DingTalk's Node.js SDK",
}
BOT_TOPIC = "/v1.0/im/bot/messages/get"
# How long a phase may take at most (a sanity bound: the slowest contender needs a few seconds).
PATIENCE = 180


def sdk_versions():
    """The versions of the official SDKs installed in SDKS."""
    versions = {}
    try:
        with open(os.path.join(SDKS, "node", "node_modules", "dingtalk-stream", "package.json")) as f:
            versions["node"] = json.load(f)["version"].lstrip("v")
    except OSError:
        versions["node"] = "?"
    try:
        with open(os.path.join(SDKS, "python", "dingtalk_stream", "version.py")) as f:
            versions["python"] = f.read().split("=")[-1].strip().strip("'\"")
    except OSError:
        versions["python"] = "?"
    return versions


def worker(how, emulator, tmp):
    """Starts the contender's worker; its stderr goes to a file in `tmp`."""
    env = dict(os.environ, DT_BASE_URL=emulator.url, DT_KEY=KEY, DT_SECRET=SECRET)
    stream = os.path.join(BENCH, "stream")
    if how == "extension":
        argv = [PHP] + php_ini("extension", fpm=False) + [os.path.join(stream, "worker.php")]
    elif how == "python":
        env["PYTHONPATH"] = os.path.join(SDKS, "python")
        argv = ["python3", os.path.join(stream, "worker.py")]
    else:
        env["SDK_NODE"] = os.path.join(SDKS, "node")
        argv = ["node", os.path.join(stream, "worker.cjs")]
    err = open(os.path.join(tmp, f"stream-{how}.log"), "a")
    return PROCS.start(f"stream worker {how}", argv, env=env, stderr=err)


class Users:
    """Users who write to the robot, over one kept connection to the control API."""

    def __init__(self, emulator):
        host, port = emulator.address
        self.conn = http.client.HTTPConnection(host, port, timeout=10)
        self.sent = 0

    def say(self):
        body = json.dumps({"user": f"user{self.sent % 100}", "text": f"message {self.sent}"})
        self.conn.request("POST", "/_emulator/bot/say", body, {"Content-Type": "application/json"})
        answer = json.loads(self.conn.getresponse().read())
        self.sent += 1
        return answer["id"]

    def close(self):
        self.conn.close()


def settled(emulator, ids):
    """The log entries of callbacks `ids`, once every one is acknowledged."""
    wanted = set(ids)
    deadline = time.monotonic() + PATIENCE
    while True:
        query = urllib.parse.urlencode({"wait": 30})
        log_ = emulator.call("GET", f"/_emulator/stream?{query}")
        entries = {c["id"]: c for c in log_["callbacks"] if c["id"] in wanted}
        if len(entries) == len(wanted) and all(c["status"] == "acknowledged" for c in entries.values()):
            return [entries[i] for i in ids]
        if time.monotonic() > deadline:
            done = sum(c["status"] == "acknowledged" for c in entries.values())
            raise RuntimeError(f"only {done} of {len(ids)} bot messages were acknowledged")
        time.sleep(0.05)


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


def one(ctx, emulator, how):
    s = ctx.s
    emulator.call("POST", "/_emulator/reset")
    users = Users(emulator)
    backlog = [users.say() for _ in range(s.STREAM_BACKLOG)]
    proc = worker(how, emulator, ctx.tmp)
    try:
        wait_for(lambda: emulator.stats()["requests"].get("/connect", 0) >= 1, f"the {how} worker's connection", 60)
        cpu_start = cpu_seconds([proc.pid])
        gateway_start = cpu_seconds([emulator.proc.pid])
        first = settled(emulator, backlog)
        started = min(c["deliveries"][0]["sent_at"] for c in first)
        ended = max(d["answered_at"] for c in first for d in c["deliveries"] if d["status"] == "SUCCESS")
        paced = []
        t0 = time.monotonic()
        for n in range(s.STREAM_PACED):
            pause = t0 + n / s.STREAM_RATE - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            paced.append(users.say())
        second = settled(emulator, paced)
        cpu = cpu_seconds([proc.pid]) - cpu_start
        gateway_cpu = cpu_seconds([emulator.proc.pid]) - gateway_start
    finally:
        users.close()
        PROCS.stop(proc)
    everything = first + second
    latencies = sorted(c["deliveries"][0]["answer_us"] / 1000 for c in second)
    deliveries = sum(len(c["deliveries"]) for c in everything)
    return {
        "rate": len(first) / max((ended - started) / 1000, 0.001),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "mean_ms": statistics.fmean(latencies),
        "cpu_us_per_message": cpu / len(everything) * 1e6,
        # The emulator's, raising and delivering every message and reading its answer.
        "gateway_cpu_us_per_message": gateway_cpu / len(everything) * 1e6,
        "messages": len(everything),
        "deliveries": deliveries,
        "ok": deliveries == len(everything)
        and all(c["deliveries"][0]["status"] == "SUCCESS" for c in everything),
    }


def run(ctx):
    s = ctx.s
    # No redelivery within a run, whatever a contender's pace: a copy would be counted twice.
    emulator = Emulator(ctx.tmp, tls=False, name="stream", args=["--stream-redelivery-delay", "600"])
    results = {how: [] for how in HOW}
    order = list(HOW)
    try:
        for rnd in range(s.STREAM_ROUNDS):
            for how in order[rnd % len(order):] + order[:rnd % len(order)]:
                result = one(ctx, emulator, how)
                results[how].append(result)
                log(f"stream round {rnd + 1}/{s.STREAM_ROUNDS} {how:9} {result['rate']:,.0f} messages/s, ACK p50 "
                    f"{result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms, {result['cpu_us_per_message']:.0f} µs CPU "
                    f"per message{'' if result['ok'] else ' (FAILED: not acknowledged exactly once)'}")
    finally:
        emulator.stop()
    return {"backlog": s.STREAM_BACKLOG, "paced": s.STREAM_PACED, "rate": s.STREAM_RATE, "sdks": sdk_versions(),
            "runs": results}


def section(stream):
    from ..fmt import med, ms

    versions = stream["sdks"]
    labels = dict(HOW, python=f"{HOW['python']} (dingtalk-stream {versions['python']})",
                  node=f"{HOW['node']} (dingtalk-stream {versions['node']})")
    lines = ["| worker (one process) | bot messages/s | ACK p50 ms | ACK p99 ms | worker CPU µs per message "
             "| gateway CPU µs per message | checks |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for how in HOW:
        rs = stream["runs"].get(how, [])
        if not rs:
            continue
        ok = "every message acknowledged once" if all(r["ok"] for r in rs) else "**FAILED**"
        lines.append(f"| {labels[how]} | {med(rs, 'rate'):,.0f} | {ms(med(rs, 'p50_ms'))} | {ms(med(rs, 'p99_ms'))} | "
                     f"{med(rs, 'cpu_us_per_message'):,.0f} | {med(rs, 'gateway_cpu_us_per_message'):,.0f} | {ok} |")
    notes = (f"Each worker subscribes to bot messages on the emulator's gateway over loopback and acknowledges each "
             f"with a trivial handler. Messages/s: {stream['backlog']:,} messages raised before the worker connects, "
             "pushed at once when it does, over the time from the first delivery to the last acknowledgement. ACK "
             f"latency: {stream['paced']:,} more, {stream['rate']} a second, each from the frame handed to the "
             "connection to its acknowledgement, as the gateway measures it. CPU: the worker process's user + system "
             "time over both phases, per message; the gateway's: the emulator's over the same time (it raises, "
             "delivers and logs every message, and shares the machine's cores with the worker). The extension's worker runs with its defaults: bot messages "
             "acknowledged before the handler, each checked against the process's deduplication marks.")
    return "\n".join(lines), notes
