#!/usr/bin/env bash
# Benchmark: full snapshot analysis (parse, dominators, retained sizes, aggregation, paths of the
# largest objects) by leakcheck and by memlab on the same file, in one run.
#   bench/snapshot-analysis.sh [--size 350m|2g] [--keep DIR] [FILE.heapsnapshot]
# Without a file it writes the standard one: a Node process holding a 1,000,000-entry Map of
# small objects (~5 M nodes, ~350 MB); `--size 2g` writes a 2,400,000-entry one with 520-character
# names (~12 M nodes, ~2.1 GB; V8's writer needs ~12 GB, so it runs under the same cap).
# `--keep DIR` writes (or reuses) the file in DIR instead of a temporary folder, so repeated runs
# share it. Runs leakcheck 5 times in each form and memlab 3 times, alternating
# (LEAKCHECK_BENCH_REPEAT, LEAKCHECK_BENCH_MEMLAB_REPEAT; once each for --size 2g), prints each
# tool's median time, range and peak RSS and the ratios of the medians, and checks that the two agree on the file (bench/memlab/compare.js). Every tool runs
# under `timeout` (LEAKCHECK_BENCH_TIMEOUT, 900 s) and an address-space cap
# (LEAKCHECK_BENCH_MEMORY_GB, 16): a tool that fails or runs out is reported as such.
# LEAKCHECK_BENCH_TIMINGS=1 adds leakcheck's phase timings (`analyze --timings`, stderr).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
leakcheck=${LEAKCHECK:-$root/build/leakcheck}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$leakcheck" ] || { echo "build leakcheck first (tools/build.sh)" >&2; exit 2; }
if [ ! -d "$root/bench/memlab/node_modules/@memlab/heap-analysis" ]; then
  (cd "$root/bench/memlab" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi

limit_s=${LEAKCHECK_BENCH_TIMEOUT:-900}
limit_as=$(( ${LEAKCHECK_BENCH_MEMORY_GB:-16} * 1024 * 1024 * 1024 ))
entries=1000000 pad=0 label=map-1m keep=
while [ $# -gt 0 ]; do
  case $1 in
    --size) case ${2:-} in
        350m|350M) entries=1000000 pad=0 label=map-1m ;;
        2g|2G) entries=2400000 pad=520 label=map-2g ;;
        *) echo "--size takes 350m or 2g" >&2; exit 2 ;;
      esac; shift 2 ;;
    --keep) keep=${2:?--keep takes a folder}; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done

file=${1:-}
if [ -z "$file" ]; then
  file=${keep:-$work}/$label.heapsnapshot
  if [ ! -s "$file" ]; then
    echo "writing $file (a $entries-entry Map) ..." >&2
    timeout "$limit_s" prlimit --as="$limit_as" \
      node --max-old-space-size=16000 "$root/bench/make-snapshot.js" "$file.tmp" "$entries" "$pad" >/dev/null
    mv "$file.tmp" "$file"
  fi
fi
size=$(stat -c %s "$file")
# Both tools get the file from the page cache: read it once before either is timed (a file just
# written, or read a minute ago, may have been evicted; the first tool timed would pay the disk).
cat "$file" > /dev/null

