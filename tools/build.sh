#!/usr/bin/env bash
# Configures and builds leakcheck into ./build (Ninja, warnings as errors).
# Extra arguments go to cmake's configure step, e.g. -DLEAKCHECK_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${LEAKCHECK_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DLEAKCHECK_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
