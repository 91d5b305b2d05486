#!/usr/bin/env bash
# Configures and builds leakcheck into ./build (Ninja, warnings as errors).
# Extra arguments go to cmake's configure step, e.g. -DLEAKCHECK_SANITIZE=ON.
# ccache is used when installed (set base_dir in ccache.conf to share hits across worktrees).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${LEAKCHECK_BUILD_DIR:-build}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DLEAKCHECK_WERROR=ON "${launcher[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
