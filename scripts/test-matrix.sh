#!/usr/bin/env bash
# The PHP version matrix beyond this machine's own PHP: for each leg (default: 8.4 and 8.5), builds
# the extension and the emulator inside that leg's Debian root (scripts/debian-root.sh) and runs
# the PHPUnit suite and the php-fpm smoke test there (scripts/test-php-version.sh). The cargo tests
# need no PHP: `make test` runs them on this machine.
#
#   scripts/test-matrix.sh [8.4] [8.5]
set -euo pipefail
cd "$(dirname "$0")/.."

legs=("$@")
((${#legs[@]})) || legs=(8.4 8.5)

# The roots build offline, from this machine's cargo cache.
cargo fetch --locked

for leg in "${legs[@]}"; do
  start=$SECONDS
  echo "=== PHP $leg"
  scripts/debian-root.sh "$leg" scripts/test-php-version.sh
  if [ "$leg" = 8.5 ]; then
    # This root's Composer knows every php-ext key that PIE reads (see debian-root.sh).
    # The root sees no git history: tell Composer the version.
    scripts/debian-root.sh "$leg" env COMPOSER_ALLOW_SUPERUSER=1 \
      COMPOSER_ROOT_VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" \
      sh -c 'composer validate --strict --no-interaction && composer validate --strict --no-interaction stubs/composer.json'
  fi
  echo "=== PHP $leg: passed in $((SECONDS - start)) s"
done
