#!/usr/bin/env bash
# Fails (exit 1) when a CTest name is not readable and stable: every parameterised GoogleTest
# suite needs a name generator (tests/support/param_name.h), else CTest names the case by its
# parameter's bytes (`GetParam() = 16-byte object <30-B4 …>`) or by an index. A name may hold
# letters, digits and `_ . / : -` only. Runs as the CTest test meta.test_names_are_readable.
#   tools/check-test-names.sh [BUILD_DIR]     (default: build)
set -euo pipefail
build=${1:-build}
[[ -d $build ]] || { echo "check-test-names: no build folder $build" >&2; exit 2; }
names=$(ctest --test-dir "$build" -N | sed -n 's/^ *Test *#[0-9]*: //p')
[[ -n $names ]] || { echo "check-test-names: ctest -N listed no tests in $build" >&2; exit 2; }
bad=$(grep -vE '^[A-Za-z0-9_.:/-]+$' <<<"$names" || true)
# An index as the last part of a parameterised name ("Suite/Test.Case/3") is a missing generator.
bad+=$(grep -E '/[0-9]+$' <<<"$names" || true)
if [[ -n $bad ]]; then
  echo "check-test-names: these test names are not readable (give the INSTANTIATE a name generator):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-test-names: $(wc -l <<<"$names") test names, all readable"
