#!/usr/bin/env bash
# `make bench`: installs what is missing, builds the release binaries, then runs every
# benchmark scenario with every contender (bench/run.py) and writes bench/results.md.
# BENCH_QUICK=1 makes a short smoke run. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# Long steps run in the background so that a signal reaches them: the trap stops the step in
# progress by its process id (run.py in turn stops every process it started) and waits for it.
child=""
stop() {
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
}
trap stop EXIT
trap 'stop; exit 130' INT TERM
step() {
    "$@" &
    child=$!
    wait "$child"
    child=""
}

scripts/install-deps.sh bench
# (php8.2-curl is in the bench list: Guzzle's usual handler is curl, which Debian's
# php-guzzlehttp-guzzle only suggests; without it Guzzle would fall back to PHP streams.)

step cargo build --release -p dingtalk-php -p dingtalk-emulator -p dingtalk-bench-floor
# DingTalk's official Stream SDKs, the contenders of the Stream consumption scenario.
step scripts/install-sdks.sh "${DINGTALK_SDKS:-.cache/sdk}"

for f in bench/lib/*.php bench/cli/*.php bench/web/*.php bench/stream/*.php; do
    php -n -l "$f" >/dev/null
done

step python3 bench/run.py
