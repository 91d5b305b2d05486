#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh "$@"
ctest --test-dir "${LEAKCHECK_BUILD_DIR:-build}" --output-on-failure -j2 --timeout 600
