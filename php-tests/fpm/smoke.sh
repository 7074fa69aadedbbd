#!/usr/bin/env bash
# php-fpm smoke test of the dingtalk extension.
#
# Starts the emulator (port 0) and php-fpm (a unix socket in a temporary directory, 2 static
# workers), sends 20 concurrent FastCGI requests to php-tests/fpm/create.php with cgi-fcgi, and
# checks that all 20 created a record (20 distinct ids, 20 stored by the emulator), that the
# workers fetched at most 2 tokens (one per worker: the token cache outlives PHP requests) and
# that php-fpm could set every ini value of the pool; and that a .user.ini overrides what the
# pool set with php_value, not what it set with php_admin_value.
#
# The extension is loaded as php.ini loads it (`php-fpm -d extension=...`): its module startup
# runs in the master, before the workers are forked, as in production. The client's base URL
# and timeout are not in the code but the pool's ini defaults: php_admin_value[dingtalk.base_url]
# and php_value[dingtalk.timeout].
#
# Env: DINGTALK_EXTENSION (the .so), DINGTALK_EMULATOR_BIN, optionally PHP_FPM and PHP.
# Exit 0 and "fpm smoke: OK ..." on success; non-zero and "fpm smoke: FAIL ..." otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ext="${DINGTALK_EXTENSION:-$root/target/debug/libdingtalk.so}"
emulator="${DINGTALK_EMULATOR_BIN:-$root/target/debug/dingtalk-emulator}"
php="${PHP:-php}"
fpm="${PHP_FPM:-/usr/sbin/php-fpm$("$php" -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' 2>/dev/null)}"
requests=20
max_tokens=2

fail() {
  echo "fpm smoke: FAIL: $*" >&2
  exit 1
}

[ -f "$ext" ] || fail "extension not found: $ext (set DINGTALK_EXTENSION or build it)"
[ -x "$emulator" ] || fail "emulator not found: $emulator (set DINGTALK_EMULATOR_BIN or build it)"
[ -x "$fpm" ] || fail "php-fpm not found: $fpm (set PHP_FPM)"
command -v cgi-fcgi >/dev/null || fail "cgi-fcgi not found (Debian package libfcgi-bin)"
command -v "$php" >/dev/null || fail "php not found"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/dingtalk-fpm-smoke.XXXXXX")"
emulator_pid=""
fpm_pid=""

show_logs() {
  for log in "$tmp/emulator.err" "$tmp/fpm.log"; do
    if [ -s "$log" ]; then
      echo "--- $(basename "$log")" >&2
      tail -n 30 "$log" >&2
    fi
  done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$status" != 0 ]; then show_logs; fi
  if [ -n "$fpm_pid" ] && kill -0 "$fpm_pid" 2>/dev/null; then
    kill -QUIT "$fpm_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$fpm_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$fpm_pid" 2>/dev/null || true
    wait "$fpm_pid" 2>/dev/null || true
  fi
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill -TERM "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the emulator: read its first stdout line (the URL) from a fifo, with a timeout -------------
app_key="smoke_app"
app_secret="smoke secret &#+=/?"
mkfifo "$tmp/emulator.out"
"$emulator" --listen 127.0.0.1:0 --app "$app_key:$app_secret" >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emulator_pid=$!
# Kept open to the end, so the emulator never writes into a closed pipe.
exec 3<"$tmp/emulator.out"
line=""
read -r -t 15 line <&3 || fail "the emulator did not announce its address within 15 s"
case "$line" in
  "listening on http://"*) base_url="${line#listening on }" ;;
  *) fail "unexpected first line from the emulator: $line" ;;
esac

control() { # control METHOD PATH -> JSON answer on stdout
  "$php" -n -r '
    $ctx = stream_context_create(["http" => ["method" => $argv[1], "timeout" => 10, "ignore_errors" => true]]);
    $body = file_get_contents($argv[2], false, $ctx);
    if ($body === false || !str_contains($http_response_header[0] ?? "", " 200")) {
        fwrite(STDERR, "control request failed: " . ($http_response_header[0] ?? "no answer") . "\n");
        exit(1);
    }
    echo $body;
  ' "$1" "$base_url$2"
}

# --- php-fpm ----------------------------------------------------------------------------------
socket="$tmp/fpm.sock"
run_as_root=()
if [ "$(id -u)" = 0 ]; then run_as_root=(-R); fi
cat >"$tmp/fpm.conf" <<EOF
[global]
pid = $tmp/fpm.pid
error_log = $tmp/fpm.log
log_level = notice
daemonize = no

[smoke]
listen = $socket
listen.mode = 0600
pm = static
pm.max_children = 2
ping.path = /fpm-ping
ping.response = pong
clear_env = yes
env[DINGTALK_APP_KEY] = "$app_key"
env[DINGTALK_APP_SECRET] = "$app_secret"
php_admin_value[dingtalk.base_url] = "$base_url"
php_value[dingtalk.timeout] = 5
php_admin_value[error_log] = $tmp/php-errors.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off
catch_workers_output = yes
EOF
"$fpm" -n -d "extension=$ext" -F -y "$tmp/fpm.conf" "${run_as_root[@]}" >"$tmp/fpm.stdout" 2>&1 &
fpm_pid=$!

