#!/usr/bin/env python3
"""Where the extension's time goes: samples it with `perf record --call-graph dwarf` and prints
how the samples split over the stages of a call.

    bench/profile.py [cli-list|cli-add|fpm-https|fpm-http|callgrind-list|callgrind-add]...
                                                   (default: all)

cli-list / cli-add: one PHP CLI process with the extension calling getbyuserid (50 records) or
add in a loop; fpm-https / fpm-http: the php-fpm workers of the web scenario (one getbyuserid of
10 records per request) under wrk; callgrind-*: instructions per call counted by valgrind
(exact, unlike time on a shared machine). Needs perf, valgrind and the release binaries
(bench/run.sh builds them). Writes bench/out/profile-<target>.txt and prints it. Not part of `make bench`.
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The runner's helpers (bench/dtbench): emulator, php-fpm, nginx, settings.
from dtbench.emulator import Emulator  # noqa: E402
from dtbench.fpm import Fpm  # noqa: E402
from dtbench.nginx import Nginx, fastcgi_location  # noqa: E402
from dtbench.php import cli_env, fpm_params, php_ini  # noqa: E402
from dtbench.procs import PROCS  # noqa: E402
from dtbench.settings import BENCH, PHP, WEB_USER, WRK, Settings  # noqa: E402

S = Settings.from_environment({})  # the defaults of a full run (web limit, wrk's load)

SECONDS = float(os.environ.get("PROFILE_SECONDS", "5"))

# Stages of a call: label, frames that must be on the stack (any of), frames that must not.
STAGES = [
    ("DingTalk\\Client::__construct (per script / web request)", ["dingtalk::client::<impl ext_php_rs::internal::class::PhpClassImpl<dingtalk::client::Client> for ext_php_rs::internal::class::PhpClassImplCollector<dingtalk::client::Client>>::get_constructor"], []),
    ("  config::ca::load: reads and parses the PEM file", ["dingtalk_core::config::ca::load"], []),
    ("  http::pool::entry (transport pool lookup)", ["dingtalk_core::http::pool::entry"], []),
    ("WorkRecord::create (binding, whole call)", ["dingtalk::workrecord::WorkRecord::create"], []),
    ("WorkRecord::list (binding, whole call)", ["dingtalk::workrecord::WorkRecord::list"], []),
    ("  core Executor::execute (token, request, wait, judge, decode)", ["dingtalk_core::exec::Executor::execute"], []),
    ("    auth::TokenCache::token (cached token)", ["dingtalk_core::auth::TokenCache::token"], []),
    ("    exec::url_under (the URL of the call)", ["dingtalk_core::exec::url_under"], []),
    ("    http::send::send (hand-off to reqwest's thread, wait)", ["dingtalk_core::http::send::send"], []),
    ("    dialect::oapi_success::read (a success in one pass)", ["dingtalk_core::dialect::oapi_success::read"], []),
    ("    oapi judge (errors and the token fetch only)", ["<dingtalk_core::dialect::oapi::Oapi as dingtalk_core::dialect::Dialect>::judge"], []),
    ("    dialect::decode (after judge: errors and the token fetch)", ["dingtalk_core::dialect::decode"], []),
    ("  binding record_array (Record → PHP array)", ["dingtalk::workrecord::output::record_array"], []),
    ("reqwest's runtime thread (HTTP, TLS, socket I/O)", ["@thread:reqwest-interna"], []),
    ("PHP request start-up + shutdown (php-fpm)", ["php_request_startup", "php_request_shutdown"], []),
]
ALLOCATOR = {"_int_malloc", "_int_free", "malloc", "cfree@GLIBC_2.2.5", "free", "malloc_consolidate",
             "unlink_chunk.constprop.0", "_int_realloc", "realloc", "__libc_malloc", "__libc_free"}

HEADER = re.compile(r"^(\S.*?)\s+(\d+)\s+[\d.]+:\s+\d+\s+\S+")
FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$")


def samples(data):
    """(thread name, [frames leaf first]) for each sample of a perf.data file."""
    text = subprocess.run(["perf", "script", "-i", data], capture_output=True, text=True, errors="replace").stdout
    out, thread, frames = [], None, []
    for line in text.splitlines():
        if not line.strip():
            if thread is not None:
                out.append((thread, frames))
            thread, frames = None, []
            continue
        if thread is None:
            m = HEADER.match(line)
            thread = m.group(1) if m else "?"
            continue
        m = FRAME.match(line)
        if m:
            frames.append(m.group(1))
    if thread is not None:
        out.append((thread, frames))
    return out


def on_stack(thread, frames, names):
    for name in names:
        if name.startswith("@thread:"):
            if thread.startswith(name[len("@thread:"):]):
                return True
        elif any(f.startswith(name) for f in frames):
            return True
    return False


def summarize(title, data):
    all_samples = samples(data)
    total = len(all_samples) or 1
    lines = [f"# {title}", f"{len(all_samples)} samples (perf record -F 999 --call-graph dwarf); "
             "shares are of all samples of the profiled process(es), inclusive of callees.", ""]
    threads = collections.Counter(t for t, _ in all_samples)
    lines.append("threads: " + ", ".join(f"{t} {n * 100 / total:.1f} %" for t, n in threads.most_common()))
    lines.append("")
    for label, want, unwanted in STAGES:
        n = sum(1 for t, f in all_samples if on_stack(t, f, want) and not on_stack(t, f, unwanted))
        if n:
            lines.append(f"{n * 100 / total:6.1f} %  {label}")
    alloc = sum(1 for _, f in all_samples if f and f[0] in ALLOCATOR)
    lines += [f"{alloc * 100 / total:6.1f} %  glibc malloc/free (self time, any caller)", ""]
    leaf = collections.Counter(f[0] for _, f in all_samples if f)
    lines.append("top self symbols:")
    for sym, n in leaf.most_common(20):
        lines.append(f"{n * 100 / total:6.1f} %  {sym[:150]}")
    return "\n".join(lines) + "\n"


def record(argv_or_pids, data, seconds):
    base = ["perf", "record", "-F", "999", "--call-graph", "dwarf,16384", "-o", data, "--quiet"]
    if isinstance(argv_or_pids, str):
        cmd = base + ["-p", argv_or_pids, "--", "sleep", str(seconds)]
    else:
        cmd = base + ["--"] + argv_or_pids
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_cli(tmp, target):
    emulator = Emulator(tmp, tls=False)
    op = target.split("-")[1]
    user = f"profile-{op}"
    emulator.add_records(user, 50)
    script = os.path.join(tmp, f"{op}.php")
    with open(script, "w") as f:
        f.write(f"""<?php
