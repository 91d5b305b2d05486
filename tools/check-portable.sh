#!/usr/bin/env bash
# Checks that a release binary is portable, the way issue 16 defines it, and prints the figures:
#   - at most 15 MB;
#   - `ldd` lists only glibc's own libraries (libc, libm, libpthread, libdl, librt, ld-linux);
#   - no dynamic symbol newer than GLIBC_2.31 (Debian 11, Ubuntu 20.04; `objdump -T`);
#   - it runs in a Debian 11 (bullseye) root made with debootstrap: --version, validate, and the
#     bundled example (scenarios/api.yaml) end to end with this machine's `node` copied in.
#   - an https app (self-signed certificate) in that root: with app.tls.ca, with SSL_CERT_FILE,
#     and refused with neither (the static OpenSSL verifies; the root has no CA store at all).
#
#   tools/check-portable.sh [BINARY]           default dist/leakcheck-linux-x64
#   tools/check-portable.sh --make-root DIR    only create the Debian 11 root (also the glibc
#                                              sysroot of tools/package.sh --glibc-sysroot)
# The root is LEAKCHECK_DEBIAN11_ROOT (default /var/tmp/leakcheck-bullseye), made once with
# `debootstrap --variant=minbase --include=libc6-dev bullseye` (needs root and Debian's mirror).
# Exit 0 when every check passes, 1 when one fails, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${LEAKCHECK_DEBIAN11_ROOT:-/var/tmp/leakcheck-bullseye}
max_bytes=$((15 * 1024 * 1024))
max_glibc=2.31

