#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
exec ./build/leakcheck run scenarios/api.yaml "$@"
