#!/usr/bin/env bash
# The false-positive soak moved to tools/soak.sh (a table per fixture: passes, false alarms with
# the failing check and figure, inconclusive; --node, a time cap). Kept so old commands work:
#   bench/soak-fixed.sh [ROUNDS]  =  tools/soak.sh -n ROUNDS
exec "$(cd "$(dirname "$0")/.." && pwd)/tools/soak.sh" -n "${1:-10}"
