"""The run: checks the binaries, starts the emulators, runs the scenarios asked for, saves the
raw figures (bench/out/) and writes results.md; stops everything it started, whatever happens."""

import json
import os
import shutil
import signal
import sys
import tempfile
import time

from .context import Run
from .machine import machine_and_versions
from .procs import PROCS, on_signal
from .report import report, rerender
from .scenarios import SCENARIOS
from .settings import BENCH, EMULATOR, EXT, FLOOR, OUT, ROOT, Settings, log


def only():
    """The scenarios BENCH_ONLY names (all when it is unset), in the order of a full run."""
    asked = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    unknown = set(asked) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    return [name for name in SCENARIOS if name in asked] if asked else list(SCENARIOS)


def main():
    if sys.argv[1:] == ["--report"]:
        rerender()
        return
    if sys.argv[1:]:
        raise SystemExit("usage: run.py [--report]  (knobs are environment variables: see bench/README.md)")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for path in (EXT, EMULATOR, FLOOR):
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: run bench/run.sh (it builds the release binaries)")
    settings, chosen = Settings.from_environment(), only()
    tmp = tempfile.mkdtemp(prefix="dingtalk-bench.")
    os.chmod(tmp, 0o755)
    started = time.monotonic()
    ctx = None
    try:
        info = machine_and_versions()
        ctx = Run(tmp, settings)
        log(f"emulators at {ctx.emulators['http'].url} and {ctx.emulators['https'].url}; temp dir {tmp}")
        res = {name: SCENARIOS[name].run(ctx) for name in chosen}
        info["loadavg_end"] = os.getloadavg()
        info["settings"] = settings.saved()
        info["seconds"] = time.monotonic() - started
        full = len(chosen) == len(SCENARIOS) and not settings.QUICK
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "results.json" if full else "results-partial.json"), "w") as f:
            json.dump({"info": info, "results": res}, f, indent=1)
        text = report(res, info, settings)
        target = os.path.join(BENCH, "results.md") if full or os.environ.get("BENCH_WRITE") == "1" \
            else os.path.join(OUT, "results.md")
        with open(target, "w") as f:
            f.write(text + "\n")
        log(f"done in {info['seconds']:.0f} s; wrote {os.path.relpath(target, ROOT)}")
        print(text)
    finally:
        if ctx is not None:
            ctx.close()
        PROCS.stop_all()
        if os.environ.get("BENCH_KEEP_TMP") == "1":
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
