#!/usr/bin/env bash
# Benchmarks leakcheck's HTTP driver against wrk and autocannon in one run: the same loopback
# server, the same connection count, the same duration, one tool at a time. Prints requests/s,
# CPU time per request (user+sys of the client process, from /usr/bin/time) and the ratios
# the load driver must meet:
#   leakcheck req/s >= 0.9 x wrk      leakcheck req/s >= autocannon      leakcheck CPU/req <= 1.5 x wrk
#
#   bench/load.sh        (DURATION=2 seconds per tool run, REPEATS=15 rounds, CONNECTIONS=50,
#                         SERVERS="node c"; about 4 minutes)
#
# Which server. The machine has 2 cores. A single Node process answering "ok" saturates its
# core at roughly the rate a good client reaches on the other core, so against Node alone every
# competent client ties and requests/s says little about the clients. A Node cluster does not
# help: its workers would take the client's core. So the script runs two rounds:
#   node  bench/server.js, the minimal Node server the tool is meant for (the figure users see);
#   c     bench/tiny_server.c, a tiny epoll server costing a fraction of Node's CPU per request,
#         so the client is the bottleneck and requests/s compares the clients themselves.
# CPU time per request is measured on the client process only, so it compares the clients in
# both rounds. The server's own CPU per request and share of a core are shown per tool: a Node
# server far below 100% of a core means other processes on the machine took the CPU during the
# run. All three tools are single-threaded here (wrk -t1; autocannon and leakcheck use
# one event loop). Requests go to 127.0.0.1 only; every run is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-2}
REPEATS=${REPEATS:-15}
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

# CPU clock ticks (user + system) the server has used so far.
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

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
  # REPEATS short rounds, each running all three tools in a rotating order. The machine is
  # shared (other builds and tests come and go within seconds), so one long run per tool would
  # compare the clients' luck. Ratios are taken within a round (tools run seconds apart) and the
  # median over rounds is compared; requests/s and CPU per request are totals over all rounds.
  local order=(wrk autocannon leakcheck)
  for ((r = 0; r < REPEATS; r++)); do
    for ((i = 0; i < 3; i++)); do
      local before line
      before=$(server_ticks)
      line=$("run_${order[(i + r) % 3]}" "$url")
      echo "$r $line $(($(server_ticks) - before))" >> "$results"
    done
  done
  stop_server

  node - "$1" "$CONNECTIONS" "$results" "$(getconf CLK_TCK)" <<'JS' | tee -a "$work/verdicts"
const [server, conns, file, ticks] = process.argv.slice(2);
const clockTicks = Number(ticks);
const runs = require('fs').readFileSync(file, 'utf8').trim().split('\n').map((line) => {
  const [round, name, requests, seconds, cpu, failed, serverTicks] = line.split(/\s+/);
  return { round: +round, name, requests: +requests, seconds: +seconds, cpu: +cpu, failed: +failed,
           serverCpu: serverTicks / clockTicks };
});
const names = ['wrk', 'autocannon', 'leakcheck'];
const total = Object.fromEntries(names.map((name) => {
  const mine = runs.filter((r) => r.name === name);
  const sum = (key) => mine.reduce((a, r) => a + r[key], 0);
  return [name, { requests: sum('requests'), rps: sum('requests') / sum('seconds'),
                  cpuPerReq: sum('cpu') / sum('requests') * 1e6, failed: sum('failed'),
                  serverShare: sum('serverCpu') / sum('seconds'),
                  serverPerReq: sum('serverCpu') / sum('requests') * 1e6 }];
}));
const rounds = [...new Set(runs.map((r) => r.round))];
const rps = (round, name) => { const r = runs.find((x) => x.round === round && x.name === name); return r.requests / r.seconds; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const vsWrk = median(rounds.map((r) => rps(r, 'leakcheck') / rps(r, 'wrk')));
const vsAc = median(rounds.map((r) => rps(r, 'leakcheck') / rps(r, 'autocannon')));
console.log(`\n== server: ${server}, ${conns} connections, ${rounds.length} rounds ==`);
console.log('round  ' + names.map((n) => n.padStart(11)).join('') + '   (req/s)');
for (const r of rounds) console.log(String(r).padEnd(7) + names.map((n) => rps(r, n).toFixed(0).padStart(11)).join(''));
console.log('tool        requests    req/s   CPU µs/req  failed   server: CPU µs/req, share of a core   (totals)');
for (const n of names) {
  const t = total[n];
  console.log(`${n.padEnd(11)} ${String(t.requests).padStart(9)} ${t.rps.toFixed(0).padStart(8)} ${t.cpuPerReq.toFixed(2).padStart(11)}  ${String(t.failed).padStart(6)}   ${t.serverPerReq.toFixed(1).padStart(8)} ${(t.serverShare * 100).toFixed(0).padStart(8)}%`);
}
const lc = total.leakcheck, wrk = total.wrk;
const checks = [
  [`leakcheck/wrk req/s        ${vsWrk.toFixed(3)}  (median over rounds; >= 0.9)`, vsWrk >= 0.9],
  [`leakcheck/autocannon req/s ${vsAc.toFixed(3)}  (median over rounds; >= 1.0)`, vsAc >= 1.0],
  [`leakcheck/wrk CPU/req      ${(lc.cpuPerReq / wrk.cpuPerReq).toFixed(3)}  (totals; <= 1.5)`, lc.cpuPerReq <= 1.5 * wrk.cpuPerReq],
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
