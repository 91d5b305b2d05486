#!/usr/bin/env bash
# Soak test for false positives: runs `leakcheck run` on every passing fixture (the fixed variant of
# each leak pattern, express-lru, and scenarios/api.yaml) ROUNDS times and reports every run that
# did not exit 0. A leak detector that cries wolf on a clean app gets switched off in CI.
#   bench/soak-fixed.sh [ROUNDS]        (default 10; LEAKCHECK=path/to/leakcheck to override)
# Exit codes of leakcheck run: 0 pass, 1 leak found (here: a false positive), 2 bad scenario,
# 3 app/harness failure, 130 interrupted. This script exits 1 if any run was not 0.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
leakcheck=${LEAKCHECK:-$root/build/leakcheck}
rounds=${1:-10}
[[ $rounds =~ ^[0-9]+$ ]] && (( rounds >= 1 && rounds <= 100 )) || { echo "ROUNDS must be 1..100" >&2; exit 2; }
[ -x "$leakcheck" ] || { echo "build leakcheck first (tools/build.sh)" >&2; exit 2; }
command -v node >/dev/null || { echo "node is required" >&2; exit 2; }

express=$root/tests/fixtures/leaks/express-lru
if [ ! -d "$express/node_modules/express" ]; then
  (cd "$express" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "npm ci failed in $express" >&2; exit 2; }
fi

mapfile -t scenarios < <(cd "$root" && ls tests/fixtures/leaks/*/fixed.yaml; echo scenarios/api.yaml)
out=$(mktemp -d "${TMPDIR:-/tmp}/leakcheck-soak.XXXXXX")
trap 'echo "interrupted; results so far in $out" >&2; exit 130' INT TERM
echo "soak: ${#scenarios[@]} passing scenarios x $rounds rounds; results in $out" >&2

declare -A bad total
failures=0
for ((round = 1; round <= rounds; round++)); do
  for yaml in "${scenarios[@]}"; do
    name=${yaml#tests/fixtures/leaks/}; name=${name%.yaml}; name=${name//\//-}
    dir=$out/$name/round-$round
    mkdir -p "$dir"
    start=$(date +%s)
    # A hard bound per run, in case the harness itself hangs: leakcheck kills its app on SIGTERM.
    timeout --signal=TERM --kill-after=15s 600s "$leakcheck" run "$root/$yaml" --out "$dir" >"$dir/console.txt" 2>&1
    code=$?
    total[$name]=$(( ${total[$name]:-0} + 1 ))
    if (( code != 0 )); then
      bad[$name]="${bad[$name]:-} r$round:exit$code"
      failures=$((failures + 1))
      echo "round $round $yaml: exit $code ($(( $(date +%s) - start )) s) FALSE POSITIVE or failure, see $dir/console.txt" >&2
    else
      echo "round $round $yaml: pass ($(( $(date +%s) - start )) s)" >&2
    fi
  done
done

echo
printf '%-28s %6s %6s  %s\n' scenario runs bad details
for yaml in "${scenarios[@]}"; do
  name=${yaml#tests/fixtures/leaks/}; name=${name%.yaml}; name=${name//\//-}
  details=${bad[$name]:-}
  printf '%-28s %6d %6d  %s\n' "$name" "${total[$name]:-0}" "$(wc -w <<<"$details")" "${details# }"
done
echo "false positives / failures: $failures of $(( rounds * ${#scenarios[@]} )) runs (exit 1 = a leak reported on a clean app)"
(( failures == 0 ))
