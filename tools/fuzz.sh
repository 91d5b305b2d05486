#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang + ASan + UBSan) and runs each one on a copy
# of its seed corpus. Exits non-zero when any target crashes, hangs, leaks or trips a sanitizer.
#
#   tools/fuzz.sh                 # every target for 60 s (CI)
#   tools/fuzz.sh 300             # every target for 300 s
#   tools/fuzz.sh --runs 1000000  # every target for 1,000,000 executions (the hardening proof)
#   tools/fuzz.sh --only template 30
#
# Environment: LEAKCHECK_FUZZ_BUILD_DIR (default build-fuzz), LEAKCHECK_FUZZ_JOBS (build -j, 2),
# CXX (default clang++-14). Logs: <build>/fuzz/logs/<target>.log; crash inputs:
# <build>/fuzz/artifacts/<target>/. Reproduce one: <build>/fuzz/fuzz_<target> <crash-file>.
# The committed corpus is never written to: new inputs go to <build>/fuzz/work/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=60
runs=""
only=""
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    [0-9]*) seconds=$1; shift ;;
    *) echo "fuzz: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

build_dir=${LEAKCHECK_FUZZ_BUILD_DIR:-build-fuzz}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
cxx=${CXX:-clang++-14}

if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: $cxx not found; run tools/install-deps.sh --fuzz" >&2
  exit 2
fi

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEAKCHECK_FUZZ=ON -DLEAKCHECK_BUILD_TESTS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$build_dir" --target fuzz_all -j"${LEAKCHECK_FUZZ_JOBS:-2}"

# Per-target libFuzzer options: input size caps that keep exec/s up (every seed fits).
target_options() {
  case "$1" in
    snapshot_reader) echo "-max_len=16384" ;;
    scenario_loader) echo "-max_len=4096" ;;
    *) echo "-max_len=8192" ;;
  esac
}

fuzz_dir=$build_dir/fuzz
mkdir -p "$fuzz_dir/logs"
targets=()
for source in tests/fuzz/*_fuzz.cc; do
  name=$(basename "$source" _fuzz.cc)
  [[ -z $only || $only = "$name" ]] && targets+=("$name")
done
((${#targets[@]})) || { echo "fuzz: no target named $only" >&2; exit 2; }

if [[ -n $runs ]]; then limit=(-runs="$runs"); else limit=(-max_total_time="$seconds"); fi
# malloc_context_size=0: no allocation stacks while fuzzing. Recording them costs a third of the
# loader's time (yaml-cpp allocates a lot) and ASan's stack depot grows past the RSS limit
# within a million runs; replaying a crash file without this option prints them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1:malloc_context_size=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
printf '%-16s %12s %10s %8s  %s\n' target executions exec/s seconds result
for name in "${targets[@]}"; do
  work=$fuzz_dir/work/$name
  artifacts=$fuzz_dir/artifacts/$name/
  log=$fuzz_dir/logs/$name.log
  rm -rf "$work"
  mkdir -p "$work" "$artifacts"
  cp -r "tests/fuzz/corpus/$name/." "$work/"
  dict=()
  [[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
  # One in-process run per target (no -jobs/-workers: the machine is shared); target_options
  # is split into words on purpose.
  # shellcheck disable=SC2046
  set +e
  "$fuzz_dir/fuzz_$name" "$work" "${dict[@]}" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts" -print_final_stats=1 \
    $(target_options "$name") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1 || true)
  elapsed=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' <<<"$done_line")
  if ((rc == 0)) && [[ -n $done_line ]]; then
    result=ok
  else
    result="FAILED (exit $rc; log $log)"
    crash=$(ls -t "$artifacts" 2>/dev/null | head -1)
    [[ -n $crash ]] && result+="; reproduce: $fuzz_dir/fuzz_$name $artifacts$crash"
    failed=1
  fi
  printf '%-16s %12s %10s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${elapsed:-?}" "$result"
  [[ -n $done_line ]] && echo "                 libFuzzer: $done_line"
  if [[ $result != ok ]]; then
    grep -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:|SUMMARY:' "$log" | head -5 | sed 's/^/                 /'
  fi
done
exit "$failed"
