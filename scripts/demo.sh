#!/usr/bin/env bash
# Runs examples/workflow.php: against the local emulator, or against DingTalk when
# DINGTALK_APP_KEY, DINGTALK_APP_SECRET and DINGTALK_USER_ID are all set.
set -euo pipefail
cd "$(dirname "$0")/.."

ext="${DINGTALK_EXTENSION:-$PWD/target/debug/libdingtalk.so}"
emulator="${DINGTALK_EMULATOR_BIN:-$PWD/target/debug/dingtalk-emulator}"

if [ -n "${DINGTALK_APP_KEY:-}" ] && [ -n "${DINGTALK_APP_SECRET:-}" ] && [ -n "${DINGTALK_USER_ID:-}" ]; then
  echo "== against DingTalk (${DINGTALK_BASE_URL:-https://oapi.dingtalk.com}) as app ${DINGTALK_APP_KEY}"
  exec php -d "extension=$ext" examples/workflow.php
fi

dir=$(mktemp -d)
coproc EMULATOR { exec "$emulator" --listen 127.0.0.1:0; }
emulator_pid=$EMULATOR_PID
trap 'kill "$emulator_pid" 2>/dev/null; wait "$emulator_pid" 2>/dev/null; rm -rf "$dir"' EXIT

# The first line the emulator prints is its address; wait for it (bounded), no sleeping.
if ! IFS= read -r -t 10 line <&"${EMULATOR[0]}"; then
  echo "the emulator did not start" >&2
  exit 1
fi
url="${line#listening on }"
echo "== against the local emulator at $url (set DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_USER_ID to use DingTalk)"
DINGTALK_BASE_URL="$url" DINGTALK_APP_KEY=demo_app_key DINGTALK_APP_SECRET=demo_app_secret \
  php -d "extension=$ext" examples/workflow.php
