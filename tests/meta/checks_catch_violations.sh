#!/usr/bin/env bash
# The tree checks must fail when the tree breaks their rule, or CI would pass whatever it holds:
# a back-edge for check-layering.sh, an unformatted file for check-format.sh, a long file for
# check-source-size.sh. Each is planted in a scratch tree; each check must exit 1 there and name
# the file, and exit 0 on the same tree without it.
set -euo pipefail
tools=$(cd "$(dirname "$0")/../../tools" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "checks_catch_violations: $*" >&2; exit 1; }

expect() {  # expect EXIT_CODE NEEDLE CHECK ROOT
  local want=$1 needle=$2 check=$3 root=$4 out rc=0
  out=$("$tools/$check" "$root" 2>&1) || rc=$?
  [[ $rc == "$want" ]] || fail "$check exited $rc (want $want) on $root: $out"
  [[ -z $needle || $out == *"$needle"* ]] || fail "$check did not name $needle: $out"
}

# Layering: common may not include run.
tree=$scratch/layers
mkdir -p "$tree/harness/common" "$tree/harness/run" "$tree/reporters"
printf '#include "harness/common/a.h"\n' >"$tree/harness/run/ok.cc"
printf '#include "harness/run/ok.h"\n' >"$tree/reporters/ok.cc"
expect 0 "" check-layering.sh "$tree"
printf '#include "reporters/progress.h"\n' >"$tree/harness/run/back.cc"
expect 1 "harness/run/back.cc:1" check-layering.sh "$tree"

# Format: a file clang-format would change.
tree=$scratch/format
mkdir -p "$tree"
git -C "$tree" init -q
cp "$tools/../.clang-format" "$tree/"
printf 'int main() { return 0; }\n' >"$tree/ok.cc"
git -C "$tree" add -A
expect 0 "" check-format.sh "$tree"
printf 'int   f( int x ){return x;}\n' >"$tree/bad.cc"
git -C "$tree" add -A
expect 1 "bad.cc" check-format.sh "$tree"

# Size: 801 lines.
tree=$scratch/size
mkdir -p "$tree/harness/x"
seq 800 | sed 's/.*/\/\/ line/' >"$tree/harness/x/ok.cc"
expect 0 "" check-source-size.sh "$tree"
seq 801 | sed 's/.*/\/\/ line/' >"$tree/harness/x/long.cc"
expect 1 "harness/x/long.cc" check-source-size.sh "$tree"
echo "checks_catch_violations: every check fails on its violation and passes without it"
