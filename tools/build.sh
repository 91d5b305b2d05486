#!/usr/bin/env bash
# Configures and builds leakcheck into ./build (Ninja; Release, stripped, unless
# -DCMAKE_BUILD_TYPE=... is given). Extra arguments go to cmake's configure step, e.g.
# -DLEAKCHECK_SANITIZE=ON. Warnings are errors only when LEAKCHECK_WERROR=ON is in the
# environment (the project's CI: .ci/run and .github/workflows/ci.yml set it), never on users'
# machines or in the Action, where a newer compiler's new warning must not stop a build.
# ccache is used when installed (set base_dir and `hash_dir = false` in ccache.conf to share hits
# across worktrees: with -g, ccache otherwise hashes the build folder).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${LEAKCHECK_BUILD_DIR:-build}
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # The precompiled CLI11 header (LEAKCHECK_PCH) is cacheable only with these.
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
fi
cmake -S . -B "$build_dir" -G Ninja -DLEAKCHECK_WERROR="${LEAKCHECK_WERROR:-OFF}" "${launcher[@]}" "$@" >/dev/null
# At most 2 jobs unless told: the machines this runs on are shared (LEAKCHECK_JOBS=N to change).
cmake --build "$build_dir" -j"${LEAKCHECK_JOBS:-$(($(nproc) < 2 ? $(nproc) : 2))}"
