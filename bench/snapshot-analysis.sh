#!/usr/bin/env bash
# Benchmark: full snapshot analysis (parse, dominators, retained sizes, aggregation, paths of the
# largest objects) by leakcheck and by memlab on the same file, in one run.
#   bench/snapshot-analysis.sh [FILE.heapsnapshot]
# Without a file it writes the standard one: a Node process holding a 1,000,000-entry Map of
# small objects (~5 M nodes, ~350 MB). Prints both tools' time and peak RSS and the ratios, and
# checks that the two agree on the file (bench/memlab/compare.js).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
leakcheck=${LEAKCHECK:-$root/build/leakcheck}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$leakcheck" ] || { echo "build leakcheck first (tools/build.sh)" >&2; exit 2; }
if [ ! -d "$root/bench/memlab/node_modules/@memlab/heap-analysis" ]; then
  (cd "$root/bench/memlab" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi

file=${1:-}
if [ -z "$file" ]; then
  file=$work/map-1m.heapsnapshot
  echo "writing $file (a 1,000,000-entry Map) ..." >&2
  node "$root/bench/make-snapshot.js" "$file" 1000000 >/dev/null
fi
size=$(stat -c %s "$file")

measure() {  # measure OUT_JSON CMD...  -> prints "seconds maxrss_kb"
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$out"
  cat "$work/time"
}
read -r lc_s lc_kb < <(measure "$work/ours.json" "$leakcheck" analyze "$file" --json --all-classes --objects 20)
read -r tx_s tx_kb < <(measure "$work/ours.txt" "$leakcheck" analyze "$file" --all-classes --objects 20)
read -r ml_s ml_kb < <(measure "$work/memlab.json" node --max-old-space-size=16000 "$root/bench/memlab/summary.js" "$file" 20 2>/dev/null)

node - "$work/ours.json" "$size" "$lc_s" "$lc_kb" "$ml_s" "$ml_kb" "$tx_s" "$tx_kb" <<'JS'
const [ours, size, lcS, lcKb, mlS, mlKb, txS, txKb] = process.argv.slice(2);
const o = require(ours);
const mb = b => (b / 1048576).toFixed(0) + ' MiB';
console.log(`snapshot: ${mb(+size)}, ${o.node_count.toLocaleString()} nodes, ${o.edge_count.toLocaleString()} edges`);
console.log(`leakcheck analyze --json: ${(+lcS).toFixed(2)} s, peak RSS ${mb(lcKb * 1024)} (${(lcKb * 1024 / size).toFixed(2)}x the file; target <= 1.25x)`);
console.log(`leakcheck analyze (text): ${(+txS).toFixed(2)} s, peak RSS ${mb(txKb * 1024)} (${(txS / lcS).toFixed(2)}x the --json time; target <= 1.2x)`);
console.log(`memlab (getFullHeapFromFile): ${(+mlS).toFixed(2)} s, peak RSS ${mb(mlKb * 1024)}`);
console.log(`speed-up: ${(mlS / lcS).toFixed(1)}x (target >= 30x); memory: ${(mlKb / lcKb).toFixed(1)}x less`);
JS
node "$root/bench/memlab/compare.js" "$work/ours.json" "$work/memlab.json"
