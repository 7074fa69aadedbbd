"""Where things are, who the contenders are, and the knobs of a run.

The knobs come from the environment (see bench/README.md) and are saved with the figures
(bench/out/results.json), so that `run.py --report` describes a run as it was made.
"""

import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
OUT = os.path.join(BENCH, "out")
RELEASE = os.path.join(ROOT, "target", "release")
EXT = os.path.join(RELEASE, "libdingtalk.so")
EMULATOR = os.path.join(RELEASE, "dingtalk-emulator")
FLOOR = os.path.join(RELEASE, "dingtalk-bench-floor")
PHP = shutil.which("php") or "php"
PHP_FPM = shutil.which("php-fpm8.2") or "/usr/sbin/php-fpm8.2"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "wrk"
# DingTalk's official SDKs, installed by scripts/install-sdks.sh (`make sdks`).
SDKS = os.environ.get("DINGTALK_SDKS") or os.path.join(ROOT, ".cache", "sdk")

KEY, SECRET = "bench_app_key", "bench_app_secret"
CONTENDERS = ["extension", "guzzle", "seed", "floor"]
PHP_CONTENDERS = ["extension", "guzzle", "seed"]
LABELS = {
    "extension": "extension (DingTalk\\WorkRecord)",
    "guzzle": "Guzzle, token cached, client reused",
    "seed": "seed style (file_get_contents)",
    "floor": "floor (Rust, reqwest)",
    "empty": "php-fpm ceiling (script makes no call)",
    "loopback": "wrk → emulator (loopback limit)",
}
WEB_USER = "web-user"
CLI_MAX_CALLS = 200_000  # per phase: the time bound is what stops a phase
MEMORY_MAX_SECONDS = 300  # bounds each memory run whatever happens
BULK_MAX_SECONDS = 600  # bounds each bulk run whatever happens


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Settings:
    """How the figures are taken: what a scenario needs and the report must say."""

    def __init__(self, values):
        self.__dict__.update(values)

    @classmethod
    def from_environment(cls, environ=os.environ):
        def num(name, default):
            value = environ.get(name)
            return type(default)(value) if value else default

        quick = environ.get("BENCH_QUICK") == "1"
        return cls({
            "QUICK": quick,
            "ROUNDS": num("BENCH_ROUNDS", 1 if quick else 3),
            "WEB_SECONDS": num("BENCH_WEB_SECONDS", 1.0 if quick else 5.0),
            "WARMUP_SECONDS": 0.5 if quick else 1.0,
            "CLI_SECONDS": num("BENCH_CLI_SECONDS", 0.5 if quick else 3.0),  # per phase (add, list)
            "COLD_RUNS": 1 if quick else 5,
            "FPM_MEMORY_CALLS": 1_000 if quick else 10_000,
            "CLI_MEMORY_CALLS": (1_000, 10_000) if quick else (10_000, 100_000),
            "WRK_THREADS": 2,
            "WRK_CONNECTIONS": 8,
            "FPM_WORKERS": 2,
            "WEB_LIMIT": 10,  # records per page in the web scenarios
            # Round trips that cost what they cost on the internet (latency and bulk).
            "RTT_MS": num("BENCH_RTT_MS", 20.0),
            "LATENCY_WORKERS": 4,  # php-fpm workers, floor threads and wrk connections alike
            "BULK_RECORDS": num("BENCH_BULK_RECORDS", 40 if quick else 1000),
            "BULK_QPS_LIMIT": 20,  # DingTalk's standard edition: 20 calls/s per app and API
            "BULK_CONCURRENCY": (1, 4, 16),
            "BULK_ROUNDS": num("BENCH_BULK_ROUNDS", 1),
            # The webhook fan-out: alerts from php-fpm workers to one robot whose limit is scaled
            # up from DingTalk's 20 a minute (the window stays a minute), so that the run stays
            # short and the alerts still exceed what a minute allows.
            "WEBHOOK_LIMIT": num("BENCH_WEBHOOK_LIMIT", 600 if quick else 40),
            "WEBHOOK_ALERTS": num("BENCH_WEBHOOK_ALERTS", 12 if quick else 60),
            "WEBHOOK_WORKERS": 4,
            "WEBHOOK_CLIENTS": 8,  # web requests in flight at once: more alerts than workers
            "WEBHOOK_ROUNDS": num("BENCH_WEBHOOK_ROUNDS", 1),
            # Stream consumption: bot messages raised before the worker connects, then more at a
            # steady pace for the ACK latency.
            "STREAM_BACKLOG": num("BENCH_STREAM_BACKLOG", 300 if quick else 5000),
            "STREAM_PACED": num("BENCH_STREAM_PACED", 50 if quick else 1000),
            "STREAM_RATE": 100,
            "STREAM_ROUNDS": num("BENCH_STREAM_ROUNDS", 1 if quick else 3),
        })

    @classmethod
    def from_saved(cls, saved):
        """The settings saved with a run; what an older run did not save gets today's default."""
        settings = cls.from_environment({"BENCH_QUICK": "1" if saved.get("QUICK") else ""})
        for name, value in saved.items():
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)
        return settings

    def saved(self):
        return dict(self.__dict__)

