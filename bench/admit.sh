#!/usr/bin/env bash
# Admission webhook latency under fixed request rates (open loop), on
# loopback: the release `bulwark admit serve` with the whole default catalog,
# and crates/bulwark-admission/examples/loadgen.rs sending realistic
# Deployment and Pod AdmissionReviews over keep-alive HTTPS.
# Usage: bench/admit.sh [SECONDS] [RATES...]   (default 10 s at 500 2000 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; shift || true
rates=("${@:-500 2000 5000}")
cargo build --release --locked -q -p bulwark
cargo build --release --locked -q -p bulwark-admission --example loadgen
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
./target/release/bulwark admit serve --no-config --listen 127.0.0.1:18443 --self-signed "$dir" 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/log" 2>/dev/null && break; sleep 0.1; done
echo "| rate (req/s) | sent | errors | throughput | p50 | p99 | max |"
echo "|---|---|---|---|---|---|---|"
for r in ${rates[@]}; do
  ./target/release/examples/loadgen 127.0.0.1:18443 "$dir/ca.crt" "$r" "$secs" 8 \
    | sed -E 's/rate=([^ ]+) sent=([^ ]+) errors=([^ ]+) throughput=([^ ]+) p50=([^ ]+) p99=([^ ]+) max=([^ ]+)/| \1 | \2 | \3 | \4 | \5 | \6 | \7 |/'
done
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
