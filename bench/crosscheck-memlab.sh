#!/usr/bin/env bash
# Cross-checks leakcheck's snapshot engine against memlab on real snapshots of Node processes.
#   bench/crosscheck-memlab.sh [FILE.heapsnapshot ...]
# Without files, it writes snapshots of three Node processes (an idle process, a Map cache, an
# app with closures and class instances) and checks each. Exit 1 on any mismatch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
leakcheck=${LEAKCHECK:-$root/build/leakcheck}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -d "$root/bench/memlab/node_modules/@memlab/heap-analysis" ]; then
  echo "installing memlab into bench/memlab (its browser download is skipped)" >&2
  (cd "$root/bench/memlab" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  node "$root/bench/make-snapshot.js" "$work/idle.heapsnapshot" 0 >/dev/null
  node "$root/bench/make-snapshot.js" "$work/map-50k.heapsnapshot" 50000 >/dev/null
  node "$root/tests/fixtures/apps/snapshot-shapes.js" "$work/shapes.heapsnapshot" >/dev/null
  files=("$work/idle.heapsnapshot" "$work/map-50k.heapsnapshot" "$work/shapes.heapsnapshot")
fi

status=0
for f in "${files[@]}"; do
  "$leakcheck" analyze "$f" --json --all-classes --objects 20 > "$work/ours.json"
  node --max-old-space-size=16000 "$root/bench/memlab/summary.js" "$f" 20 > "$work/memlab.json" 2>/dev/null
  node "$root/bench/memlab/compare.js" "$work/ours.json" "$work/memlab.json" || status=1
done
exit $status
