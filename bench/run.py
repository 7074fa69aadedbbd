#!/usr/bin/env python3
"""Runs every benchmark scenario with every contender and writes bench/results.md.

Started by bench/run.sh (which installs what is missing and builds the release binaries);
see bench/README.md for what each contender and scenario is. Python 3 standard library only.

Environment: BENCH_QUICK=1 for a smoke run (1 round, about 1 s per scenario);
BENCH_ROUNDS, BENCH_WEB_SECONDS, BENCH_CLI_SECONDS override the defaults;
BENCH_ONLY=web,cli,cold,memory runs a subset (results.md is then not rewritten unless
BENCH_WRITE=1); BENCH_KEEP_TMP=1 keeps the temporary directory (configs, logs).
"""

import datetime
import http.client
import json
import os
import platform
import re
import select
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
RELEASE = os.path.join(ROOT, "target", "release")
EXT = os.path.join(RELEASE, "libdingtalk.so")
EMULATOR = os.path.join(RELEASE, "dingtalk-emulator")
FLOOR = os.path.join(RELEASE, "dingtalk-bench-floor")
PHP = shutil.which("php") or "php"
PHP_FPM = shutil.which("php-fpm8.2") or "/usr/sbin/php-fpm8.2"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "wrk"

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
WEB_LIMIT = 10  # records per page in the web scenario
WEB_USER = "web-user"
WRK_THREADS, WRK_CONNECTIONS = 2, 8
FPM_WORKERS = 2


def env_num(name, default):
    value = os.environ.get(name)
    return type(default)(value) if value else default


QUICK = os.environ.get("BENCH_QUICK") == "1"
ROUNDS = env_num("BENCH_ROUNDS", 1 if QUICK else 3)
WEB_SECONDS = env_num("BENCH_WEB_SECONDS", 1.0 if QUICK else 5.0)
WARMUP_SECONDS = 0.5 if QUICK else 1.0
CLI_SECONDS = env_num("BENCH_CLI_SECONDS", 0.5 if QUICK else 3.0)  # per phase (add, list)
CLI_MAX_CALLS = 200_000  # per phase: the time bound is what stops a phase
COLD_RUNS = 1 if QUICK else 5
FPM_MEMORY_CALLS = 1_000 if QUICK else 10_000
CLI_MEMORY_CALLS = (1_000, 10_000) if QUICK else (10_000, 100_000)
MEMORY_MAX_SECONDS = 300  # bounds each memory run whatever happens
# What the report needs to know about how the figures were taken (saved with them).
SETTINGS = ["QUICK", "ROUNDS", "WEB_SECONDS", "WARMUP_SECONDS", "CLI_SECONDS", "COLD_RUNS", "FPM_MEMORY_CALLS",
            "CLI_MEMORY_CALLS", "WRK_THREADS", "WRK_CONNECTIONS", "FPM_WORKERS", "WEB_LIMIT"]
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(","))) or {"web", "cli", "cold", "memory"}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Processes: every one is started in its own session and stopped by its own id.


class Processes:
    def __init__(self):
        self.running = []

    def start(self, name, argv, env=None, stdout=None, stderr=None):
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=stdout if stdout is not None else subprocess.DEVNULL,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.running.append((name, proc))
        return proc

    def stop(self, proc, timeout=5.0):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout)
        self.running = [(n, p) for n, p in self.running if p is not proc]

    def stop_all(self):
        for _, proc in reversed(list(self.running)):
            self.stop(proc)


