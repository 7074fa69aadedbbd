#!/usr/bin/env bash
# Runs a command against a fresh emulator: starts dingtalk-emulator on 127.0.0.1 (port 0), exports
# DINGTALK_ENDPOINT (its address: it serves both API families), DINGTALK_APP_KEY and
# DINGTALK_APP_SECRET (its demo app), runs the command and stops the emulator, whatever the
# command's outcome. Exits with the command's status.
#
#   scripts/with-emulator.sh COMMAND [ARG...]     (DINGTALK_EMULATOR_BIN: default target/debug/)
set -euo pipefail

emulator="${DINGTALK_EMULATOR_BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/debug/dingtalk-emulator}"
[ -x "$emulator" ] || { echo "emulator not found: $emulator (build it, or set DINGTALK_EMULATOR_BIN)" >&2; exit 1; }

coproc EMULATOR { exec "$emulator" --listen 127.0.0.1:0; }
emulator_pid=$EMULATOR_PID
trap 'kill "$emulator_pid" 2>/dev/null; wait "$emulator_pid" 2>/dev/null' EXIT

# The first line the emulator prints is its address; wait for it (bounded), no sleeping.
if ! IFS= read -r -t 10 line <&"${EMULATOR[0]}"; then
  echo "the emulator did not start" >&2
  exit 1
fi
export DINGTALK_ENDPOINT="${line#listening on }"
export DINGTALK_APP_KEY=demo_app_key DINGTALK_APP_SECRET=demo_app_secret
echo "emulator at $DINGTALK_ENDPOINT" >&2
"$@"