$c = new DingTalk\\Client(getenv('DT_KEY'), getenv('DT_SECRET'), ['base_url' => getenv('DT_BASE_URL')]);
$w = $c->workRecords();
$end = hrtime(true) + (int) ({SECONDS} * 1e9); $n = 0;
while (hrtime(true) < $end && $n < 1000000) {{
    {"$w->list(getenv('DT_USER'), 0, 0, 50);" if op == "list" else "$w->create(getenv('DT_USER'), 'Expense claim', 'https://example.com/claims/1', ['Applicant' => 'bench', 'Amount' => '42.00']);"}
    $n++;
}}
fwrite(STDERR, "$n calls\\n");
""")
    os.environ.update(cli_env(emulator, user))
    data = os.path.join(tmp, f"{target}.data")
    record([PHP] + php_ini("extension", fpm=False) + [script], data, SECONDS)
    return summarize(f"{target}: one CLI process, extension, {'getbyuserid (50 records)' if op == 'list' else 'add'} in a loop for {SECONDS:g} s", data)


def profile_fpm(tmp, target):
    transport = target.split("-")[1]
    emulator = Emulator(tmp, tls=transport == "https")
    emulator.add_records(WEB_USER, S.WEB_LIMIT * 2)
    fpm = Fpm(tmp, "extension", "extension", S.FPM_WORKERS)
    params = fpm_params(emulator, WEB_USER, S.WEB_LIMIT)
    nginx = Nginx(tmp, [fastcgi_location("/call", fpm.sock, os.path.join(BENCH, "web", "extension.php"), params)])
    status, body = nginx.get("/call")
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body}")
    load = PROCS.start("wrk", [WRK, f"-t{S.WRK_THREADS}", f"-c{S.WRK_CONNECTIONS}", f"-d{int(SECONDS) + 3}s",
                               nginx.url("/call")])
    time.sleep(1)
    data = os.path.join(tmp, f"{target}.data")
    record(",".join(map(str, fpm.workers())), data, SECONDS)
    load.wait(timeout=SECONDS + 30)
    return summarize(f"{target}: the {S.FPM_WORKERS} php-fpm workers (extension) under wrk -t{S.WRK_THREADS} "
                     f"-c{S.WRK_CONNECTIONS}, one getbyuserid ({S.WEB_LIMIT} records) per request over "
                     f"{transport.upper()}", data)


# Functions whose inclusive instruction count callgrind reports, per call.
CALLGRIND_FUNCTIONS = [
    ("WorkRecord::create (binding, whole call)", "dingtalk::workrecord::WorkRecord::create"),
    ("WorkRecord::list (binding, whole call)", "dingtalk::workrecord::WorkRecord::list"),
    ("  core WorkRecords::create", "dingtalk_core::api::workrecord::WorkRecords::create"),
    ("  core WorkRecords::list", "dingtalk_core::api::workrecord::WorkRecords::list"),
    ("    core Executor::execute", "dingtalk_core::exec::Executor::execute"),
    ("      exec::url_under", "dingtalk_core::exec::url_under"),
    ("      http::send::send", "dingtalk_core::http::send::send"),
    ("      dialect::oapi_success::read (a success in one pass)", "dingtalk_core::dialect::oapi_success::read"),
    ("      oapi judge (errors and the token fetch only)", "<dingtalk_core::dialect::oapi::Oapi as dingtalk_core::dialect::Dialect>::judge"),
    ("      dialect::decode (after judge: errors and the token fetch)", "dingtalk_core::dialect::decode"),
    ("  binding record_array (Record → PHP array)", "dingtalk::workrecord::output::record_array"),
    ("malloc", "malloc"),
    ("free", "free"),
]


def profile_callgrind(tmp, target):
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed")
    emulator = Emulator(tmp, tls=False)
    op = target.split("-")[1]
    calls = 300
    user = f"callgrind-{op}"
    emulator.add_records(user, 50)
    script = os.path.join(tmp, f"{op}.php")
    call = ("$w->list(getenv('DT_USER'), 0, 0, 50);" if op == "list" else
            "$w->create(getenv('DT_USER'), 'Expense claim', 'https://example.com/claims/1', "
            "['Applicant' => 'bench', 'Amount' => '42.00']);")
    with open(script, "w") as f:
        f.write(f"""<?php
