#!/usr/bin/env bash
# The browser test (CTest: browser.report): runs leakcheck on the leaky and the clean example
# scenario, then opens both report.html files in headless Chromium and parses the step summary's
# Mermaid chart with mermaid's own parser (report_test.js).
#   tests/browser/run.sh LEAKCHECK_BIN WORK_DIR [SCREENSHOT_DIR]
# Needs Debian's chromium and `npm ci` here: tools/install-deps.sh does both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$1 work=$2 shots=${3:-}
if [ ! -x /usr/bin/chromium ]; then
  echo "browser test: /usr/bin/chromium is missing: run tools/install-deps.sh" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/mermaid" ]; then
  echo "browser test: tests/browser/node_modules is missing: run tools/install-deps.sh" >&2
  exit 1
fi
rm -rf "$work" && mkdir -p "$work"
cd "$root"
run() {  # run NAME SCENARIO EXPECTED_EXIT
  local name=$1 scenario=$2 expected=$3 code=0
  : >"$work/$name-summary.md"
  : >"$work/$name-output.txt"
  GITHUB_STEP_SUMMARY="$work/$name-summary.md" GITHUB_OUTPUT="$work/$name-output.txt" \
    "$bin" run "$scenario" --out "$work/$name" --github --color=never -q >"$work/$name.log" 2>&1 || code=$?
  if [ "$code" != "$expected" ]; then
    echo "browser test: leakcheck run $scenario exited $code, expected $expected:" >&2
    cat "$work/$name.log" >&2
    exit 1
  fi
}
run leaky scenarios/leaky-api.yaml 1
run clean scenarios/api.yaml 0
exec node "$here/report_test.js" "$work" "$shots"
