#!/usr/bin/env bash
# Installs DingTalk's official Stream SDKs (Python and Node.js), pinned in
# crates/dingtalk-emulator/tests/sdk/, into .cache/sdk/{python,node}: the emulator's witness
# tests run them against its gateway. Quick when they are there already (a stamp holds the
# hash of the pins); Python 3 with pip and Node.js with npm come from Debian when missing.
# Usage: scripts/install-sdks.sh [DIR]   (default: .cache/sdk)
set -euo pipefail
cd "$(dirname "$0")/.."

pins=crates/dingtalk-emulator/tests/sdk
dir=${1:-.cache/sdk}
mkdir -p "$dir"
py_stamp=$(sha256sum "$pins/requirements.txt" | cut -d' ' -f1)
node_stamp=$(sha256sum "$pins/package.json" | cut -d' ' -f1)
if [ "$(cat "$dir/python/.pins" 2>/dev/null)" = "$py_stamp" ] &&
  [ "$(cat "$dir/node/.pins" 2>/dev/null)" = "$node_stamp" ]; then
  exit 0
fi

missing=()
command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Installs into $dir/$1 unless its stamp matches $2 (the pins' hash); $3... is the installer.
install_once() {
  local target=$dir/$1 stamp=$2
  shift 2
  if [ -f "$target/.pins" ] && [ "$(cat "$target/.pins")" = "$stamp" ]; then
    return
  fi
  rm -rf "$target" "$target.new"
  mkdir -p "$target.new"
  "$@" "$target.new"
  echo "$stamp" >"$target.new/.pins"
  mv "$target.new" "$target"
}

python_sdk() {
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --root-user-action=ignore --target "$1" -r "$pins/requirements.txt"
}

node_sdk() {
  cp "$pins/package.json" "$1/package.json"
  npm install --silent --no-audit --no-fund --prefix "$1"
}

install_once python "$py_stamp" python_sdk
install_once node "$node_stamp" node_sdk
echo "official Stream SDKs: $dir (python $(python3 --version 2>&1 | cut -d' ' -f2), node $(node --version))"
