#!/usr/bin/env bash
# Benchmarks leakcheck's HTTP driver against wrk and autocannon in one run: the same loopback
# server, the same connection count, the same duration, one tool at a time. Prints requests/s,
# CPU time per request (user+sys of the client process, from /usr/bin/time) and the ratios
# the load driver must meet:
#   leakcheck req/s >= 0.9 x wrk      leakcheck req/s >= autocannon      leakcheck CPU/req <= 1.5 x wrk
#
#   bench/load.sh        (DURATION=6 seconds per tool run, REPEATS=3, CONNECTIONS=50, SERVERS="node c")
#
# Which server. The machine has 2 cores. A single Node process answering "ok" saturates its
# core at roughly the rate a good client reaches on the other core, so against Node alone every
# competent client ties and requests/s says little about the clients. A Node cluster does not
# help: its workers would take the client's core. So the script runs two rounds:
#   node  bench/server.js, the minimal Node server the tool is meant for (the figure users see);
#   c     bench/tiny_server.c, a tiny epoll server costing a fraction of Node's CPU per request,
#         so the client is the bottleneck and requests/s compares the clients themselves.
# CPU time per request is measured on the client process only, so it compares the clients in
# both rounds. All three tools are single-threaded here (wrk -t1; autocannon and leakcheck use
# one event loop). Requests go to 127.0.0.1 only; every run is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-6}
REPEATS=${REPEATS:-3}
CONNECTIONS=${CONNECTIONS:-50}
SERVERS=${SERVERS:-"node c"}
LEAKCHECK=${LEAKCHECK:-build/leakcheck}
AUTOCANNON=bench/node_modules/autocannon/autocannon.js

[ -x "$LEAKCHECK" ] || { echo "load.sh: build first (tools/build.sh): $LEAKCHECK missing" >&2; exit 2; }
command -v wrk >/dev/null || { echo "load.sh: wrk missing (apt-get install wrk)" >&2; exit 2; }
[ -f "$AUTOCANNON" ] || (cd bench && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {  # $1 = node | c; sets server_pid and port
  rm -f "$work/port"
  if [ "$1" = node ]; then
    node bench/server.js 0 > "$work/server.out" &
    server_pid=$!
    for _ in $(seq 100); do grep -q listening "$work/server.out" 2>/dev/null && break; sleep 0.05; done
    port=$(awk '/listening/ {print $3}' "$work/server.out")
  else
    cc -O2 -o "$work/tiny_server" bench/tiny_server.c
    "$work/tiny_server" "$work/port" &
    server_pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    port=$(cat "$work/port")
  fi
  [ -n "$port" ] || { echo "load.sh: the $1 server did not start" >&2; exit 3; }
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# timed NAME CMD...: runs CMD with its output in $work/NAME.out and "user sys" in $work/NAME.time.
timed() {
  local name=$1
  shift
  timeout $((DURATION + 30)) /usr/bin/time -f "%U %S" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err"
}

cpu() { awk '{printf "%.3f", $1 + $2}' "$work/$1.time"; }

run_wrk() {
  timed wrk wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1"
  echo "wrk $(awk '/requests in/ {gsub("s,", "", $4); print $1, $4}' "$work/wrk.out") $(cpu wrk) 0"
}

run_autocannon() {
  timed autocannon node "$AUTOCANNON" -c "$CONNECTIONS" -d "$DURATION" -j "$1"
  echo "autocannon $(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(r.requests.total, r.duration);' "$work/autocannon.out") $(cpu autocannon) $(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(r.errors + r.timeouts + r.non2xx);' "$work/autocannon.out")"
}

run_leakcheck() {
  timed leakcheck "$LEAKCHECK" load bench/bench.yaml --target "${1%/}" \
    -c "$CONNECTIONS" -d "${DURATION}s" --no-warmup --json
  echo "leakcheck $(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].run;
    console.log(r.requests, r.elapsed_seconds);' "$work/leakcheck.out") $(cpu leakcheck) $(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].run;
    console.log(r.failed_requests);' "$work/leakcheck.out")"
}

round() {  # $1 = server kind
  start_server "$1"
  local url="http://127.0.0.1:$port/" results="$work/results-$1"
  # Warm-up, untimed: Node's JIT and GC settle differently for each client's traffic pattern
  # (the first measured run after a change of client was up to 20% slower in trials), so each
  # client gets a short warm-up run before the measured rounds.
  wrk -t1 -c"$CONNECTIONS" -d2s "$url" > /dev/null
  "$LEAKCHECK" load bench/bench.yaml --target "${url%/}" -c "$CONNECTIONS" -d 2s --no-warmup > /dev/null
  node "$AUTOCANNON" -c "$CONNECTIONS" -d 2 "$url" > /dev/null 2>&1
  # REPEATS rounds in rotating order; each tool's best round counts (the machine is shared,
  # so a round can lose CPU to other processes; the best one is the least disturbed).
  local order=(wrk autocannon leakcheck)
  for ((r = 0; r < REPEATS; r++)); do
    for ((i = 0; i < 3; i++)); do "run_${order[(i + r) % 3]}" "$url" >> "$results"; done
  done
  stop_server

  node - "$1" "$CONNECTIONS" "$results" <<'JS' | tee -a "$work/verdicts"
const [server, conns, file] = process.argv.slice(2);
const runs = require('fs').readFileSync(file, 'utf8').trim().split('\n').map((line) => {
  const [name, requests, seconds, cpu, failed] = line.split(/\s+/);
  return { name, requests: +requests, rps: requests / seconds, cpuPerReq: cpu / requests * 1e6, failed: +failed };
});
const best = (name) => runs.filter((r) => r.name === name).sort((a, b) => b.rps - a.rps)[0];
console.log(`\n== server: ${server}, ${conns} connections (all rounds; the best of each tool is compared) ==`);
console.log('tool        requests    req/s       CPU µs/req  failed');
for (const t of runs) {
  console.log(`${t.name.padEnd(11)} ${String(t.requests).padStart(9)}  ${t.rps.toFixed(0).padStart(9)}  ${t.cpuPerReq.toFixed(2).padStart(10)}  ${t.failed}`);
}
const [wrk, ac, lc] = ['wrk', 'autocannon', 'leakcheck'].map(best);
const checks = [
  [`leakcheck/wrk req/s        ${(lc.rps / wrk.rps).toFixed(3)}  (>= 0.9)`, lc.rps >= 0.9 * wrk.rps],
  [`leakcheck/autocannon req/s ${(lc.rps / ac.rps).toFixed(3)}  (>= 1.0)`, lc.rps >= ac.rps],
  [`leakcheck/wrk CPU/req      ${(lc.cpuPerReq / wrk.cpuPerReq).toFixed(3)}  (<= 1.5)`, lc.cpuPerReq <= 1.5 * wrk.cpuPerReq],
  [`leakcheck failed requests  ${lc.failed}  (== 0)`, lc.failed === 0],
];
for (const [text, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
JS
}

echo "leakcheck load benchmark: ${DURATION}s per tool run, $REPEATS rounds, ${CONNECTIONS} connections, servers: $SERVERS"
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
for server in $SERVERS; do round "$server"; done
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
if grep -q '^FAIL' "$work/verdicts"; then exit 1; fi
