#!/usr/bin/env bash
# Runs examples/workflow.php (work records), examples/todo.php (to-dos) and examples/notify.php
# (messages): against the local emulator, or against DingTalk when DINGTALK_APP_KEY,
# DINGTALK_APP_SECRET and DINGTALK_USER_ID are all set (notify.php then sends what
# DINGTALK_AGENT_ID, DINGTALK_WEBHOOK_URL and DINGTALK_CONVERSATION_ID allow). Against the
# emulator it also runs examples/chatbot.php, an echo bot, while scripts/chatbot-user.php says
# three things to it (against DingTalk, people write to the bot: run it by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

ext="${DINGTALK_EXTENSION:-$PWD/target/debug/libdingtalk.so}"

if [ -n "${DINGTALK_APP_KEY:-}" ] && [ -n "${DINGTALK_APP_SECRET:-}" ] && [ -n "${DINGTALK_USER_ID:-}" ]; then
  echo "== against ${DINGTALK_ENDPOINT:-DingTalk} as app ${DINGTALK_APP_KEY}"
  php -d "extension=$ext" examples/workflow.php
  php -d "extension=$ext" examples/todo.php
  exec php -d "extension=$ext" examples/notify.php
fi

echo "== against the local emulator (set DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_USER_ID to use DingTalk)"
exec scripts/with-emulator.sh bash -c '
  echo "-- work records (oapi): examples/workflow.php"
  php -d "extension=$1" examples/workflow.php
  echo "-- to-dos (v1.0): examples/todo.php"
  php -d "extension=$1" examples/todo.php
  echo "-- messages (a work notification, a group webhook, the app robot): examples/notify.php"
  # A group webhook robot and a group of the app robot, made through the emulator control API.
  eval "$(php -r "
    \$post = fn (\$path, \$body) => json_decode(file_get_contents(getenv(\"DINGTALK_ENDPOINT\") . \$path, false,
        stream_context_create([\"http\" => [\"method\" => \"POST\", \"header\" => \"Content-Type: application/json\", \"content\" => json_encode(\$body)]])), true);
    \$robot = \$post(\"/_emulator/webhooks\", [\"secret\" => true]);
    \$group = \$post(\"/_emulator/conversations\", [\"title\" => \"ops\", \"members\" => [\"demo-user\"]]);
    printf(\"export DINGTALK_AGENT_ID=1 DINGTALK_WEBHOOK_URL=%s DINGTALK_WEBHOOK_SECRET=%s DINGTALK_CONVERSATION_ID=%s\n\",
        escapeshellarg(\$robot[\"url\"]), escapeshellarg(\$robot[\"secret\"]), escapeshellarg(\$group[\"openConversationId\"]));
  ")"
  php -d "extension=$1" examples/notify.php || exit
  echo "-- a chatbot (Stream mode; it answers in a streaming AI card): examples/chatbot.php"
  worker_out=$(mktemp)
  DINGTALK_MAX_EVENTS=3 DINGTALK_TIMEOUT=60 php -d "extension=$1" examples/chatbot.php >"$worker_out" &
  worker=$!
  php scripts/chatbot-user.php || { kill "$worker"; rm -f "$worker_out"; exit 1; }
  wait "$worker"; status=$?
  sed "s/^/  worker: /" "$worker_out"; rm -f "$worker_out"
  exit "$status"' demo "$ext"
