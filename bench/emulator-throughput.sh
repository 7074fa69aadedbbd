#!/usr/bin/env bash
# Throughput of the DingTalk emulator alone: builds it in release mode, starts it on a
# free port, and drives POST /topapi/workrecord/getbyuserid, then /topapi/workrecord/add,
# with wrk over keep-alive connections. Prints requests per second for each.
#
# Usage: bench/emulator-throughput.sh        (env: DURATION=5s THREADS=2 CONNECTIONS=32)
# Needs: cargo, curl, wrk.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
LUA=bench/emulator-throughput.lua

for tool in cargo curl wrk; do
    command -v "$tool" >/dev/null || { echo "emulator-throughput: $tool is not installed" >&2; exit 1; }
done

cargo build --release --quiet -p dingtalk-emulator
BIN=target/release/dingtalk-emulator

# The emulator's first stdout line is its address; reading it is the readiness check.
exec 3< <(exec "$BIN" --listen 127.0.0.1:0)
EMULATOR_PID=$!
stop() {
    kill -TERM "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
}
trap stop EXIT
read -r first_line <&3
URL=${first_line#listening on }
case "$URL" in
    http://*) ;;
    *) echo "emulator-throughput: unexpected first line: $first_line" >&2; exit 1 ;;
esac

TOKEN=$(curl -sf "$URL/gettoken?appkey=demo_app_key&appsecret=demo_app_secret" |
    sed -n 's/.*"access_token":"\([0-9a-f]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "emulator-throughput: no access token" >&2; exit 1; }

post() { # path body -> answer
    curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$URL$1?access_token=$TOKEN"
}
expect_ok() { # path body
    local answer
    answer=$(post "$1" "$2")
    case "$answer" in
        '{"errcode":0,'*) ;;
        *) echo "emulator-throughput: $1 answered $answer" >&2; exit 1 ;;
    esac
}

# A user with 20 pending records, read a full page at a time.
ADD_BODY='{"userid":"bench","create_time":1700000000000,"title":"Approve expense report","url":"https://example.com/m/todo","pcUrl":"https://example.com/pc/todo","formItemList":[{"title":"Amount","content":"42.00"},{"title":"Applicant","content":"Zhang San"}]}'
for _ in $(seq 20); do expect_ok /topapi/workrecord/add "$ADD_BODY"; done
GET_BODY='{"userid":"bench","offset":0,"limit":20,"status":0}'
expect_ok /topapi/workrecord/getbyuserid "$GET_BODY"

run() { # label path body
    local rate
    rate=$(WRK_BODY=$3 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$LUA" \
        "$URL$2?access_token=$TOKEN" | awk '/^Requests\/sec:/ { print $2 }')
    printf '%-12s %10s requests/s  (wrk -t%s -c%s -d%s)\n' "$1" "${rate:-?}" "$THREADS" "$CONNECTIONS" "$DURATION"
}

echo "emulator at $URL, $(nproc) cores"
run getbyuserid /topapi/workrecord/getbyuserid "$GET_BODY"
run add /topapi/workrecord/add "$ADD_BODY"
# Every request must have been answered as a success, not an error.
expect_ok /topapi/workrecord/getbyuserid "$GET_BODY"
curl -sf "$URL/_emulator/stats"
echo
