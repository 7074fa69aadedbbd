#!/usr/bin/env bash
# Runs a command inside a Debian root file system that carries another PHP version.
#
#   scripts/debian-root.sh LEG COMMAND [ARG...]      LEG: 8.4 (Debian 13, trixie) or 8.5 (unstable +
#                                                    experimental, where PHP 8.5 lives for now)
#
# The root is made once with mmdebstrap from the Debian mirror this machine's apt uses
# (DEBIAN_MIRROR overrides it), kept under .cache/roots/, and reused while its package list is the
# same. The command runs as root in /src (this tree, bind-mounted), with this machine's Rust
# toolchain mounted in (cargo offline: run `cargo fetch` first), and with these set:
#   PHP, PHP_CONFIG, PHP_FPM   the leg's PHP (what ext-php-rs builds against and the tests run)
#   PHPUNIT                    the suite's PHPUnit
#   CARGO_TARGET_DIR           target/php<LEG>, so legs never share build artifacts
# Everything it mounts lives in a private mount namespace, gone when the command ends, whatever
# ends it; the cleanup below also undoes the mounts one by one on exit and on a signal.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/.." && pwd)"

usage() {
  echo "usage: $0 8.4|8.5 COMMAND [ARG...]" >&2
  exit 2
}
(($# >= 2)) || usage
leg="$1"
shift

# --- the legs ------------------------------------------------------------------------------------
# redis-server: the shared stores' tests; php-monolog: the logger's tests and docs use Monolog as is.
common=(clang libclang-dev phpunit libfcgi-bin ca-certificates redis-server php-monolog)
php_pkgs() { # php_pkgs VERSION -> what building, PHPUnit and php-fpm need of that PHP
  local p
  for p in dev cli fpm xml mbstring; do printf '%s ' "php$1-$p"; done
}
pin="" # apt preferences of the root
case "$leg" in
  8.4)
    suite=trixie
    components=(trixie)
    packages=($(php_pkgs 8.4) "${common[@]}")
    ;;
  8.5)
    suite=unstable
    components=(unstable experimental)
    # PHP 8.5 comes from experimental and everything else from unstable: experimental's php-common
    # breaks php8.5-common, and asking apt for php8.5-cli/experimental drags it in, a pin does not.
    pin=$'Package: php8.5*\nPin: release a=experimental\nPin-Priority: 500\n'
    # unstable's Composer (2.11) knows every key of composer.json's php-ext section: Debian 12's
    # (2.5) knows none, Debian 13's (2.8) not the list form of download-url-method.
    packages=($(php_pkgs 8.5) "${common[@]}" composer)
    ;;
  *) usage ;;
esac

# --- root, unless already root (chroot and mounts need it) ---------------------------------------
if [ "$(id -u)" != 0 ]; then
  # The toolchain stays the caller's: pass where it lives.
  exec sudo env DEBIAN_MIRROR="${DEBIAN_MIRROR:-}" \
    RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
    "$0" "$leg" "$@"
fi

# --- a private mount namespace: the kernel drops every mount below when the command ends ---------
if [ -z "${DINGTALK_ROOT_NS:-}" ]; then
  exec env DINGTALK_ROOT_NS=1 unshare --mount --propagation private "$0" "$leg" "$@"
fi

rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
[ -d "$rustup_home/toolchains" ] || { echo "no Rust toolchain in $rustup_home (set RUSTUP_HOME)" >&2; exit 1; }
[ -x "$cargo_home/bin/cargo" ] || { echo "no cargo in $cargo_home/bin (set CARGO_HOME)" >&2; exit 1; }

host_mirror() { # the main archive of this machine's own release, as its apt knows it
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  apt-get indextargets --format '$(ORIGIN) $(CODENAME) $(REPO_URI)' 'Identifier: Packages' 2>/dev/null |
    awk -v c="$codename" '$1 == "Debian" && $2 == c { print $3; exit }'
}
mirror="${DEBIAN_MIRROR:-$(host_mirror)}"
mirror="${mirror:-http://deb.debian.org/debian/}"

# --- the cached root -----------------------------------------------------------------------------
cache="$src/.cache/roots"
root="$cache/php$leg-$suite"
stamp="$root/.dingtalk-root"
want="$(printf '%s\n' "suite=$suite components=${components[*]}" "${packages[@]}" "$pin")"

make_root() {
  "$here/install-deps.sh" matrix
  local tmp="$root.tmp" sources=() c
  for c in "${components[@]}"; do sources+=("deb $mirror $c main"); done
  rm -rf "$tmp" "$root"
  mkdir -p "$cache"
  echo "== making $root (${packages[*]}) from $mirror"
  # Valid-Until off: unstable's Release files expire within days, and a mirror that lags (or a
  # clock that runs ahead) would refuse them.
  mmdebstrap --mode=root --variant=apt --quiet \
    --aptopt='Acquire::Languages "none"' --aptopt='Acquire::Check-Valid-Until "false"' \
    --aptopt='Apt::Install-Recommends "false"' \
    ${pin:+--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && printf '%s' '$pin' >\"\$1/etc/apt/preferences.d/dingtalk\""} \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --include="$(IFS=,; echo "${packages[*]}")" \
    "$suite" "$tmp" "${sources[@]}"
  # A minimal root has no /etc/hosts: without one, "localhost" does not resolve.
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/etc/hosts"
  mkdir -p "$tmp/src" "$tmp/opt/rustup" "$tmp/opt/cargo"
  echo "$want" >"$tmp/.dingtalk-root"
  mv "$tmp" "$root"
}
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  make_root
fi

# --- mounts, undone in reverse order ---------------------------------------------------------------
mounted=()
command_pid=""
cleanup() {
  local status=$? i
  trap - EXIT INT TERM HUP
  # On a signal, the command's whole process group goes first: nothing may keep a mount busy.
  if [ -n "$command_pid" ] && kill -0 "$command_pid" 2>/dev/null; then
    kill -TERM -- "-$command_pid" 2>/dev/null || true
    wait "$command_pid" 2>/dev/null || true
  fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mnt() { # mnt TARGET MOUNT-ARGS...
  local target="$root$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}
mnt /proc -t proc proc
mnt /dev --rbind /dev
mount --make-rslave "$root/dev"
mnt /tmp -t tmpfs -o mode=1777 tmpfs
mnt /src --bind "$src"
mnt /opt/rustup --bind "$rustup_home"
mnt /opt/cargo --bind "$cargo_home"

# In the background and in its own process group, so that a signal reaches the trap above at once
# (bash runs traps only between commands) and the cleanup can end everything the command started.
setsid chroot "$root" /usr/bin/env -i \
  HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 TMPDIR=/tmp \
  PATH=/opt/cargo/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
  RUSTUP_HOME=/opt/rustup CARGO_HOME=/opt/cargo CARGO_NET_OFFLINE=true \
  CARGO_TARGET_DIR="/src/target/php$leg" \
  PHP="/usr/bin/php$leg" PHP_CONFIG="/usr/bin/php-config$leg" PHP_FPM="/usr/sbin/php-fpm$leg" \
  PHPUNIT=/usr/bin/phpunit \
  /bin/sh -c 'cd /src && exec "$@"' sh "$@" <&0 &
command_pid=$!
wait "$command_pid"
