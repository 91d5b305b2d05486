#!/usr/bin/env bash
# Snapshot capture speed and memory: leakcheck over CDP vs the app's own v8.writeHeapSnapshot().
#
# One run: bench/snapshot_heap_app.js fills its heap with BENCH_HEAP_MB MiB (default 150) of
# small objects, times its own v8.writeHeapSnapshot() (second of two, so both sides find V8's
# object-id map warm), then reports ready; `leakcheck capture` then takes BENCH_SNAPSHOTS (default
# 2) snapshots of the same heap over the inspector. The script samples leakcheck's own peak RSS
# (VmHWM in /proc; /usr/bin/time would include the reaped node child) and prints:
#   self-snapshot seconds, best leakcheck snapshot seconds, ratio (target <= 1.1),
#   leakcheck peak RSS (target < 100 MB).
# Needs a built ./build/leakcheck. Bounded: one app, a fixed number of snapshots, 15 min cap.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LEAKCHECK_BIN:-build/leakcheck}
heap_mb=${BENCH_HEAP_MB:-150}
snapshots=${BENCH_SNAPSHOTS:-2}
out=$(mktemp -d /tmp/leakcheck-bench-capture.XXXXXX)
trap 'rm -rf "$out"' EXIT

BENCH_HEAP_MB=$heap_mb BENCH_OUT=$out timeout 900 "$bin" capture --out "$out/capture" \
  --ready-log '^ready$' --timeout 600s --snapshots "$snapshots" --gc-rounds 1 \
  -- node bench/snapshot_heap_app.js >"$out/stdout" 2>"$out/stderr" &
pid=$!
# `timeout` runs leakcheck as its child; sample that child's VmHWM until it exits.
peak_kb=0
for _ in $(seq 1 18000); do  # at most 15 minutes at 50 ms
  kill -0 "$pid" 2>/dev/null || break
  child=$(pgrep -P "$pid" -x leakcheck || true)
  if [ -n "$child" ] && [ -r "/proc/$child/status" ]; then
    kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
    [ -n "$kb" ] && [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
  fi
  sleep 0.05
done
status=0
wait "$pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "bench/capture: leakcheck capture failed (exit $status)" >&2
  cat "$out/stderr" >&2
  exit 1
fi

self=$(awk '/^self_snapshot_seconds/ {print $2}' "$out/capture/stdout.log")
self_bytes=$(awk '/^self_snapshot_seconds/ {print $4}' "$out/capture/stdout.log")
heap_used=$(awk '/^self_snapshot_seconds/ {print $6}' "$out/capture/stdout.log")
cdp=$(grep -o '"snapshot_seconds": [0-9.]*' "$out/capture/measurements.json" | awk '{print $2}' | sort -g | head -1)
cdp_all=$(grep -o '"snapshot_seconds": [0-9.]*' "$out/capture/measurements.json" | awk '{print $2}' | paste -sd' ')
cdp_bytes=$(grep -o '"snapshot_bytes": [0-9]*' "$out/capture/measurements.json" | awk '{print $2}' | head -1)

awk -v self="$self" -v cdp="$cdp" -v all="$cdp_all" -v peak="$peak_kb" -v hb="$self_bytes" \
    -v cb="$cdp_bytes" -v hu="$heap_used" -v mb="$heap_mb" 'BEGIN {
  printf "heap: %d MiB requested, heapUsed %.1f MiB\n", mb, hu / 1048576
  printf "app v8.writeHeapSnapshot(): %.3f s (%.1f MiB)\n", self, hb / 1048576
  printf "leakcheck over CDP:         %.3f s best of [%s] (%.1f MiB)\n", cdp, all, cb / 1048576
  printf "ratio (leakcheck / app):    %.3f  (target <= 1.10)\n", cdp / self
  printf "leakcheck peak RSS:         %.1f MiB  (target < 100 MiB)\n", peak / 1024
}'
