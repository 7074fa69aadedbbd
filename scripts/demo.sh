#!/usr/bin/env bash
# Runs examples/workflow.php (work records) and examples/todo.php (to-dos): against the local
# emulator, or against DingTalk when DINGTALK_APP_KEY, DINGTALK_APP_SECRET and DINGTALK_USER_ID
# are all set.
set -euo pipefail
cd "$(dirname "$0")/.."

ext="${DINGTALK_EXTENSION:-$PWD/target/debug/libdingtalk.so}"
emulator="${DINGTALK_EMULATOR_BIN:-$PWD/target/debug/dingtalk-emulator}"

if [ -n "${DINGTALK_APP_KEY:-}" ] && [ -n "${DINGTALK_APP_SECRET:-}" ] && [ -n "${DINGTALK_USER_ID:-}" ]; then
  echo "== against DingTalk (${DINGTALK_BASE_URL:-https://oapi.dingtalk.com}) as app ${DINGTALK_APP_KEY}"
  php -d "extension=$ext" examples/workflow.php
  exec php -d "extension=$ext" examples/todo.php
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
export DINGTALK_BASE_URL="$url" DINGTALK_API_BASE_URL="$url" DINGTALK_APP_KEY=demo_app_key \
  DINGTALK_APP_SECRET=demo_app_secret
echo "-- work records (oapi): examples/workflow.php"
php -d "extension=$ext" examples/workflow.php
echo "-- to-dos (v1.0): examples/todo.php"
php -d "extension=$ext" examples/todo.php