$c = new DingTalk\Client(getenv('DT_KEY'), getenv('DT_SECRET'), ['base_url' => getenv('DT_BASE_URL')]);
$w = $c->workRecords();
for ($i = 0; $i < {calls}; $i++) {{ {call} }}
""")
    out = os.path.join(tmp, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", PHP]
                   + php_ini("extension", fpm=False) + [script],
                   env=cli_env(emulator, user), check=True, capture_output=True, timeout=600)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                          capture_output=True, text=True).stdout
    inclusive = collections.defaultdict(int)
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*?:(.*?)(?:'\d+)? \[", line)
        if m:
            name = m.group(2)
            inclusive[name] = max(inclusive[name], int(m.group(1).replace(",", "")))
    what = "getbyuserid (50 records)" if op == "list" else "add"
    lines = [f"# {target}: one CLI process, extension, {calls} × {what}, counted by valgrind --tool=callgrind",
             "instructions per call, inclusive of callees (the client's set-up and the token fetch are spread over the calls)", ""]
    for label, name in CALLGRIND_FUNCTIONS:
        n = inclusive.get(name, 0)
        if n:
            lines.append(f"{n / calls:12,.0f}  {label}")
    return "\n".join(lines) + "\n"


def main():
    if not shutil.which("perf"):
        raise SystemExit("perf is not installed")
    targets = sys.argv[1:] or ["cli-list", "cli-add", "fpm-https", "fpm-http", "callgrind-list", "callgrind-add"]
    out_dir = os.path.join(BENCH, "out")
    os.makedirs(out_dir, exist_ok=True)
    import tempfile
    for target in targets:
        tmp = tempfile.mkdtemp(prefix="dingtalk-profile.")
        os.chmod(tmp, 0o755)
        try:
            if target.startswith("cli-"):
                text = profile_cli(tmp, target)
            elif target.startswith("fpm-"):
                text = profile_fpm(tmp, target)
            elif target.startswith("callgrind-"):
                text = profile_callgrind(tmp, target)
            else:
                raise SystemExit(f"unknown target {target}")
        finally:
            PROCS.stop_all()
            shutil.rmtree(tmp, ignore_errors=True)
        with open(os.path.join(out_dir, f"profile-{target}.txt"), "w") as f:
            f.write(text)
        print(text)


if __name__ == "__main__":
    main()
