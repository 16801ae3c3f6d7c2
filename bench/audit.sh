#!/usr/bin/env bash
# Audit-log throughput: events/s on one thread and peak RSS, detection
# versus the bare JSON-lines parse of the same file with the same parser.
# Usage: bench/audit.sh [EVENTS]   (default 1,000,000)
#   BEFORE=/path/to/older/audit_bench: run that binary too, in the same
#   rounds, for a before/after comparison under the same load.
# Each run prints the bench's JSON line, then `cpu: USER+SYS` seconds (the
# wall-clock figure suffers when other work shares the core; CPU time less).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
DIR=${BENCH_DIR:-$(mktemp -d)}
LOG="$DIR/audit-$N.log"
[ -f "$LOG" ] || python3 bench/audit_gen.py "$N" "$LOG"
cargo build --release -q -p bulwark-audit --example audit_bench
BIN=target/release/examples/audit_bench
echo "input: $LOG, $(wc -l <"$LOG") lines, $(du -m "$LOG" | cut -f1) MB"
echo "load: $(uptime)"
TIMEFORMAT='cpu: %U+%S'
for round in 1 2; do
  for bin in ${BEFORE:+"$BEFORE"} "$BIN"; do
    for mode in parse detect; do
      echo "round $round, $bin $mode"
      time { taskset -c 0 "$bin" "$mode" "$LOG" 2>/dev/null || "$bin" "$mode" "$LOG" 2>/dev/null; }
    done
  done
done
