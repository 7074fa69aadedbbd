#!/usr/bin/env bash
# Checks the archives that `make dist` wrote, as a user would use them:
# - each binary archive (this machine's PHP, 8.4, 8.5): its .sha256 matches, it holds dingtalk.so
#   alone, and that PHP loads it from a temporary extension dir (-d extension_dir=... -d
#   extension=dingtalk) and runs the workflow against the emulator; 8.4 and 8.5 in their roots;
# - the source archive builds with the network cut off from cargo: --offline, CARGO_NET_OFFLINE,
#   a CARGO_HOME without any registry cache and, when root, no network at all (unshare --net);
#   the extension it builds passes the same smoke test.
#
#   scripts/test-dist.sh      (needs the emulator: DINGTALK_EMULATOR_BIN, default target/debug/)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
host_php="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
emulator="${DINGTALK_EMULATOR_BIN:-$repo/target/debug/dingtalk-emulator}"
# Inside the tree, so that the roots see it under /src.
work="$repo/target/dist-test"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "dist: FAIL: $*" >&2
  exit 1
}
in_tree() { # the path of a file of this tree inside a root
  case "$1" in "$repo"/*) echo "/src/${1#"$repo"/}" ;; *) fail "$1 is not inside $repo" ;; esac
}
verified() { # verified ARCHIVE: it exists and its .sha256 matches
  [ -f "dist/$1" ] || fail "dist/$1 is missing (make dist)"
  (cd dist && sha256sum --quiet --strict -c "$1.sha256") || fail "dist/$1 does not match its .sha256"
}

for php_version in "$host_php" 8.4 8.5; do
  archive="php_dingtalk-${version}_php$php_version-$(uname -m)-linux-glibc.tgz"
  verified "$archive"
  [ "$(tar -tzf "dist/$archive")" = dingtalk.so ] || fail "$archive must hold dingtalk.so alone, at its root"
  dir="$work/php$php_version"
  mkdir -p "$dir"
  tar -xzf "dist/$archive" -C "$dir"
  echo "== $archive"
  if [ "$php_version" = "$host_php" ]; then
    scripts/smoke-extension.sh php -d "extension_dir=$dir" -d extension=dingtalk
  else
    scripts/debian-root.sh "$php_version" env DINGTALK_EMULATOR_BIN="$(in_tree "$emulator")" \
      scripts/smoke-extension.sh "php$php_version" -d "extension_dir=$(in_tree "$dir")" -d extension=dingtalk
  fi
done

archive="php_dingtalk-$version-src.tgz"
verified "$archive"
echo "== $archive, built offline"
tar -xzf "dist/$archive" -C "$work"
src="$work/php_dingtalk-$version"
[ -d "$src/vendor" ] || fail "$archive has no vendor/"
mkdir "$work/cargo-home" # no registry index, no crate cache
no_network=()
if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then no_network=(unshare --net); fi
(
  cd "$src"
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="$work/cargo-home" CARGO_NET_OFFLINE=true
  export CARGO_TARGET_DIR="$work/target" PHP="$(command -v php)" PHP_CONFIG="$(command -v php-config)"
  "${no_network[@]}" cargo build --release --offline --locked -p dingtalk-php
)
[ -z "$(ls -A "$work/cargo-home/registry" 2>/dev/null)" ] || fail "cargo used a registry"
scripts/smoke-extension.sh php -d "extension=$work/target/release/libdingtalk.so"
echo "dist: OK: the binary archives for PHP $host_php, 8.4 and 8.5, and the source archive"
