#!/usr/bin/env bash
# Installs what building and testing need, when it is missing: quick when all is there.
# Usage: scripts/install-deps.sh [test|demo|bench|matrix|lint]...
#   matrix: mmdebstrap, which makes the Debian roots of the other PHP versions (make test-matrix,
#   make dist); lint: Composer, for composer validate.
set -euo pipefail

# The PHP already installed decides the packages' version; Debian 12's 8.2 otherwise.
php_ver=$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' 2>/dev/null || echo 8.2)
want=("php$php_ver-dev" "php$php_ver-cli" clang libclang-dev phpunit)
(($#)) || set -- test
for mode in "$@"; do
  case "$mode" in
    # redis-server: the shared token store's tests start a real one; php-monolog: the logger's
    # tests and docs use Monolog as a team would.
    test) want+=("php$php_ver-fpm" libfcgi-bin redis-server php-monolog) ;;
    demo) ;;
    bench) want+=("php$php_ver-fpm" libfcgi-bin nginx-light wrk php-guzzlehttp-guzzle "php$php_ver-curl" php-apcu) ;;
    matrix) want+=(mmdebstrap) ;;
    lint) want+=(composer) ;;
    *) echo "usage: $0 [test|demo|bench|matrix|lint]..." >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
