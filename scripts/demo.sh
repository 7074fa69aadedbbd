#!/usr/bin/env bash
# Runs examples/workflow.php: against the local emulator, or against DingTalk when
# DINGTALK_APP_KEY, DINGTALK_APP_SECRET and DINGTALK_USER_ID are all set.
set -euo pipefail
cd "$(dirname "$0")/.."

ext="${DINGTALK_EXTENSION:-$PWD/target/debug/libdingtalk.so}"

if [ -n "${DINGTALK_APP_KEY:-}" ] && [ -n "${DINGTALK_APP_SECRET:-}" ] && [ -n "${DINGTALK_USER_ID:-}" ]; then
  echo "== against DingTalk (${DINGTALK_BASE_URL:-https://oapi.dingtalk.com}) as app ${DINGTALK_APP_KEY}"
  exec php -d "extension=$ext" examples/workflow.php
fi

echo "== against the local emulator (set DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_USER_ID to use DingTalk)"
exec scripts/with-emulator.sh php -d "extension=$ext" examples/workflow.php