PROCS = Processes()


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def run(argv, env=None, timeout=600, check=True):
    """Runs a command to its end; returns (stdout, stderr, seconds)."""
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    took = time.perf_counter() - started
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return proc.stdout, proc.stderr, took


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON line in: {text[-500:]!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def extension_dir():
    out, _, _ = run([PHP, "-n", "-r", "echo ini_get('extension_dir');"])
    return out.strip()


# ---------------------------------------------------------------------------------------------
# The emulator


class Emulator:
    def __init__(self, tmp, tls):
        self.tls = tls
        self.cert = os.path.join(tmp, "emulator-cert.pem") if tls else None
        argv = [EMULATOR, "--listen", "127.0.0.1:0", "--app", f"{KEY}:{SECRET}"]
        if tls:
            argv += ["--tls-self-signed", "--cert-out", self.cert]
        self.log = open(os.path.join(tmp, f"emulator-{'https' if tls else 'http'}.log"), "w")
        self.proc = PROCS.start("emulator", argv, stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            raise RuntimeError("the emulator did not announce its address")
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"unexpected first line from the emulator: {line!r}")
        self.url = line[len("listening on "):]
        self.ssl = ssl.create_default_context(cafile=self.cert) if tls else None
        self.token = self.call("GET", "/gettoken?" + urllib.parse.urlencode({"appkey": KEY, "appsecret": SECRET}))["access_token"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10, context=self.ssl) as response:
            return json.loads(response.read())

    def api(self, path, body):
        answer = self.call("POST", f"{path}?access_token={self.token}", body)
        if answer.get("errcode") != 0:
            raise RuntimeError(f"{path}: {answer}")
        return answer

    def add_records(self, user, count):
        for i in range(count):
            self.api("/topapi/workrecord/add", {
                "userid": user, "create_time": int(time.time() * 1000) + i, "title": "Expense claim",
                "url": "https://example.com/claims/1",
                "formItemList": [{"title": "Applicant", "content": "bench"}, {"title": "Amount", "content": "42.00"}],
            })

    def stats(self):
        return self.call("GET", "/_emulator/stats")

    def records(self, user):
        return self.call("GET", "/_emulator/records?" + urllib.parse.urlencode({"userid": user}))["records"]


def stats_delta(before, after):
    requests = {path: n - before["requests"].get(path, 0) for path, n in after["requests"].items()}
    return {"gettoken": after["gettoken"] - before["gettoken"], "requests": requests}


# ---------------------------------------------------------------------------------------------
# Contender commands


def php_ini(contender, fpm):
    """The explicit ini of a PHP contender: nothing from Debian's conf.d."""
    ext_dir = extension_dir()
    args = ["-n", "-d", "memory_limit=512M"]
    if fpm:
        # Every web contender gets opcache, as any production php-fpm has.
        args += ["-d", f"zend_extension={ext_dir}/opcache.so", "-d", "opcache.enable=1",
                 "-d", "opcache.memory_consumption=64"]
    if contender == "extension":
        args += ["-d", f"extension={EXT}"]
    elif contender == "guzzle":
        args += ["-d", "extension=curl"]
        if fpm:
            args += ["-d", "extension=apcu", "-d", "apc.enabled=1"]
    return args


def cli_argv(contender):
    if contender == "floor":
        return [FLOOR]
    return [PHP] + php_ini(contender, fpm=False) + [os.path.join(BENCH, "cli", f"{contender}.php")]


def cli_env(emulator, user, **extra):
    env = dict(os.environ)
    env.update({"DT_BASE_URL": emulator.url, "DT_KEY": KEY, "DT_SECRET": SECRET, "DT_USER": user,
                "DT_CA_FILE": emulator.cert or ""})
    env.update({k: str(v) for k, v in extra.items()})
    return env


# ---------------------------------------------------------------------------------------------
# nginx + php-fpm


def fpm_config(tmp, name, workers):
    sock = os.path.join(tmp, f"fpm-{name}.sock")
    root = os.geteuid() == 0
    conf = f"""[global]
pid = {tmp}/fpm-{name}.pid
error_log = {tmp}/fpm-{name}.log
log_level = warning
daemonize = no

[{name}]
{"user = root" if root else ""}
{"group = root" if root else ""}
listen = {sock}
listen.backlog = 511
pm = static
pm.max_children = {workers}
pm.max_requests = 0
request_terminate_timeout = 30
catch_workers_output = yes
"""
    path = os.path.join(tmp, f"fpm-{name}.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path, sock


class Fpm:
    """One php-fpm master (static pool) for one contender."""

    def __init__(self, tmp, name, contender, workers=FPM_WORKERS):
        self.name = name
        conf, self.sock = fpm_config(tmp, name, workers)
        argv = [PHP_FPM, "-F", "-y", conf] + php_ini(contender, fpm=True)
        if os.geteuid() == 0:
            argv.append("-R")
        self.proc = PROCS.start(f"php-fpm {name}", argv)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, f"php-fpm {name}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"php-fpm {name} exited; see {tmp}/fpm-{name}.log")
        wait_for(lambda: len(self.workers()) == workers, f"php-fpm {name} workers")

    def workers(self):
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid:
                    pids.append(int(entry))
        return pids

    def stop(self):
        PROCS.stop(self.proc)


def cpu_seconds(pids):
    """User + system CPU time of processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))


def fastcgi_location(path, sock, script, params):
    lines = [f"        location = {path} {{",
             f"            fastcgi_pass unix:{sock};"]
    base = {"SCRIPT_FILENAME": script, "SCRIPT_NAME": path, "REQUEST_METHOD": "$request_method",
            "QUERY_STRING": "$query_string", "REQUEST_URI": "$request_uri", "SERVER_PROTOCOL": "$server_protocol",
            "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "$remote_addr", "SERVER_ADDR": "$server_addr",
            "SERVER_PORT": "$server_port", "SERVER_NAME": "$server_name", "CONTENT_TYPE": "$content_type",
            "CONTENT_LENGTH": "$content_length"}
    for key, value in {**base, **params}.items():
        lines.append(f'            fastcgi_param {key} "{value}";')
    lines.append("        }")
    return "\n".join(lines)


class Nginx:
    def __init__(self, tmp, locations):
        self.port = free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(tmp, "nginx", sub), exist_ok=True)
        conf = f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/nginx/body;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    server {{
        listen 127.0.0.1:{self.port};
{chr(10).join(locations)}
    }}
}}
"""
        path = os.path.join(tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.proc = PROCS.start("nginx", [NGINX, "-p", tmp, "-c", path, "-e", f"{tmp}/nginx-error.log"])

        def listening():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return self.proc.poll() is not None

        wait_for(listening, "nginx")
        if self.proc.poll() is not None:
            raise RuntimeError(f"nginx exited; see {tmp}/nginx-error.log")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()


def wrk(url, seconds, body=None):
    env = dict(os.environ)
    if body is not None:
        env["WRK_BODY"] = body
    else:
        env.pop("WRK_BODY", None)
    argv = [WRK, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", os.path.join(BENCH, "wrk", "report.lua"), url]
    out, _, _ = run(argv, env=env, timeout=seconds + 60)
    result = last_json(out)
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["p50_ms"] = result["p50_us"] / 1e3
    result["p99_ms"] = result["p99_us"] / 1e3
    result["errors"] = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return result


def rotated(items, n):
    n %= len(items)
    return items[n:] + items[:n]


# ---------------------------------------------------------------------------------------------
# Scenarios


def scenario_web(tmp, emulators):
    """nginx + php-fpm, one DingTalk call per web request, load from wrk."""
    log("web: starting php-fpm pools, the floor server and nginx")
    for emulator in emulators.values():
        emulator.add_records(WEB_USER, WEB_LIMIT * 2)
    fpms = {c: Fpm(tmp, c, c) for c in PHP_CONTENDERS}
    fpms["empty"] = Fpm(tmp, "empty", "seed")
    floor_sock = os.path.join(tmp, "floor.sock")
    floor_env = dict(os.environ, DT_MODE="serve", DT_SOCKET=floor_sock, DT_WORKERS=str(FPM_WORKERS),
                     DT_HTTP_URL=emulators["http"].url, DT_HTTPS_URL=emulators["https"].url,
                     DT_CA_FILE=emulators["https"].cert, DT_KEY=KEY, DT_SECRET=SECRET, DT_USER=WEB_USER,
                     DT_LIMIT=str(WEB_LIMIT))
    floor_log = open(os.path.join(tmp, "floor.log"), "w")
    floor = PROCS.start("floor serve", [FLOOR], env=floor_env, stderr=floor_log)
    wait_for(lambda: os.path.exists(floor_sock), "the floor server")

    locations = []
    for transport, emulator in emulators.items():
        params = {"DT_BASE_URL": emulator.url, "DT_KEY": KEY, "DT_SECRET": SECRET, "DT_USER": WEB_USER,
                  "DT_CA_FILE": emulator.cert or "", "DT_LIMIT": str(WEB_LIMIT)}
        for c in PHP_CONTENDERS:
            locations.append(fastcgi_location(f"/{c}/{transport}", fpms[c].sock,
                                              os.path.join(BENCH, "web", f"{c}.php"), params))
        locations.append(f"        location = /floor/{transport} {{ proxy_pass http://unix:{floor_sock}:/{transport}; }}")
    locations.append(fastcgi_location("/empty/http", fpms["empty"].sock, os.path.join(BENCH, "web", "empty.php"), {}))
    nginx = Nginx(tmp, locations)

    for transport in emulators:
        for c in CONTENDERS:
            status, body = nginx.get(f"/{c}/{transport}")
            if status != 200:
                raise RuntimeError(f"web {c} over {transport}: HTTP {status}: {body[:500]}")

    results = {t: {} for t in emulators}
    runs = [(t, c) for t in emulators for c in CONTENDERS + ["loopback"]] + [("http", "empty")]
    for rnd in range(ROUNDS):
        for transport, c in rotated(runs, rnd * 3):
            emulator = emulators[transport]
            if c == "loopback":
                url = f"{emulator.url}/topapi/workrecord/getbyuserid?access_token={emulator.token}"
                body = json.dumps({"userid": WEB_USER, "offset": 0, "limit": WEB_LIMIT, "status": 0})
            else:
                url, body = nginx.url(f"/{c}/{transport}"), None
            wrk(url, WARMUP_SECONDS, body)
            pids = ([emulator.proc.pid] if c == "loopback" else [floor.pid] if c == "floor"
                    else fpms[c].workers())
            before, cpu = emulator.stats(), cpu_seconds(pids)
            result = wrk(url, WEB_SECONDS, body)
            cpu = cpu_seconds(pids) - cpu
            delta = stats_delta(before, emulator.stats())
            result["cpu_ms_per_request"] = cpu * 1e3 / max(1, result["requests"])
            calls = delta["requests"].get("/topapi/workrecord/getbyuserid", 0)
            result["gettoken"] = delta["gettoken"]
            result["getbyuserid"] = calls
            # Every 200 must stand for a real call (wrk may count a few in flight at the end).
            result["ok"] = result["errors"] == 0 and (c == "empty" or calls >= result["requests"])
            results[transport].setdefault(c, []).append(result)
            log(f"web {transport:5} round {rnd + 1}/{ROUNDS} {c:9} {result['rate']:9.0f} req/s "
                f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms gettoken {delta['gettoken']}"
                f"{'' if result['ok'] else '  FAILED CHECK'}")
    PROCS.stop(nginx.proc)
    PROCS.stop(floor)
    for fpm in fpms.values():
        fpm.stop()
    return results


def scenario_cli(emulators):
    """One PHP process: N adds, then N pages of 50."""
    results = {t: {} for t in emulators}
    runs = [(t, c) for t in emulators for c in CONTENDERS]
    for rnd in range(ROUNDS):
        for transport, c in rotated(runs, rnd * 3):
            emulator = emulators[transport]
            user = f"cli-{c}-{transport}-{rnd}"
            before = emulator.stats()
            out, _, _ = run(cli_argv(c), env=cli_env(emulator, user, DT_MODE="loop", DT_MAX_CALLS=CLI_MAX_CALLS,
                                                       DT_MAX_SECONDS=CLI_SECONDS), timeout=CLI_SECONDS * 2 + 120)
            result = last_json(out)
            delta = stats_delta(before, emulator.stats())
            adds = result["ops"]["add"]["calls"]
            stored = len(emulator.records(user))
            result["gettoken"] = delta["gettoken"]
            result["ok"] = (stored == adds == delta["requests"].get("/topapi/workrecord/add", 0)
                            and delta["requests"].get("/topapi/workrecord/getbyuserid", 0) == result["ops"]["list"]["calls"])
            results[transport].setdefault(c, []).append(result)
            log(f"cli {transport:5} round {rnd + 1}/{ROUNDS} {c:9} {result['rate']:8.0f} calls/s "
                f"(add {result['ops']['add']['rate']:.0f}/s, list {result['ops']['list']['rate']:.0f}/s) "
                f"p50 {result['p50_ms']:.3f} ms p99 {result['p99_ms']:.3f} ms{'' if result['ok'] else '  FAILED CHECK'}")
    return results


def scenario_cold(emulators):
    """The first call of a fresh process: its time and the token fetches it causes."""
    results = {t: {} for t in emulators}
    for n in range(COLD_RUNS):
        for transport, emulator in emulators.items():
            for c in rotated(CONTENDERS, n):
                before = emulator.stats()
                out, _, wall = run(cli_argv(c), env=cli_env(emulator, f"cold-{c}", DT_MODE="cold"), timeout=60)
                result = last_json(out)
                result["process_ms"] = wall * 1e3
                result["gettoken"] = stats_delta(before, emulator.stats())["gettoken"]
                results[transport].setdefault(c, []).append(result)
    for transport, per in results.items():
        for c, rs in per.items():
            log(f"cold {transport:5} {c:9} first call {statistics.median(r['first_call_ms'] for r in rs):7.2f} ms, "
                f"process {statistics.median(r['process_ms'] for r in rs):7.2f} ms, gettoken {rs[0]['gettoken']}")
    return results


def scenario_memory(tmp, emulator):
    """RSS of a php-fpm worker after N calls, with and without the extension; RSS growth of one
    CLI process with the extension."""
    results = {"fpm": {}, "cli": None}
    emulator.add_records("mem-user", WEB_LIMIT * 2)
    params = {"DT_BASE_URL": emulator.url, "DT_KEY": KEY, "DT_SECRET": SECRET, "DT_USER": "mem-user",
              "DT_CA_FILE": "", "DT_LIMIT": str(WEB_LIMIT)}
    mem_dir = os.path.join(tmp, "memory")
    os.makedirs(mem_dir, exist_ok=True)
    for c in PHP_CONTENDERS:
        fpm = Fpm(mem_dir, f"mem-{c}", c, workers=1)
        nginx = Nginx(mem_dir, [fastcgi_location("/call", fpm.sock, os.path.join(BENCH, "web", f"{c}.php"), params)])
        (worker,) = fpm.workers()
        idle = rss_kib(worker)
        conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=30)
        started, done = time.monotonic(), 0
        while done < FPM_MEMORY_CALLS and time.monotonic() - started < MEMORY_MAX_SECONDS:
            conn.request("GET", "/call")
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"memory {c}: HTTP {response.status}: {body[:300]!r}")
            done += 1
        conn.close()
        after = rss_kib(worker)
        results["fpm"][c] = {"idle_kib": idle, "after_kib": after, "calls": done,
                             "seconds": time.monotonic() - started}
        log(f"memory fpm {c:9} worker RSS fresh {idle / 1024:.1f} MiB, after {done} calls {after / 1024:.1f} MiB")
        PROCS.stop(nginx.proc)
        fpm.stop()

    first, last = CLI_MEMORY_CALLS
    checkpoints = sorted({first // 10, first, (first + last) // 4, (first + last) // 2, last})
    out, _, _ = run(cli_argv("extension"),
                    env=cli_env(emulator, "mem-cli", DT_MODE="memory", DT_MAX_CALLS=last,
                                DT_MAX_SECONDS=MEMORY_MAX_SECONDS,
                                DT_CHECKPOINTS=",".join(map(str, checkpoints))),
                    timeout=MEMORY_MAX_SECONDS + 60)
    results["cli"] = last_json(out)
    results["cli"]["first"], results["cli"]["last"] = first, last
    rss = results["cli"]["rss_kib"]
    log(f"memory cli extension RSS at {first}: {rss.get(str(first), 0) / 1024:.2f} MiB, "
        f"at {results['cli']['calls']}: {rss.get(str(last), 0) / 1024:.2f} MiB")
    return results


# ---------------------------------------------------------------------------------------------
# Machine and versions


def capture(argv, pattern=None):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"? ({e})"
    text = (proc.stdout + proc.stderr).strip()
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else text.splitlines()[0] if text else "?"
    return text.splitlines()[0] if text else "?"


def lock_version(name):
    with open(os.path.join(ROOT, "Cargo.lock")) as f:
        m = re.search(r'name = "' + re.escape(name) + r'"\nversion = "([^"]+)"', f.read())
    return m.group(1) if m else "?"


def machine_and_versions():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    php_r = lambda ini, code: capture([PHP, "-n"] + ini + ["-r", code])
    curl = php_r(["-d", "extension=curl"], 'echo curl_version()["version"], " (", curl_version()["ssl_version"], ")";')
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem / 1024 / 1024, 1),
        "kernel": platform.release(),
        "loadavg_start": os.getloadavg(),
        "php": php_r([], "echo PHP_VERSION;"),
        "extension": php_r(["-d", f"extension={EXT}"], 'echo phpversion("dingtalk");'),
        "guzzle": capture(["dpkg-query", "-W", "-f=${Version}", "php-guzzlehttp-guzzle"]),
        "curl": curl,
        "php_openssl": php_r([], "echo OPENSSL_VERSION_TEXT;"),
        "apcu": php_r(["-d", "extension=apcu"], 'echo phpversion("apcu");'),
        "rustc": capture(["rustc", "-V"]),
        "reqwest": lock_version("reqwest"),
        "rustls": lock_version("rustls"),
        "nginx": capture([NGINX, "-v"], r"nginx/(\S+)"),
        "php_fpm": capture([PHP_FPM, "-v"], r"PHP (\S+ \(fpm-fcgi\))"),
        "wrk": capture([WRK, "-v"], r"wrk (\S+)"),
        "emulator": capture([EMULATOR, "-V"]),
        "commit": capture(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
    }


# ---------------------------------------------------------------------------------------------
# Report


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def ms(x):
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def ratio(ext, other):
    return f"{ext / other:.2f}×" if other else "–"


def web_table(per, headline=False):
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


def cli_table(per):
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


def cold_table(results):
    lines = ["| contender | HTTP: first call ms | HTTP: whole process ms | HTTPS: first call ms | HTTPS: whole process ms | gettoken calls per process |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in CONTENDERS:
        h, s = results["http"][c], results["https"][c]
        tokens = sorted({r["gettoken"] for r in h + s})
        lines.append(f"| {LABELS[c]} | {ms(med(h, 'first_call_ms'))} | {ms(med(h, 'process_ms'))} | "
                     f"{ms(med(s, 'first_call_ms'))} | {ms(med(s, 'process_ms'))} | {', '.join(map(str, tokens))} |")
    return "\n".join(lines)


def memory_section(mem):
    fpm = mem["fpm"]
    lines = [f"php-fpm worker (static pool of 1, opcache on), VmRSS fresh and after {FPM_MEMORY_CALLS:,} web requests "
             "(one getbyuserid each, over HTTP):", "",
             "| worker | extension loaded | fresh MiB | after MiB |", "|---|---|---:|---:|"]
    for c in PHP_CONTENDERS:
        r = fpm[c]
        lines.append(f"| {LABELS[c]} | {'yes' if c == 'extension' else 'no'} | {r['idle_kib'] / 1024:.1f} | "
                     f"{r['after_kib'] / 1024:.1f} |")
    cost = (fpm["extension"]["after_kib"] - fpm["seed"]["after_kib"]) / 1024
    load = (fpm["extension"]["idle_kib"] - fpm["seed"]["idle_kib"]) / 1024
    cli = mem["cli"]
    rss = {int(k): v for k, v in cli["rss_kib"].items()}
    lines += ["", f"Extension cost per worker: **{cost:.1f} MiB** after {FPM_MEMORY_CALLS:,} calls (extension worker "
              f"minus the seed-style worker, which makes the same call with PHP's built-in streams); "
              f"{load:.1f} MiB when fresh (loading the extension alone).", "",
              f"One CLI process with the extension, alternating add and a 10-record getbyuserid, VmRSS by call count:", "",
              "| calls | " + " | ".join(f"{k:,}" for k in sorted(rss)) + " |",
              "|---|" + "---:|" * len(rss),
              "| VmRSS MiB | " + " | ".join(f"{rss[k] / 1024:.2f}" for k in sorted(rss)) + " |"]
    growth = (rss.get(cli["last"], 0) - rss.get(cli["first"], 0)) / 1024
    lines += ["", f"Growth from {cli['first']:,} to {cli['last']:,} calls: **{growth:.2f} MiB** "
              f"({cli['calls']:,} calls in {cli['seconds']:.1f} s)."]
    return "\n".join(lines), cost, growth


def targets(res, mem_cost, mem_growth):
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
        rows.append((f"RSS growth over {CLI_MEMORY_CALLS[1] - CLI_MEMORY_CALLS[0]:,} further calls < 1 MiB",
                     f"{mem_growth:.2f} MiB", mem_growth < 1))
    lines = ["| target | measured | met? |", "|---|---:|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in rows]
    return "\n".join(lines)


def report(res, info):
    v = info
    out = [
        "# Benchmarks: results",
        "",
        f"Written by `make bench` (bench/run.sh) on {v['date']}{' — QUICK smoke run, figures not meaningful' if QUICK else ''}. "
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
        f"**Method**: {ROUNDS} round(s), contenders alternated (the order rotates every round); each figure is the "
        f"median over rounds. Web: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}, {WEB_SECONDS:g} s after "
        f"{WARMUP_SECONDS:g} s of warm-up, nginx + php-fpm (static pool of {FPM_WORKERS}, opcache on) over a unix "
        f"socket, each web request one getbyuserid of {WEB_LIMIT} records. CLI loop: add for {CLI_SECONDS:g} s, then "
        "as many getbyuserid (50 records) for at most as long. Every answer is checked (see README).",
        "",
    ]
    cpu_note = ("CPU ms per request: user + system CPU time of the php-fpm workers (for the floor its server "
                "process, for the loopback row the emulator), all threads, divided by the requests answered. "
                "gettoken calls: counted by the emulator over the measured window (requests in flight at its "
                "edges make the seed style's count differ slightly from its requests).")
    if "web" in res:
        out += ["## Headline: php-fpm, one DingTalk call per web request, over HTTPS", "",
                web_table(res["web"]["https"]), "", cpu_note, ""]
    out += ["## Targets", ""]
    mem_text, cost, growth = (memory_section(res["memory"]) if "memory" in res else ("", None, None))
    out += [targets(res, cost, growth), ""]
    notes = os.path.join(BENCH, "results-notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            out += [f.read().strip(), ""]
    if "web" in res:
        out += ["## php-fpm over HTTP", "", web_table(res["web"]["http"]), "", cpu_note, ""]
    if "cli" in res:
        for transport in ("http", "https"):
            out += [f"## CLI loop over {transport.upper()} (one process: N adds, then N getbyuserid)", "",
                    cli_table(res["cli"][transport]), ""]
    if "cold" in res:
        out += ["## Cold start (first call in a fresh process, client set-up and PHP start included)", "",
                cold_table(res["cold"]), "",
                "\"first call\" is measured inside the process from its first line to the answer; \"whole process\" "
                "from spawn to exit as seen by the runner. gettoken calls are counted by the emulator.", ""]
    if "memory" in res:
        out += ["## Memory", "", mem_text, ""]
    return "\n".join(out)


def rerender():
    """`run.py --report`: writes bench/results.md again from the last full run's raw figures
    (bench/out/results.json), e.g. after bench/results-notes.md changed."""
    with open(os.path.join(BENCH, "out", "results.json")) as f:
        saved = json.load(f)
    for name, value in saved["info"]["settings"].items():
        globals()[name] = tuple(value) if isinstance(value, list) else value
    with open(os.path.join(BENCH, "results.md"), "w") as f:
        f.write(report(saved["results"], saved["info"]) + "\n")


def main():
    if sys.argv[1:] == ["--report"]:
        rerender()
        return
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for path in (EXT, EMULATOR, FLOOR):
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: run bench/run.sh (it builds the release binaries)")
    tmp = tempfile.mkdtemp(prefix="dingtalk-bench.")
    os.chmod(tmp, 0o755)
    started = time.monotonic()
    try:
        info = machine_and_versions()
        emulators = {"http": Emulator(tmp, tls=False), "https": Emulator(tmp, tls=True)}
        log(f"emulators at {emulators['http'].url} and {emulators['https'].url}; temp dir {tmp}")
        res = {}
        if "web" in ONLY:
            res["web"] = scenario_web(tmp, emulators)
        if "cli" in ONLY:
            res["cli"] = scenario_cli(emulators)
        if "cold" in ONLY:
            res["cold"] = scenario_cold(emulators)
        if "memory" in ONLY:
            res["memory"] = scenario_memory(tmp, emulators["http"])
        info["loadavg_end"] = os.getloadavg()
        info["settings"] = {name: globals()[name] for name in SETTINGS}
        info["seconds"] = time.monotonic() - started
        full = ONLY == {"web", "cli", "cold", "memory"} and not QUICK
        out_dir = os.path.join(BENCH, "out")
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "results.json" if full else "results-partial.json"), "w") as f:
            json.dump({"info": info, "results": res}, f, indent=1)
        text = report(res, info)
        target = os.path.join(BENCH, "results.md") if full or os.environ.get("BENCH_WRITE") == "1" \
            else os.path.join(out_dir, "results.md")
        with open(target, "w") as f:
            f.write(text + "\n")
        log(f"done in {info['seconds']:.0f} s; wrote {os.path.relpath(target, ROOT)}")
        print(text)
    finally:
        PROCS.stop_all()
        if os.environ.get("BENCH_KEEP_TMP") == "1":
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
