#!/usr/bin/env bash
# Checks an installed extension the way a user would: PHP (without its php.ini) loads it with the
# given arguments, `php --ri dingtalk` reports this tree's version, and examples/workflow.php runs
# the whole work-record workflow against a fresh emulator.
#
#   scripts/smoke-extension.sh PHP [PHP-ARG...]
#   e.g. scripts/smoke-extension.sh php8.4 -d extension_dir=/tmp/ext -d extension=dingtalk
set -euo pipefail
cd "$(dirname "$0")/.."

(($# >= 1)) || { echo "usage: $0 PHP [PHP-ARG...]" >&2; exit 2; }
php=("$1" -n "${@:2}")
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"

fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}

info="$("${php[@]}" --ri dingtalk 2>&1)" || fail "php --ri dingtalk: $info"
grep -q "$version" <<<"$info" || fail "php --ri dingtalk does not show version $version: $info"
out="$(scripts/with-emulator.sh "${php[@]}" examples/workflow.php 2>&1)" || fail "examples/workflow.php: $out"
grep -q '^5\. completed: yes$' <<<"$out" && grep -q 'ours among them: yes$' <<<"$out" ||
  fail "examples/workflow.php did not complete its record: $out"
echo "smoke: OK: ${php[*]}: dingtalk $version loaded, workflow against the emulator done"