make_root() {
  if [ -x "$1/bin/sh" ] && [ -f "$1/usr/lib/x86_64-linux-gnu/libc_nonshared.a" ]; then
    # As a link-time sysroot (tools/package.sh --glibc-sysroot) absolute symlinks (libpthread.so
    # -> /lib/x86_64-linux-gnu/libpthread.so.0, the loader in lib64) would point into the host:
    # make them relative (the same files inside the chroot).
    local link target
    for link in "$1"/usr/lib/x86_64-linux-gnu/*.so "$1"/usr/lib64/*; do
      target=$(readlink "$link" || true)
      if [[ "$target" == /* ]]; then ln -sfnr "$1$target" "$link"; fi
    done
    return
  fi
  command -v debootstrap >/dev/null || { echo "check-portable: apt-get install debootstrap" >&2; exit 2; }
  echo "check-portable: debootstrap bullseye into $1 (a few minutes, once)"
  mkdir -p "$1"
  debootstrap --variant=minbase --include=libc6-dev bullseye "$1" http://deb.debian.org/debian >/dev/null
  make_root "$1"
}

if [ "${1:-}" = "--make-root" ]; then
  [ $# -eq 2 ] || { echo "usage: tools/check-portable.sh --make-root DIR" >&2; exit 2; }
  make_root "$2"
  exit 0
fi
[ $# -le 1 ] || { echo "usage: tools/check-portable.sh [BINARY]" >&2; exit 2; }
binary=${1:-dist/leakcheck-linux-x64}
[ -x "$binary" ] || { echo "check-portable: no binary at $binary (tools/package.sh)" >&2; exit 2; }

failed=0
check() {  # $1 = ok?, $2 = text
  if [ "$1" = 1 ]; then echo "  ok    $2"; else echo "  FAIL  $2"; failed=1; fi
}

echo "check-portable: $binary"
size=$(stat -c %s "$binary")
check "$((size <= max_bytes))" "size $size bytes ($((size / 1024)) KiB; limit 15 MiB)"

libs=$(ldd "$binary" | awk '{print $1}' | sort)
others=$(echo "$libs" | grep -v -E '^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|/lib64/ld-linux-x86-64\.so\.2)$' || true)
check "$([ -z "$others" ] && echo 1 || echo 0)" "ldd: $(echo $libs)${others:+ (not glibc: $(echo $others))}"

newest=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
check "$([ "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" = "$max_glibc" ] && echo 1 || echo 0)" \
  "newest glibc symbol version GLIBC_$newest (limit GLIBC_$max_glibc)"
if [ "$newest" != "$max_glibc" ] && [ "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
  objdump -T "$binary" | grep -E "GLIBC_($(echo "$newest" | sed 's/\./\\./g'))" | awk '{print "        " $NF " " $(NF-1)}' | head -20
fi

make_root "$root"
work=$root/tmp/leakcheck-check
rm -rf "$work"
mkdir -p "$work/bin"
cp "$binary" "$work/bin/leakcheck"
cp "$(readlink -f "$(command -v node)")" "$work/bin/node"
cp -r scenarios "$work/scenarios"
rm -rf "$work/scenarios/leakcheck-results"
mounted=0
cleanup() { ((mounted)) && umount "$root/proc"; rm -rf "$work"; }
trap cleanup EXIT
mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc"; mounted=1; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/tmp/leakcheck-check/bin:/usr/bin:/bin HOME=/tmp "$@"; }

echo "  Debian $(cat "$root/etc/debian_version"), glibc $(in_root ldd --version | head -1 | awk '{print $NF}')"
version=$(in_root /tmp/leakcheck-check/bin/leakcheck --version 2>&1) && ok=1 || ok=0
check "$ok" "in Debian 11: leakcheck --version -> $version"
in_root /tmp/leakcheck-check/bin/leakcheck validate /tmp/leakcheck-check/scenarios/api.yaml >/dev/null 2>&1 && ok=1 || ok=0
check "$ok" "in Debian 11: leakcheck validate scenarios/api.yaml"
# The static TLS client (OpenSSL 3 inside the binary; Debian 11 has 1.1 and this root has neither
# /usr/lib/ssl, the OPENSSLDIR compiled in, nor any CA certificate): an https app with a
# self-signed certificate (tests/fixtures/servers/tls_server.js), verified with app.tls.ca; with
# SSL_CERT_FILE instead (the system's default paths, redirected); and refused with neither.
https_run() {  # $1 = scenario, $2 = run folder, then env assignments; prints "<exit> <requests> <errors>"
  local yaml=$1 out=$2 code
  shift 2
  set +e
  in_root "$@" sh -c "cd /tmp/leakcheck-check/https && leakcheck run $yaml --out /tmp/leakcheck-check/https/$out -q" \
    >>"$work/https/run.log" 2>&1
  code=$?
  set -e
  echo "$code $(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1])).scenarios[0].load;
    console.log(l.requests, l.errors)' "$work/https/$out/results.json" 2>/dev/null || echo "-1 -1")"
}
check_https() {
  command -v openssl >/dev/null || { echo "  skip  in Debian 11: https runs (no openssl to make a certificate)"; return; }
  mkdir -p "$work/https"
  cp tests/fixtures/servers/tls_server.js "$work/https/"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/https/key.pem" -out "$work/https/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
  local common='version: 1
target: "https://127.0.0.1:{{ app.port }}"
scenarios:
  - name: secure
    warmup: { iterations: 200 }
    run: { iterations: 600, concurrency: 2 }
    checkpoints: 3
    flow: [ { get: { url: /secure, expect: { status: 200 } } } ]
app:
  command: node tls_server.js key.pem cert.pem
  env: { PORT: "{{ app.port }}" }
  ready: { log: listening on, timeout: 20s }'
  printf '%s\n  tls: { ca: cert.pem }\n' "$common" >"$work/https/ca.yaml"
  printf '%s\n' "$common" >"$work/https/system.yaml"
  local code requests errors
  read -r code requests errors < <(https_run ca.yaml ca)
  check "$((code == 0 && errors == 0))" \
    "in Debian 11: https run, app.tls.ca: exit $code, $requests requests, $errors failed"
  read -r code requests errors < <(https_run system.yaml cert-file SSL_CERT_FILE=/tmp/leakcheck-check/https/cert.pem)
  check "$((code == 0 && errors == 0))" \
    "in Debian 11: https run, SSL_CERT_FILE: exit $code, $requests requests, $errors failed"
  read -r code requests errors < <(https_run system.yaml none)
  check "$((code == 1 && requests > 0 && errors == requests))" \
    "in Debian 11: https run, no CA: exit $code, $requests requests, $errors failed (refused)"
  [ "$failed" = 0 ] || tail -20 "$work/https/run.log"
}
if in_root node --version >/dev/null 2>&1; then
  set +e
  in_root sh -c 'cd /tmp/leakcheck-check && leakcheck run scenarios/api.yaml --out /tmp/leakcheck-check/results -q' \
    >"$work/run.log" 2>&1
  code=$?
  set -e
  check "$((code == 0))" "in Debian 11: leakcheck run scenarios/api.yaml (node $(in_root node --version)) exit $code"
  ((code == 0)) || tail -20 "$work/run.log"
  check_https
else
  echo "  skip  in Debian 11: the example run ($(command -v node) does not run there)"
fi
exit "$failed"
