#!/usr/bin/env bash
# PIE's build sequence on a clean copy of this tree, then the installed extension loaded and used:
#
#   phpize && ./configure --with-php-config=PHP_CONFIG && make && make install INSTALL_ROOT=<tmp>
#
# `make install` must put dingtalk.so and dingtalk-emulator in the extension dir; the smoke test
# runs against that emulator, and the example app's PHPUnit tests (scripts/example-app.sh) find it
# there through the testing package, with no cargo on the PATH.
# Also checks that ./configure stops with a clear message when cargo or libclang is missing, and
# that `make install` runs no cargo (PIE may run it with sudo, where no Rust toolchain is).
#
#   scripts/test-pie.sh [PHP_CONFIG]      default: php-config (this machine's PHP)
# Needs Composer (for the example app's dependencies).
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
for f in dingtalk.so dingtalk-emulator; do
  [ -f "modules/$f" ] || fail "make left no modules/$f"
done

echo "== make install INSTALL_ROOT=$work/root (no cargo reachable)"
PATH=/usr/bin:/bin make install INSTALL_ROOT="$work/root" CARGO=/nonexistent/cargo
for f in dingtalk.so dingtalk-emulator; do
  [ -f "$work/root$ext_dir/$f" ] || fail "make install did not install $work/root$ext_dir/$f"
  cmp -s "modules/$f" "$work/root$ext_dir/$f" || fail "$work/root$ext_dir/$f differs from modules/$f"
done
installed="$work/root$ext_dir/dingtalk.so"
emulator="$work/root$ext_dir/dingtalk-emulator"
[ -x "$emulator" ] || fail "$emulator is not executable"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)"
[ "$("$emulator" --version)" = "dingtalk-emulator $version" ] || fail "$emulator --version is not $version"

cd "$repo"
DINGTALK_EMULATOR_BIN="$emulator" scripts/smoke-extension.sh "$php" -d "extension=$installed"
scripts/example-app.sh prepare "$work/app"
scripts/example-app.sh run "$work/app" "$php" -d "extension=$installed"
echo "pie: OK: phpize, configure, make, make install for $("$php_config" --version), the emulator beside the extension"
