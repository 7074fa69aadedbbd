#!/usr/bin/env bash
# Checks the archives that `make dist` wrote, as a user would use them:
# - each binary archive (this machine's PHP, 8.4, 8.5): its .sha256 matches, it holds dingtalk.so
#   and dingtalk-emulator, nothing else; that PHP loads the extension from a temporary extension dir
#   (-d extension_dir=... -d extension=dingtalk) and runs the workflow against the archive's
#   emulator; and the example app's PHPUnit tests (scripts/example-app.sh) pass with the archive's
#   extension, the testing package finding the emulator beside it, no cargo on the PATH. 8.4 and
#   8.5 in their roots, which also shows that the one emulator build runs on their glibc;
# - the source archive's `make install DESTDIR=...` builds the extension and the emulator with the
#   network cut off from cargo: CARGO_NET_OFFLINE, a CARGO_HOME without any registry cache and,
#   when root, no network at all (unshare --net); dingtalk.so, dingtalk.ini and bin/dingtalk-emulator
#   are in place, pass the smoke test, and the example app's tests find the emulator on the PATH;
#   `make uninstall` removes all three.
#
#   scripts/test-dist.sh      (needs Composer, for the example app's dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
host_php="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
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

app="$work/app" # the example app, its dependencies installed here: the roots run it too
scripts/example-app.sh prepare "$app"

for php_version in "$host_php" 8.4 8.5; do
  archive="php_dingtalk-${version}_php$php_version-$(uname -m)-linux-glibc.tgz"
  verified "$archive"
  [ "$(tar -tzf "dist/$archive" | sort | xargs)" = "dingtalk-emulator dingtalk.so" ] ||
    fail "$archive must hold dingtalk.so and dingtalk-emulator alone, at its root"
  dir="$work/php$php_version"
  mkdir -p "$dir"
  tar -xzf "dist/$archive" -C "$dir"
  [ "$("$dir/dingtalk-emulator" --version)" = "dingtalk-emulator $version" ] || fail "$archive: the emulator is not $version"
  echo "== $archive"
  if [ "$php_version" = "$host_php" ]; then
    DINGTALK_EMULATOR_BIN="$dir/dingtalk-emulator" scripts/smoke-extension.sh php -d "extension_dir=$dir" -d extension=dingtalk
    # With php.ini (PHPUnit needs its extensions), so the .so by its path: found beside it.
    scripts/example-app.sh run "$app" php -d "extension=$dir/dingtalk.so"
  else
    scripts/debian-root.sh "$php_version" env DINGTALK_EMULATOR_BIN="$(in_tree "$dir")/dingtalk-emulator" \
      scripts/smoke-extension.sh "php$php_version" -d "extension_dir=$(in_tree "$dir")" -d extension=dingtalk
    scripts/debian-root.sh "$php_version" \
      scripts/example-app.sh run "$(in_tree "$app")" "php$php_version" -d "extension=$(in_tree "$dir")/dingtalk.so"
  fi
done

archive="php_dingtalk-$version-src.tgz"
verified "$archive"
echo "== $archive: make install, offline"
tar -xzf "dist/$archive" -C "$work"
src="$work/php_dingtalk-$version"
[ -d "$src/vendor" ] || fail "$archive has no vendor/"
mkdir "$work/cargo-home" # no registry index, no crate cache
no_network=()
if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then no_network=(unshare --net); fi
root="$work/installed" # make install's DESTDIR
(
  cd "$src"
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="$work/cargo-home" CARGO_NET_OFFLINE=true
  "${no_network[@]}" make --no-print-directory install DESTDIR="$root"
)
[ -z "$(ls -A "$work/cargo-home/registry" 2>/dev/null)" ] || fail "cargo used a registry"
ext_dir="$(php-config --extension-dir)"
for f in "$ext_dir/dingtalk.so" "/etc/php/$host_php/mods-available/dingtalk.ini" /usr/local/bin/dingtalk-emulator; do
  [ -f "$root$f" ] || fail "make install did not install $f"
done
DINGTALK_EMULATOR_BIN="$root/usr/local/bin/dingtalk-emulator" \
  scripts/smoke-extension.sh php -d "extension=$root$ext_dir/dingtalk.so"
# Nothing beside the extension this time: the testing package finds the emulator on the PATH.
APP_PATH="$root/usr/local/bin:/usr/bin:/bin" scripts/example-app.sh run "$app" php -d "extension=$root$ext_dir/dingtalk.so"
(cd "$src" && make --no-print-directory uninstall DESTDIR="$root")
left="$(find "$root" -type f)"
[ -z "$left" ] || fail "make uninstall left $left"
echo "dist: OK: the binary archives for PHP $host_php, 8.4 and 8.5 with their emulator, and the source archive's make install"
