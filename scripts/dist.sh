#!/usr/bin/env bash
# Writes the release archives under dist/, each with a .sha256 beside it:
#
#   php_dingtalk-<version>_php<maj.min>-<arch>-linux-glibc.tgz   for each tested PHP: dingtalk.so at
#       its root, named as PIE's pre-packaged-binary looks for it, and dingtalk-emulator beside it
#       (the testing package finds it there). Release builds, in target/php<maj.min>/: for this
#       machine's PHP (8.2 on Debian 12), and for 8.4 and 8.5 in the roots of scripts/debian-root.sh.
#       The emulator does not depend on PHP: one build, this machine's (the oldest glibc of the
#       three), is in every archive; scripts/test-dist.sh runs it in each root.
#   php_dingtalk-<version>-src.tgz   the sources (one folder, php_dingtalk-<version>/) with every
#       crate vendored and a .cargo/config.toml that builds from them: a host with a Rust toolchain
#       and no access to crates.io builds it with `make install` or the phpize route.
#
#   scripts/dist.sh [host] [8.4] [8.5] [src]      default: all four
# The archives hold the same bytes for the same inputs (sorted, owner 0, mtime of the last commit).
set -euo pipefail
cd "$(dirname "$0")/.."

parts=("$@")
((${#parts[@]})) || parts=(host 8.4 8.5 src)
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
arch="$(uname -m)"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
out="$PWD/dist"
mkdir -p "$out"
stage="$(mktemp -d "${TMPDIR:-/tmp}/dingtalk-dist.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

pack() { # pack ARCHIVE DIR PATH...: a .tgz of PATHs relative to DIR, and its .sha256
  local archive="$1" dir="$2"
  shift 2
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$dir" -cf - "$@" |
    gzip -9n >"$out/$archive"
  (cd "$out" && sha256sum "$archive" >"$archive.sha256")
  echo "dist/$archive ($(du -h "$out/$archive" | cut -f1))"
}

php_config="$(command -v php-config)"
host_php="$("$php_config" --version | cut -d. -f1,2)"

emulator_bin="" # the stripped release emulator, once built
emulator() { # builds it into the host's target dir, which the PIE route and make install share
  if [ -n "$emulator_bin" ]; then return; fi
  cargo build --release --locked -p dingtalk-emulator --target-dir "target/php$host_php"
  emulator_bin="$stage/dingtalk-emulator"
  install -m 0755 "target/php$host_php/release/dingtalk-emulator" "$emulator_bin"
  strip "$emulator_bin"
}

binary() { # binary MAJ.MIN SO: the PIE archive of one PHP version's build, and the emulator
  local dir="$stage/php$1"
  emulator
  mkdir -p "$dir"
  install -m 0755 "$2" "$dir/dingtalk.so"
  strip --strip-unneeded "$dir/dingtalk.so"
  install -m 0755 "$emulator_bin" "$dir/dingtalk-emulator"
  pack "php_dingtalk-${version}_php$1-$arch-linux-glibc.tgz" "$dir" dingtalk.so dingtalk-emulator
}

for part in "${parts[@]}"; do
  case "$part" in
    host)
      # What the phpize route and make install pass (both build into the same target dir).
      PHP="$("$php_config" --php-binary)" PHP_CONFIG="$php_config" \
        cargo build --release --locked -p dingtalk-php --target-dir "target/php$host_php"
      binary "$host_php" "target/php$host_php/release/libdingtalk.so"
      ;;
    8.4 | 8.5)
      cargo fetch --locked # the roots build offline, from this machine's cargo cache
      scripts/debian-root.sh "$part" cargo build --release --locked -p dingtalk-php
      binary "$part" "target/php$part/release/libdingtalk.so"
      ;;
    src)
      name="php_dingtalk-$version"
      scripts/clean-copy.sh "$stage/$name"
      mkdir -p "$stage/$name/.cargo"
      {
        echo "# Build from the crates in vendor/ (cargo vendor), never from a registry."
        # cargo vendor prints the configuration that uses vendor/ (and its progress on stderr).
        (cd "$stage/$name" && cargo vendor --locked --versioned-dirs vendor 2>"$stage/vendor.log") ||
          { cat "$stage/vendor.log" >&2; exit 1; }
      } >"$stage/$name/.cargo/config.toml"
      pack "$name-src.tgz" "$stage" "$name"
      ;;
    *)
      echo "usage: $0 [host] [8.4] [8.5] [src]" >&2
      exit 2
      ;;
  esac
done
