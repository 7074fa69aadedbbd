#!/usr/bin/env bash
# Runs examples/workflow.php (work records) and examples/todo.php (to-dos): against the local
# emulator, or against DingTalk when DINGTALK_APP_KEY, DINGTALK_APP_SECRET and DINGTALK_USER_ID
# are all set.
set -euo pipefail
cd "$(dirname "$0")/.."

ext="${DINGTALK_EXTENSION:-$PWD/target/debug/libdingtalk.so}"

if [ -n "${DINGTALK_APP_KEY:-}" ] && [ -n "${DINGTALK_APP_SECRET:-}" ] && [ -n "${DINGTALK_USER_ID:-}" ]; then
  echo "== against ${DINGTALK_ENDPOINT:-DingTalk} as app ${DINGTALK_APP_KEY}"
  php -d "extension=$ext" examples/workflow.php
  exec php -d "extension=$ext" examples/todo.php
fi

echo "== against the local emulator (set DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_USER_ID to use DingTalk)"
exec scripts/with-emulator.sh bash -c '
  echo "-- work records (oapi): examples/workflow.php"
  php -d "extension=$1" examples/workflow.php
  echo "-- to-dos (v1.0): examples/todo.php"
  php -d "extension=$1" examples/todo.php' demo "$ext"
