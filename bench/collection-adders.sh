#!/usr/bin/env bash
# The cost of naming the line that adds a growing collection's entries (docs/attribution.md "The
# line that adds a collection's entries"): what the watch costs the app and the run.
#
# 1. Per call, in node: the wrapper leakcheck installs (cdp/collection_adders.cc's
#    WatchFunction, extracted from the source) against the plain method, for Array push and
#    Map set: ns per call while it records (at most 1,000 calls), and after it removed itself.
# 2. Per run: `leakcheck run` of the collection leak fixtures (request-log: push, map-cache:
#    set) BENCH_RUNS times (default 2) each with the watch and with --no-watch-adders: wall
#    seconds, the analysis phase (which holds the watch's reading of the baseline and middle
#    snapshots) and the measured run's requests/s; and the line the report names.
# Needs a built ./build/leakcheck and node. Bounded: fixed runs, each capped at 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${LEAKCHECK_BIN:-build/leakcheck}")
runs=${BENCH_RUNS:-2}
out=$(mktemp -d /tmp/leakcheck-bench-adders.XXXXXX)
trap 'rm -rf "$out"' EXIT

# ---- 1. per call ---------------------------------------------------------------------------
python3 - "$out/watch.js" <<'EOF'
import sys
src = open('harness/cdp/collection_adders.cc').read()
js = src[src.index('R"js(') + 5:src.index(')js"')]
open(sys.argv[1], 'w').write('module.exports = ' + js + ';\n')
EOF
cat >"$out/per-call.js" <<'EOF'
const watch = require(process.argv[2]);
const N = 1000;  // the wrapper records at most this many calls, then removes itself
function time(label, make, add, wrap) {
  const best = [];
  for (let round = 0; round < 20; ++round) {
    const c = make();
    if (wrap) watch.call(c, N);
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; ++i) add(c, i);
    best.push(Number(process.hrtime.bigint() - t) / N);
  }
  best.sort((a, b) => a - b);
  return best[Math.floor(best.length / 2)];
}
for (const [name, make, add] of [
  ['Array push', () => [], (c, i) => c.push({ i })],
  ['Map set', () => new Map(), (c, i) => c.set('k' + i, { i })],
]) {
  const plain = time(name, make, add, false);
  const watched = time(name, make, add, true);
  // After N calls the wrapper is gone: the next N calls run the prototype's method again.
  const c = make();
  watch.call(c, N);
  for (let i = 0; i < N; ++i) add(c, i);
  const t = process.hrtime.bigint();
  for (let i = N; i < 2 * N; ++i) add(c, i);
  const after = Number(process.hrtime.bigint() - t) / N;
  console.log(`${name}: plain ${plain.toFixed(0)} ns/call, watched ${watched.toFixed(0)} ns/call ` +
              `(+${(watched - plain).toFixed(0)} ns for each of at most ${N} calls), ` +
              `after it removed itself ${after.toFixed(0)} ns/call`);
}
EOF
echo "== per call (node $(node --version))"
timeout 120 node "$out/per-call.js" "$out/watch.js"

# ---- 2. per run ----------------------------------------------------------------------------
echo
echo "== per run (${runs} runs each; median)"
printf '%-12s %-10s %8s %10s %8s  %s\n' fixture watch wall_s analysis_s req/s "line named"
for fixture in request-log map-cache; do
  for mode in on off; do
    walls=() analyses=() rates=() named=""
    for ((i = 1; i <= runs; ++i)); do
      dir="$out/$fixture-$mode-$i"
      flag=()
      [[ $mode == off ]] && flag=(--no-watch-adders)
      start=$(date +%s.%N)
      timeout 300 "$bin" run "tests/fixtures/leaks/$fixture/leaky.yaml" --out "$dir" --json \
        --no-sampling "${flag[@]}" >"$dir.json" 2>/dev/null || true
      end=$(date +%s.%N)
      walls+=("$(echo "$end - $start" | bc)")
      read -r analysis rate line < <(node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const s = r.scenarios[0];
        const c = s.checks.find((c) => c.detector === "collections");
        const e = c && c.evidence.find((e) => e.code);
        const line = e ? `${require("path").basename(e.code.file)}:${e.code.line}` : "-";
        console.log(s.times.analysis.toFixed(2), Math.round(s.load.requests_per_second), line);
      ' "$dir.json")
      analyses+=("$analysis") rates+=("$rate") named=$line
    done
    median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    printf '%-12s %-10s %8.1f %10s %8s  %s\n' "$fixture" "$mode" "$(median "${walls[@]}")" \
      "$(median "${analyses[@]}")" "$(median "${rates[@]}")" "$named"
  done
done
