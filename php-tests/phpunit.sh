#!/usr/bin/env bash
# Runs the PHPUnit suite against the extension, with the configuration that the PHPUnit at hand
# reads: phpunit.xml for PHPUnit 9.6 (Debian 12), phpunit10.xml for PHPUnit 10 and later, which
# also gets --fail-on-deprecation, --fail-on-notice and --fail-on-warning (it ignores 9.6's
# convert*ToExceptions, so without them a PHP deprecation would pass).
#
# Env: DINGTALK_EXTENSION (the .so), DINGTALK_EMULATOR_BIN, PHP (default php), PHPUNIT (default
# /usr/bin/phpunit). Arguments go to PHPUnit, e.g. --filter ClientTest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
php="${PHP:-php}"
phpunit="${PHPUNIT:-/usr/bin/phpunit}"
ext="${DINGTALK_EXTENSION:-$here/../target/debug/libdingtalk.so}"

version="$("$php" "$phpunit" --version)"
major="$(sed -n 's/^PHPUnit \([0-9][0-9]*\)\..*/\1/p' <<<"$version")"
if [ -z "$major" ]; then
  echo "php-tests: cannot tell the version of $phpunit: $version" >&2
  exit 1
fi
if ((major >= 10)); then
  # No result cache in the tree; PHPUnit 13 renamed the option (and deprecates the old name).
  no_cache=--do-not-cache-result
  if ((major >= 13)); then no_cache=--do-not-record-test-run-history; fi
  set -- -c "$here/phpunit10.xml" "$no_cache" --fail-on-deprecation --fail-on-notice --fail-on-warning "$@"
else
  set -- -c "$here/phpunit.xml" "$@"
fi
exec "$php" -d "extension=$ext" "$phpunit" "$@"
