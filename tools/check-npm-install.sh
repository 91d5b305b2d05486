#!/usr/bin/env bash
# The npm packages, installed the way a user installs them: in an empty scratch project with
# nothing but Node and npm, `npm install -D` the two tarballs tools/package.sh wrote, then
# `npx leakcheck --version` and `npx leakcheck run` on the example the package bundles
# (scenarios/api.yaml and its app). Exit 0 when the run passes, else the failing step's code.
#
#   tools/check-npm-install.sh [DIST]          default dist/
# The scratch project is a temporary folder, removed afterwards (LEAKCHECK_KEEP_SCRATCH=1 keeps it).
set -euo pipefail
dist=$(realpath "${1:-dist}")
shopt -s nullglob
launcher=("$dist"/leakcheck-[0-9]*.tgz)
platform=("$dist"/leakcheck-linux-x64-[0-9]*.tgz)
if ((${#launcher[@]} != 1 || ${#platform[@]} != 1)); then
  echo "check-npm-install: expected one leakcheck-<v>.tgz and one leakcheck-linux-x64-<v>.tgz in $dist" >&2
  exit 2
fi
scratch=$(mktemp -d)
[ "${LEAKCHECK_KEEP_SCRATCH:-0}" = 1 ] || trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
echo "check-npm-install: scratch project $scratch"
npm init -y >/dev/null
# Both tarballs on one command line: the platform package satisfies the launcher's
# optionalDependency, so nothing is fetched from the registry.
npm install -D --no-audit --no-fund --loglevel=error "${launcher[0]}" "${platform[0]}"
npx --no-install leakcheck --version
cp -r node_modules/leakcheck/example/scenarios scenarios
npx --no-install leakcheck run scenarios/api.yaml --junit leakcheck-results/junit.xml
test -s leakcheck-results/junit.xml
echo "check-npm-install: ok (npx leakcheck run scenarios/api.yaml passed)"
