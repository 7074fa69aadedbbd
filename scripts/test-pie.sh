#!/usr/bin/env bash
# PIE's build sequence on a clean copy of this tree, then the installed extension loaded and used:
#
#   phpize && ./configure --with-php-config=PHP_CONFIG && make && make install INSTALL_ROOT=<tmp>
#
# Also checks that ./configure stops with a clear message when cargo or libclang is missing, and
# that `make install` runs no cargo (PIE may run it with sudo, where no Rust toolchain is).
#
#   scripts/test-pie.sh [PHP_CONFIG]      default: php-config (this machine's PHP)
# Needs the emulator (DINGTALK_EMULATOR_BIN, default target/debug/) for the smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

php_config="$(command -v "${1:-php-config}")" || { echo "php-config not found: ${1:-php-config}" >&2; exit 1; }
# Debian names them in pairs: php-config8.4 and phpize8.4.
phpize="$(dirname "$php_config")/$(basename "$php_config" | sed 's/php-config/phpize/')"
php="$("$php_config" --php-binary)"
ext_dir="$("$php_config" --extension-dir)"

work="$(mktemp -d "${TMPDIR:-/tmp}/dingtalk-pie.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "pie: FAIL: $*" >&2
  exit 1
}

scripts/clean-copy.sh "$work/src"
cd "$work/src/pie"

echo "== $phpize"
"$phpize"

# Without cargo (rustup's ~/.cargo/bin off the PATH and HOME elsewhere) or libclang, ./configure
# must stop and say what to install.
expect_configure_error() { # expect_configure_error WHAT PATTERN [ENV...]
  local what="$1" pattern="$2" out
  shift 2
  if out="$(env "$@" ./configure --with-php-config="$php_config" 2>&1)"; then
    fail "./configure passed without $what"
  fi
  grep -q "$pattern" <<<"$out" || fail "./configure without $what did not say so: $(tail -n 3 <<<"$out")"
  echo "without $what: $(grep 'error:' <<<"$out" | head -1)"
}
if ! PATH=/usr/bin:/bin command -v cargo >/dev/null; then
  expect_configure_error cargo 'cargo not found.*install a Rust toolchain' PATH=/usr/bin:/bin HOME="$work"
fi
mkdir "$work/no-libclang"
expect_configure_error libclang 'libclang not found.*libclang-dev' LIBCLANG_PATH="$work/no-libclang"

# cargo's build cache outlives the copy: the sources are fresh, the compiled dependencies are
# reused, from target/php<version>/ where `make dist` builds for the same PHP.
export CARGO_TARGET_DIR="$repo/target/php$("$php_config" --version | cut -d. -f1,2)"
echo "== ./configure --with-php-config=$php_config"
./configure --with-php-config="$php_config"
echo "== make"
make -j"$(nproc)"
[ -f modules/dingtalk.so ] || fail "make left no modules/dingtalk.so"

echo "== make install INSTALL_ROOT=$work/root (no cargo reachable)"
PATH=/usr/bin:/bin make install INSTALL_ROOT="$work/root" CARGO=/nonexistent/cargo
installed="$work/root$ext_dir/dingtalk.so"
[ -f "$installed" ] || fail "make install did not install $installed"
cmp -s modules/dingtalk.so "$installed" || fail "$installed differs from modules/dingtalk.so"

cd "$repo"
scripts/smoke-extension.sh "$php" -d "extension=$installed"
echo "pie: OK: phpize, configure, make, make install for $("$php_config" --version)"
