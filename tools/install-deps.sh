#!/usr/bin/env bash
# Installs what leakcheck needs to build, run and test: Debian packages (skipped when present)
# and the npm packages of the test apps. Safe to run again; does nothing when all is there.
# --fuzz also installs clang 14 and its libFuzzer/ASan runtimes (for tools/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz=0
for arg in "$@"; do
  case "$arg" in
    --fuzz) fuzz=1 ;;
    *) echo "usage: tools/install-deps.sh [--fuzz]" >&2; exit 2 ;;
  esac
done

packages=(
  cmake ninja-build g++ pkg-config
  libboost1.81-dev libyaml-cpp-dev libsimdjson-dev libtinyxml2-dev libcli11-dev libfmt-dev libre2-dev libssl-dev
  libgtest-dev libgmock-dev
  libxml2-utils wrk tmux
  openssl   # the https e2e tests make their certificates with the openssl command
  chromium  # the browser test opens report.html in it (tests/browser/)
)
# libclang-rt-14-dev holds libclang_rt.fuzzer-x86_64.a and the sanitizer runtimes.
((fuzz)) && packages+=(clang-14 libclang-rt-14-dev)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the example and test apps, and the third-party readers of our reports
# (tests/consumers: a JUnit parser, the GitHub Actions validator; tests/browser: playwright-core
# and mermaid); lock files committed.
for dir in scenarios tests tests/consumers tests/browser tests/fixtures/leaks/express-lru \
           tests/fixtures/leaks/lru-ttl tests/fixtures/typescript; do
  if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
    echo "install-deps: npm ci in $dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
# The TypeScript fixture runs as tsc compiled it (dist/, with source maps; not committed).
if [ ! -f tests/fixtures/typescript/dist/server.js ]; then
  echo "install-deps: tsc in tests/fixtures/typescript/"
  (cd tests/fixtures/typescript && npx --no-install tsc -p .)
fi