measure() {  # measure OUT CMD...  -> prints "seconds maxrss_kb exit_status"
  local out=$1; shift
  local rc=0
  /usr/bin/time -f "%e %M" -o "$work/time" timeout "$limit_s" prlimit --as="$limit_as" "$@" > "$out" || rc=$?
  echo "$(tail -1 "$work/time") $rc"
}
timings=()
[ "${LEAKCHECK_BENCH_TIMINGS:-0}" = 1 ] && timings=(--timings)
# Each tool runs several times, alternating, and its median is compared (hyperfine's way: on a
# shared machine a single run measures the neighbours as much as the tool). Every run is
# reported (min–max); peak RSS is the largest of the runs.
repeat=${LEAKCHECK_BENCH_REPEAT:-5}               # leakcheck runs of each form
ml_repeat=${LEAKCHECK_BENCH_MEMLAB_REPEAT:-3}     # memlab runs
[ "$label" = map-2g ] && repeat=${LEAKCHECK_BENCH_REPEAT:-1} ml_repeat=${LEAKCHECK_BENCH_MEMLAB_REPEAT:-1}
# stats "s kb rc" lines -> "median_s min_s max_s max_kb worst_rc"
stats() { sort -n | awk '{ s[NR] = $1; if ($2 > kb) kb = $2; if ($3 != 0) rc = $3 }
  END { printf "%s %s %s %d %d\n", s[int((NR + 1) / 2)], s[1], s[NR], kb, rc }'; }
: >"$work/lc" ; : >"$work/tx"; : >"$work/ml"
for ((i = 0; i < repeat || i < ml_repeat; i++)); do
  if ((i < repeat)); then
    measure "$work/ours.json" "$leakcheck" analyze "$file" --json --all-classes --objects 20 "${timings[@]}" >>"$work/lc"
    measure "$work/ours.txt" "$leakcheck" analyze "$file" --all-classes --objects 20 >>"$work/tx"
  fi
  if ((i < ml_repeat)); then
    measure "$work/memlab.json" node --max-old-space-size=16000 "$root/bench/memlab/summary.js" "$file" 20 2>"$work/memlab.err" >>"$work/ml"
    [ "$(tail -1 "$work/ml" | cut -d' ' -f3)" = 0 ] || ml_repeat=$i   # it failed: say so once
  fi
done
read -r lc_s lc_min lc_max lc_kb lc_rc < <(stats <"$work/lc")
read -r tx_s tx_min tx_max tx_kb tx_rc < <(stats <"$work/tx")
read -r ml_s ml_min ml_max ml_kb ml_rc < <(stats <"$work/ml")
if [ "$lc_rc" != 0 ] || [ "$tx_rc" != 0 ]; then
  echo "leakcheck failed (exit $lc_rc / $tx_rc)" >&2
  exit 1
fi
if [ "$ml_rc" != 0 ]; then
  how="exit $ml_rc"
  [ "$ml_rc" = 124 ] && how="killed by timeout after $limit_s s"
  node -e '
    const [size, s, kb, txS, how, err] = process.argv.slice(1);
    const o = require(process.argv[7]);
    const mb = b => (b / 1048576).toFixed(0) + " MiB";
    console.log(`snapshot: ${mb(+size)}, ${o.node_count.toLocaleString()} nodes, ${o.edge_count.toLocaleString()} edges`);
    console.log(`leakcheck analyze --json: ${(+s).toFixed(2)} s, peak RSS ${mb(kb * 1024)} (${(kb * 1024 / size).toFixed(2)}x the file)`);
    console.log(`leakcheck analyze (text): ${(+txS).toFixed(2)} s (${(txS / s).toFixed(2)}x the --json time)`);
    console.log(`memlab (getFullHeapFromFile): failed: ${how}; ${err}`);
  ' "$size" "$lc_s" "$lc_kb" "$tx_s" "$how" "$(tail -c 300 "$work/memlab.err" | tr '\n' ' ')" "$work/ours.json"
  exit 0
fi

node - "$work/ours.json" "$size" "$lc_s" "$lc_kb" "$ml_s" "$ml_kb" "$tx_s" "$tx_kb" \
  "$lc_min-$lc_max" "$tx_min-$tx_max" "$ml_min-$ml_max" "$repeat" "$ml_repeat" <<'JS'
const [ours, size, lcS, lcKb, mlS, mlKb, txS, txKb, lcR, txR, mlR, n, mlN] = process.argv.slice(2);
const o = require(ours);
const mb = b => (b / 1048576).toFixed(0) + ' MiB';
const range = r => r.split('-').map(Number).map(x => x.toFixed(2)).join('–');
console.log(`snapshot: ${mb(+size)}, ${o.node_count.toLocaleString()} nodes, ${o.edge_count.toLocaleString()} edges`);
console.log(`leakcheck analyze --json: ${(+lcS).toFixed(2)} s median of ${n} (${range(lcR)} s), peak RSS ${mb(lcKb * 1024)} (${(lcKb * 1024 / size).toFixed(2)}x the file; target <= 1.25x)`);
console.log(`leakcheck analyze (text): ${(+txS).toFixed(2)} s median of ${n} (${range(txR)} s), peak RSS ${mb(txKb * 1024)} (${(txS / lcS).toFixed(2)}x the --json time; target <= 1.2x)`);
console.log(`memlab (getFullHeapFromFile): ${(+mlS).toFixed(2)} s median of ${mlN} (${range(mlR)} s), peak RSS ${mb(mlKb * 1024)}`);
console.log(`speed-up: ${(mlS / lcS).toFixed(1)}x (target >= 30x); memory: ${(mlKb / lcKb).toFixed(1)}x less`);
JS
node "$root/bench/memlab/compare.js" "$work/ours.json" "$work/memlab.json"
