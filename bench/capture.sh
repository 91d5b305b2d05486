#!/usr/bin/env bash
# Snapshot capture speed and memory: leakcheck vs the app's own v8.writeHeapSnapshot().
#
# For each snapshot method (app: leakcheck asks the app over CDP to write it with
# v8.writeHeapSnapshot; stream: HeapProfiler.takeHeapSnapshot chunks over the WebSocket, written
# by leakcheck), one run: bench/snapshot_heap_app.js fills its heap with BENCH_HEAP_MB MiB
# (default 150) of small objects; `leakcheck capture` takes BENCH_SNAPSHOTS (default 3)
# checkpoints with a snapshot each, and at each checkpoint the app times its own
# v8.writeHeapSnapshot() of the same heap just before leakcheck's snapshot (pairs a moment apart,
# so load from other work on the machine hits both alike). leakcheck's own peak RSS is sampled
# from VmHWM in /proc (/usr/bin/time -v would count the reaped node child as well).
# Prints per pair and per method: wall seconds, ratio of totals and median pair ratio (target
# <= 1.1), the same for CPU seconds (app: node's own; leakcheck: node during leakcheck's snapshot
# plus leakcheck itself), which load from other work on the machine does not inflate, and peak
# RSS (target < 100 MiB). Needs a built ./build/leakcheck. Bounded: fixed runs and snapshots,
# each run capped at 15 minutes. BENCH_METHODS="app stream" chooses the methods.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${LEAKCHECK_BIN:-build/leakcheck}")
heap_mb=${BENCH_HEAP_MB:-150}
snapshots=${BENCH_SNAPSHOTS:-3}
methods=${BENCH_METHODS:-app stream}
out=$(mktemp -d /tmp/leakcheck-bench-capture.XXXXXX)
trap 'rm -rf "$out"' EXIT

run_one() {  # method
  local method=$1 dir="$out/$1"
  mkdir -p "$dir"
  BENCH_HEAP_MB=$heap_mb BENCH_OUT=$dir "$bin" capture --out "$dir/capture" \
    --ready-log '^ready$' --timeout 600s --gc-rounds 1 --snapshots "$snapshots" \
    --snapshot-method "$method" -- node bench/snapshot_heap_app.js >"$dir/stdout" 2>"$dir/stderr" &
  local pid=$! peak_kb=0 kb
  for _ in $(seq 1 18000); do  # at most 15 minutes at 50 ms
    kill -0 "$pid" 2>/dev/null || break
    kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$kb" ] && [ "$kb" -gt "$peak_kb" ]; then peak_kb=$kb; fi
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then kill -INT "$pid"; fi
  local status=0
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "bench/capture: leakcheck capture ($method) failed (exit $status)" >&2
    cat "$dir/stderr" >&2
    return 1
  fi
  local log="$dir/capture/stdout.log" json="$dir/capture/measurements.json"
  # Pair the i-th app snapshot with the i-th leakcheck snapshot (taken right after it).
  local key
  for key in snapshot_seconds snapshot_app_cpu_seconds snapshot_leakcheck_cpu_seconds; do
    grep -o "\"$key\": [0-9.]*" "$json" | awk '{print $2}' >"$dir/$key"
  done
  awk '/^self_snapshot_seconds/ {print $2, $4, $6, $8}' "$log" >"$dir/self"
  local bytes
  bytes=$(grep -o '"snapshot_bytes": [0-9]*' "$json" | awk '{print $2}' | head -1)
  paste -d' ' "$dir/self" "$dir/snapshot_seconds" "$dir/snapshot_app_cpu_seconds" \
      "$dir/snapshot_leakcheck_cpu_seconds" | awk -v m="$method" -v peak="$peak_kb" -v cb="$bytes" '
    function median(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    # columns: app wall, app bytes, heapUsed, app cpu, leakcheck wall, app cpu during leakcheck
    #          snapshot, leakcheck own cpu
    { wall[NR] = $5 / $1; lcpu = $6 + $7; cpu[NR] = lcpu / $4; hb = $2; hu = $3
      sw += $1; lw += $5; sc += $4; lc += lcpu
      printf "[%s] pair %d: wall app %.2f s / leakcheck %.2f s = %.3f; cpu app %.2f s / leakcheck %.2f s (node %.2f + leakcheck %.2f) = %.3f\n", m, NR, $1, $5, $5 / $1, $4, lcpu, $6, $7, lcpu / $4 }
    END {
      printf "[%s] heapUsed %.1f MiB, snapshot %.1f MiB (app) / %.1f MiB (leakcheck)\n", m, hu / 1048576, hb / 1048576, cb / 1048576
      printf "[%s] wall time: app %.2f s, leakcheck %.2f s, ratio %.3f (median pair %.3f; target <= 1.10)\n", m, sw, lw, lw / sw, median(wall, NR)
      printf "[%s] cpu time:  app %.2f s, leakcheck %.2f s, ratio %.3f (median pair %.3f)\n", m, sc, lc, lc / sc, median(cpu, NR)
      printf "[%s] leakcheck peak RSS: %.1f MiB (target < 100 MiB)\n", m, peak / 1024
    }'
}

echo "bench/capture: heap ${heap_mb} MiB of small objects, ${snapshots} snapshots per method, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for method in $methods; do run_one "$method"; done
