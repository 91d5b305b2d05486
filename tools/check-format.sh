#!/usr/bin/env bash
# Fails (exit 1) when any tracked C++ file differs from what clang-format (.clang-format at the
# root) would write, listing each file with the first lines of its diff. CI runs it; to fix:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
# Usage: tools/check-format.sh [ROOT]   (a git work tree; default: this repository)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
command -v clang-format >/dev/null || { echo "check-format: clang-format not installed" >&2; exit 2; }
bad=0
while IFS= read -r f; do
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then
    echo "check-format: $f is not formatted:"
    clang-format --style=file "$f" | diff -u "$f" - | sed -n '3,12p'
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.cc' '*.h')
if ((bad)); then
  echo "check-format: $bad file(s) differ from clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1)" >&2
  exit 1
fi
echo "check-format: every C++ file is formatted"
