#!/usr/bin/env bash
# The portable configuration links OpenSSL statically, the normal one dynamically (issue 16 after
# https targets arrived: the release binary had linked libssl.so.3/libcrypto.so.3, which Debian 11
# and Ubuntu 20.04 do not have). Configures only, in a scratch folder: the normal build, then
# LEAKCHECK_PORTABLE=ON in the same folder (FindOpenSSL caches the libraries it found), then the
# normal build again; each time it reads the link command of `leakcheck` from ninja. The vendored
# sources are empty stand-ins: nothing is compiled. tools/check-portable.sh checks the real binary.
#
#   tests/package/portable_links_static_openssl.sh SOURCE_DIR
set -euo pipefail
src=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
vendor=$scratch/vendor
mkdir -p "$vendor/simdjson-0/singleheader" "$vendor/tinyxml2-0" "$vendor/fmt-0/src"
touch "$vendor/simdjson-0/singleheader/simdjson.cpp" "$vendor/tinyxml2-0/tinyxml2.cpp" \
  "$vendor/fmt-0/src/format.cc" "$vendor/fmt-0/src/os.cc"

link_of_leakcheck() {  # $1 = -DLEAKCHECK_PORTABLE value
  cmake -S "$src" -B "$scratch/build" -G Ninja -DLEAKCHECK_BUILD_TESTS=OFF -DLEAKCHECK_PORTABLE="$1" \
    -DLEAKCHECK_VENDOR_DIR="$vendor" >"$scratch/configure.log" 2>&1 || { cat "$scratch/configure.log" >&2; exit 1; }
  ninja -C "$scratch/build" -t commands leakcheck | tail -1
}
failed=0
expect() {  # $1 = what, $2 = link command, $3 = extended regexp that must match, $4 = one that must not
  if grep -qE "$3" <<<"$2" && ! grep -qE "$4" <<<"$2"; then
    echo "ok    $1"
  else
    echo "FAIL  $1: the link command of leakcheck is"
    echo "      $2"
    failed=1
  fi
}
normal=$(link_of_leakcheck OFF)
expect "normal build: libssl.so and libcrypto.so" "$normal" 'libssl\.so.*libcrypto\.so' 'libssl\.a|libcrypto\.a'
portable=$(link_of_leakcheck ON)
expect "portable build (same folder, reconfigured): libssl.a and libcrypto.a, -ldl" "$portable" \
  'libssl\.a.*libcrypto\.a.*-ldl' 'libssl\.so|libcrypto\.so|-lssl|-lcrypto'
normal=$(link_of_leakcheck OFF)
expect "normal build again (same folder): libssl.so and libcrypto.so" "$normal" 'libssl\.so.*libcrypto\.so' 'libssl\.a|libcrypto\.a'
exit "$failed"
