#!/usr/bin/env bash
# Benchmark: time to verdict of `leakcheck run scenarios/api.yaml`, split into the load (warm-up
# and measured traffic), V8's work (heap snapshots, forced GCs) and Node's (app start and stop),
# and leakcheck's own overhead (snapshot analysis and everything between the phases).
#   bench/time-to-verdict.sh [SCENARIO.yaml] [RUNS]
# Target: leakcheck's overhead under 10% of the total. Runs are bounded (default 3). Also says
# how many runs were extended because a check was undecided (docs/verdicts.md "Extension").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
leakcheck=${LEAKCHECK:-$root/build/leakcheck}
scenario=${1:-$root/scenarios/api.yaml}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$leakcheck" run "$scenario" --out "$work/run-$i" -q >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  echo "$start $end" > "$work/wall-$i"
done
node - "$work" "$runs" <<'JS'
const fs = require('fs');
const [work, runs] = [process.argv[2], +process.argv[3]];
const rows = [];
for (let i = 1; i <= runs; i++) {
  const [start, end] = fs.readFileSync(`${work}/wall-${i}`, 'utf8').trim().split(' ').map(Number);
  const r = JSON.parse(fs.readFileSync(`${work}/run-${i}/results.json`, 'utf8'));
  const t = { load: 0, snapshots: 0, gc: 0, node: 0, analysis: 0, extensions: 0 };
  for (const s of r.scenarios) {
    t.extensions += (s.extensions || []).length;  // absent before extension existed
    const x = s.times;
    t.load += x.warmup + x.load;
    t.snapshots += x.snapshots;
    t.gc += x.gc_and_measure;
    t.node += x.startup + x.shutdown;
    t.analysis += x.analysis;
  }
  const total = end - start;
  const overhead = total - t.load - t.snapshots - t.gc - t.node;  // analysis + leakcheck's own gaps
  rows.push({ total, ...t, overhead });
}
const med = k => rows.map(r => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
const pct = k => (100 * med(k) / med('total')).toFixed(1) + '%';
console.log(`time to verdict, median of ${rows.length} runs: ${med('total').toFixed(2)} s`);
console.log(`  load (warm-up + measured traffic): ${med('load').toFixed(2)} s (${pct('load')})`);
console.log(`  V8 heap snapshots:                 ${med('snapshots').toFixed(2)} s (${pct('snapshots')})`);
console.log(`  V8 forced GC + measurements:       ${med('gc').toFixed(2)} s (${pct('gc')})`);
console.log(`  Node app start + stop:             ${med('node').toFixed(2)} s (${pct('node')})`);
const ext = rows.filter(r => r.extensions > 0).length;
console.log(`  runs extended (a check undecided): ${ext} of ${rows.length}`);
console.log(`  leakcheck overhead (analysis ${med('analysis').toFixed(2)} s + process): ${med('overhead').toFixed(2)} s (${pct('overhead')}; target < 10%)`);
JS
