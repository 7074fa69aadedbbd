#!/usr/bin/env bash
# Copies this tree as a fresh clone would have it into DEST: the files git tracks or would track,
# none that it ignores (no target/, no .cache/, no dist/), uncommitted edits included.
#
#   scripts/clean-copy.sh DEST
set -euo pipefail
(($# == 1)) || { echo "usage: $0 DEST" >&2; exit 2; }
dest="$1"
cd "$(dirname "$0")/.."
mkdir -p "$dest"
# --ignore-failed-read: a tracked file deleted in the work tree is simply not copied.
git ls-files -z --cached --others --exclude-standard |
  tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$dest"
