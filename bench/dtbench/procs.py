"""Process supervision: every process a run starts lives in its own session and is stopped by
its own id; plus the small waits and readings of /proc the scenarios share."""

import json
import os
import re
import signal
import socket
import subprocess
import time


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


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(parent):
    """The ids of a process's direct children."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields is not None and int(fields[1]) == parent:
                pids.append(int(entry))
    return pids


def cpu_seconds(pids):
    """User + system CPU time of processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))
