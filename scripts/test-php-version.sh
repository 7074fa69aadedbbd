#!/usr/bin/env bash
# One leg of the PHP version matrix: builds the extension and the emulator for the PHP that PHP and
# PHP_CONFIG name (ext-php-rs builds against them) into CARGO_TARGET_DIR, then runs the PHPUnit
# suite and the php-fpm smoke test with that PHP. scripts/debian-root.sh sets all of these.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${PHP:?}" "${PHP_CONFIG:?}" "${CARGO_TARGET_DIR:?}"
export PHP PHP_CONFIG
echo "== PHP $("$PHP" -r 'echo PHP_VERSION, PHP_ZTS ? " ZTS" : " NTS";'), $("$PHP" "${PHPUNIT:-/usr/bin/phpunit}" --version | head -1)"

cargo build --locked -p dingtalk-php -p dingtalk-emulator
export DINGTALK_EXTENSION="$CARGO_TARGET_DIR/debug/libdingtalk.so"
export DINGTALK_EMULATOR_BIN="$CARGO_TARGET_DIR/debug/dingtalk-emulator"

php-tests/phpunit.sh
php-tests/fpm/smoke.sh
