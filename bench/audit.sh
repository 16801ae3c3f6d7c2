#!/usr/bin/env bash
# Audit-log throughput: events/s on one thread and peak RSS, detection
# versus the bare JSON-lines parse of the same file with the same parser.
# Usage: bench/audit.sh [EVENTS]   (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
DIR=${BENCH_DIR:-$(mktemp -d)}
LOG="$DIR/audit-$N.log"
[ -f "$LOG" ] || python3 bench/audit_gen.py "$N" "$LOG"
cargo build --release -q -p bulwark-audit --example audit_bench
BIN=target/release/examples/audit_bench
echo "input: $LOG, $(wc -l <"$LOG") lines, $(du -m "$LOG" | cut -f1) MB"
for round in 1 2; do
  for mode in parse detect; do
    taskset -c 0 "$BIN" "$mode" "$LOG" 2>/dev/null || "$BIN" "$mode" "$LOG" 2>/dev/null
  done
done
