#!/usr/bin/env bash
# Fails (exit 1) on any #include that goes against the pipeline's data flow (docs/DESIGN.md):
#
#   common → config → {process, cdp, load} → snapshot → analysis → run → reporters → cli
#
# A module may include itself and any module to its left; process, cdp and load are peers that
# do not include each other. Tests, fuzz targets and benchmarks may include anything.
# Usage: tools/check-layering.sh [ROOT]   (ROOT defaults to the repository; tests pass a scratch tree)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
declare -A rank=([common]=0 [config]=1 [process]=2 [cdp]=2 [load]=2 [snapshot]=3 [analysis]=4
                 [run]=5 [reporters]=6 [cli]=7)
module_of() {  # harness/<m>/… → m; reporters/… → reporters
  case $1 in
    harness/*/*) local rest=${1#harness/}; echo "${rest%%/*}" ;;
    reporters/*) echo reporters ;;
    *) echo "" ;;
  esac
}
bad=0
while IFS= read -r file; do
  from=$(module_of "$file")
  [[ -n $from ]] || continue
  if [[ -z ${rank[$from]+x} ]]; then
    echo "check-layering: $file: module '$from' has no place in the flow (add it to tools/check-layering.sh and docs/DESIGN.md)"
    bad=$((bad + 1)); continue
  fi
  while IFS=: read -r line target; do
    to=$(module_of "$target")
    [[ -n $to && $to != "$from" ]] || continue
    if [[ -z ${rank[$to]+x} ]] || ((rank[$to] >= rank[$from])); then
      echo "check-layering: $file:$line includes $target: $from may not depend on $to"
      bad=$((bad + 1))
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
           sed -E 's/^([0-9]+):.*"([^"]+)".*/\1:\2/')
done < <(find harness reporters -type f \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | sort)
if ((bad)); then
  echo "check-layering: $bad include(s) against the flow" >&2
  exit 1
fi
echo "check-layering: every include follows the flow"
