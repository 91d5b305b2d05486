#!/usr/bin/env bash
# Builds the portable release binary and writes what a release ships to dist/:
#   dist/leakcheck-linux-x64            the binary (Release, stripped; only glibc dynamic)
#   dist/leakcheck-<v>.tgz              npm package `leakcheck` (JS launcher + bundled example)
#   dist/leakcheck-linux-x64-<v>.tgz    npm package `@leakcheck/linux-x64` (the binary)
#   dist/SHA256SUMS                     sha256 of the three files above
# The version is the binary's own (`leakcheck --version`, from project(VERSION)).
#
#   tools/package.sh                          portable build in build-release/ (Debian 12 + apt)
#   tools/package.sh --glibc-sysroot DIR      ...linked against DIR's glibc: a Debian 11 root
#                                             (tools/check-portable.sh --make-root DIR) for a
#                                             glibc 2.31 baseline
#   tools/package.sh --binary PATH            package an existing binary (tests: tools/check-npm-install.sh)
#   --out DIR                                 write there instead of dist/
# simdjson, tinyxml2 and fmt have no static library in Debian: their Debian source packages are
# fetched with `apt-get source` (signed index, checksums checked by apt) into build-release/vendor.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=dist
binary=""
sysroot=""
while (($#)); do
  case "$1" in
    --binary) binary=$(realpath "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --glibc-sysroot) sysroot=$(realpath "$2"); shift 2 ;;
    *) echo "usage: tools/package.sh [--binary PATH] [--glibc-sysroot DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

fetch_sources() {  # $1 = vendor folder; Debian source packages of the -dev packages installed
  local vendor=$1 apt_dir=$1/apt
  ls "$vendor"/simdjson-*/singleheader/simdjson.cpp "$vendor"/tinyxml2-*/tinyxml2.cpp "$vendor"/fmt-*/src/format.cc >/dev/null 2>&1 && return
  mkdir -p "$apt_dir/lists/partial"
  local suite
  suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
  echo "deb-src http://deb.debian.org/debian $suite main" >"$apt_dir/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -qq)
  echo "package: apt-get source simdjson tinyxml2 fmt (Debian $suite)"
  apt-get "${opts[@]}" update
  local pkg version
  for pkg in simdjson:libsimdjson-dev tinyxml2:libtinyxml2-dev fmtlib:libfmt-dev; do
    version=$(dpkg-query -W -f='${source:Version}' "${pkg#*:}")
    ls "$vendor/${pkg%%:*}_${version}.dsc" >/dev/null 2>&1 ||
      (cd "$vendor" && apt-get "${opts[@]}" source --download-only "${pkg%%:*}=$version")
    local name=${pkg%%:*} upstream=${version%-*} tarball dir target
    # one folder per library, <library>-<version> (portable.cmake looks for fmt-*, not fmtlib-*)
    target="${name/fmtlib/fmt}-$upstream"
    [ -e "$vendor/$target" ] && continue
    tarball=$(ls "$vendor/${name}_${upstream}.orig.tar."*)
    dir=$(tar -tf "$tarball" | awk -F/ 'NR == 1 { print $1 }')  # all of it: no SIGPIPE (pipefail)
    tar -C "$vendor" -xf "$tarball"
    [ "$dir" = "$target" ] || mv "$vendor/$dir" "$vendor/$target"
  done
}

if [ -z "$binary" ]; then
  build_dir=${LEAKCHECK_RELEASE_DIR:-build-release}
  mkdir -p "$build_dir/vendor"
  build_dir=$(realpath "$build_dir")  # LEAKCHECK_RELEASE_DIR may be absolute or relative
  fetch_sources "$build_dir/vendor"
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  fi
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEAKCHECK_PORTABLE=ON \
    -DLEAKCHECK_BUILD_TESTS=OFF -DLEAKCHECK_VENDOR_DIR="$build_dir/vendor" \
    -DLEAKCHECK_GLIBC_SYSROOT="$sysroot" "${launcher[@]}" >/dev/null
  cmake --build "$build_dir" --target leakcheck -j"${LEAKCHECK_JOBS:-2}"
  binary=$build_dir/leakcheck
fi

version=$("$binary" --version | awk '{print $2}')
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "package: $binary --version gave '$version'" >&2; exit 3; }
mkdir -p "$out"
out=$(realpath "$out")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# @leakcheck/linux-x64: the binary alone.
cp -r npm/linux-x64 "$stage/linux-x64"
install -D -m 0755 "$binary" "$stage/linux-x64/bin/leakcheck"
# leakcheck: the launcher, the bundled example (scenarios/api.yaml and its app), the README.
cp -r npm/leakcheck "$stage/leakcheck"
mkdir -p "$stage/leakcheck/example/scenarios"
cp scenarios/api.yaml "$stage/leakcheck/example/scenarios/"
cp -r scenarios/app "$stage/leakcheck/example/scenarios/app"
cp README.md "$stage/leakcheck/README.md"
# One version everywhere: the packages' and the launcher's dependency on the platform package.
for p in "$stage/leakcheck/package.json" "$stage/linux-x64/package.json"; do
  node -e '
    const fs = require("fs"); const [file, v] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")); pkg.version = v;
    for (const name of Object.keys(pkg.optionalDependencies || {})) pkg.optionalDependencies[name] = v;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");' "$p" "$version"
done
rm -f "$out"/leakcheck-*.tgz
(cd "$stage/linux-x64" && npm pack --silent --pack-destination "$out" >/dev/null)
(cd "$stage/leakcheck" && npm pack --silent --pack-destination "$out" >/dev/null)
install -m 0755 "$binary" "$out/leakcheck-linux-x64"
(cd "$out" && sha256sum leakcheck-linux-x64 "leakcheck-$version.tgz" "leakcheck-linux-x64-$version.tgz" >SHA256SUMS)
echo "package: leakcheck $version -> $out"
ls -l "$out"
