#!/usr/bin/env bash
# An application's own PHPUnit tests against the emulator, as a user runs them after installing the
# extension: testing/example/ (its code, a bootstrap that starts the emulator with the testing
# package, its tests; docs/testing.md shows the same files).
#
#   scripts/example-app.sh prepare DIR             copies testing/ to DIR/testing and installs the
#                                                  example's dependencies with Composer (the testing
#                                                  package from DIR/testing; no registry)
#   scripts/example-app.sh run DIR PHP [PHP-ARG...]  runs the example's PHPUnit with that PHP, e.g.
#                                                  php -d extension=/path/to/dingtalk.so
#
# `run` sets no DINGTALK_EMULATOR_BIN and keeps cargo off the PATH (APP_PATH, default
# /usr/local/bin:/usr/bin:/bin): the testing package must find the dingtalk-emulator installed with
# the extension by itself, beside it or on that PATH.
# PHPUNIT names PHPUnit (default /usr/bin/phpunit); the tests run on PHPUnit 9.6 to 13.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  echo "usage: $0 prepare DIR | run DIR PHP [PHP-ARG...]" >&2
  exit 2
}
(($# >= 2)) || usage
mode="$1"
dir="$(mkdir -p "$2" && cd "$2" && pwd)"
shift 2
app="$dir/testing/example"

case "$mode" in
  prepare)
    rm -rf "$dir/testing"
    cp -R "$repo/testing" "$dir/testing"
    rm -rf "$app/vendor" "$app/composer.lock"
    # The extension is not loaded where Composer runs: the app's ext-dingtalk is checked by `run`.
    (cd "$app" && COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME="$dir/composer-home" \
      composer install --no-interaction --no-progress --quiet --ignore-platform-req=ext-dingtalk)
    ;;
  run)
    (($# >= 1)) || usage
    [ -f "$app/vendor/autoload.php" ] || { echo "$app is not prepared (scripts/example-app.sh prepare $dir)" >&2; exit 1; }
    cd "$app"
    out="$(env -u DINGTALK_EMULATOR_BIN PATH="${APP_PATH:-/usr/local/bin:/usr/bin:/bin}" \
      "$@" "${PHPUNIT:-/usr/bin/phpunit}" --bootstrap tests/bootstrap.php tests 2>&1)" ||
      { echo "$out" >&2; echo "example-app: FAIL: $*" >&2; exit 1; }
    grep -q '^OK (2 tests' <<<"$out" || { echo "$out" >&2; echo "example-app: FAIL: not the 2 tests passing" >&2; exit 1; }
    echo "example-app: OK: $*: the example app's PHPUnit tests passed against the emulator found by the testing package"
    ;;
  *) usage ;;
esac
