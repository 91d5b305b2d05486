#!/usr/bin/env bash
# Fails (exit 1) when a C++ source file under harness/, reporters/ or tests/ is longer than 800
# lines (HACKING.md: split a file by responsibility before it gets there).
# Usage: tools/check-source-size.sh [ROOT]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
limit=800
bad=0
while IFS= read -r f; do
  n=$(wc -l <"$f")
  if ((n > limit)); then
    echo "check-source-size: $f has $n lines (limit $limit)"
    bad=$((bad + 1))
  fi
done < <(find harness reporters tests -type f \( -name '*.cc' -o -name '*.h' \) -not -path '*/node_modules/*' 2>/dev/null | sort)
((bad == 0)) || { echo "check-source-size: $bad file(s) over $limit lines" >&2; exit 1; }
echo "check-source-size: every C++ file has at most $limit lines"