fcgi() { # fcgi SCRIPT_FILENAME SCRIPT_NAME QUERY_STRING -> raw CGI answer on stdout
  # DOCUMENT_ROOT: the script's directory, where php-fpm looks for a .user.ini.
  env -i \
    SCRIPT_FILENAME="$1" SCRIPT_NAME="$2" REQUEST_URI="$2?$3" QUERY_STRING="$3" \
    DOCUMENT_ROOT="$(dirname "$1")" \
    REQUEST_METHOD=GET SERVER_PROTOCOL=HTTP/1.1 GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_NAME=localhost SERVER_PORT=80 REMOTE_ADDR=127.0.0.1 \
    cgi-fcgi -bind -connect "$socket"
}

# Readiness: the socket answers FPM's ping. Bounded: 100 tries, 50 ms apart.
ready=""
for _ in $(seq 1 100); do
  kill -0 "$fpm_pid" 2>/dev/null || fail "php-fpm exited at start: $(cat "$tmp/fpm.stdout" 2>/dev/null)"
  if [ -S "$socket" ] && fcgi /fpm-ping /fpm-ping "" 2>/dev/null | grep -q '^pong'; then
    ready=yes
    break
  fi
  sleep 0.05
done
[ -n "$ready" ] || fail "php-fpm did not answer its ping within 5 s"

# --- 20 concurrent requests -------------------------------------------------------------------
pids=()
for i in $(seq 1 "$requests"); do
  fcgi "$here/create.php" /create.php "n=$i" >"$tmp/answer.$i" 2>"$tmp/answer.$i.err" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || true
done

ok=0
ids=()
workers=()
for i in $(seq 1 "$requests"); do
  answer="$tmp/answer.$i"
  # A CGI answer: headers, an empty line, the body (CRLF line ends).
  body="$(tr -d '\r' <"$answer" | sed '1,/^$/d')"
  if grep -qi '^Status: ' "$answer"; then
    echo "request $i: $(tr -d '\r' <"$answer" | grep -i '^Status: ') $body" >&2
  elif [[ "$body" =~ ^[0-9a-f]{32}$ ]]; then
    ok=$((ok + 1))
    ids+=("$body")
    workers+=("$(tr -d '\r' <"$answer" | sed -n 's/^X-Worker-Pid: //p')")
  else
    echo "request $i: unexpected answer: $(head -c 300 "$answer") $(cat "$tmp/answer.$i.err")" >&2
  fi
done

distinct="$(printf '%s\n' "${ids[@]:-}" | sed '/^$/d' | sort -u | wc -l)"
worker_count="$(printf '%s\n' "${workers[@]:-}" | sed '/^$/d' | sort -u | wc -l)"
stored="$(control GET "/_emulator/records?userid=smoke-user" | "$php" -n -r 'echo count(json_decode(stream_get_contents(STDIN), true)["records"]);')"
gettoken="$(control GET /_emulator/stats | "$php" -n -r 'echo json_decode(stream_get_contents(STDIN), true)["gettoken"];')"

# --- per-directory settings: a .user.ini beside a script -------------------------------------
# It may change what the pool set with php_value, not what it set with php_admin_value.
mkdir "$tmp/www"
printf 'dingtalk.timeout = 7\ndingtalk.base_url = http://127.0.0.1:9\n' >"$tmp/www/.user.ini"
printf '<?php echo ini_get("dingtalk.timeout"), " ", ini_get("dingtalk.base_url");\n' >"$tmp/www/ini.php"
per_directory="$(fcgi "$tmp/www/ini.php" /ini.php "" | tr -d '\r' | sed '1,/^$/d')"

problems=()
[ "$per_directory" = "7 $base_url" ] || problems+=("with a .user.ini: \"$per_directory\", expected \"7 $base_url\"")
[ "$ok" = "$requests" ] || problems+=("$ok/$requests requests succeeded")
[ "$distinct" = "$requests" ] || problems+=("$distinct distinct record ids, expected $requests")
[ "$stored" = "$requests" ] || problems+=("the emulator stored $stored records, expected $requests")
[ "$gettoken" -le "$max_tokens" ] || problems+=("$gettoken token fetches, expected at most $max_tokens")
if grep -Eqi 'SIGSEGV|SIGABRT|exited on signal|panicked|PHP Fatal' "$tmp/fpm.log" "$tmp/php-errors.log" 2>/dev/null; then
  problems+=("php-fpm logged a crash or a fatal error")
fi
if grep -q 'Unable to set php_' "$tmp/fpm.log" 2>/dev/null; then
  problems+=("php-fpm could not set an ini value of the pool: $(grep -m1 'Unable to set php_' "$tmp/fpm.log")")
fi

summary="$ok/$requests requests ok, $distinct distinct ids, $stored stored, gettoken=$gettoken (max $max_tokens), $worker_count worker(s)"
if [ "${#problems[@]}" -gt 0 ]; then
  fail "$summary; $(IFS=';'; echo "${problems[*]}")"
fi
echo "fpm smoke: OK: $summary"
