#!/usr/bin/env bash
# Policy as code: what the whole Gatekeeper library costs a scan. The
# library's 49 ConstraintTemplates with its sample constraints (duplicate
# sample names are load errors, so the scan exits 2; the rest run), plus
# examples/policy/expansion.yaml so its Pod policies reach every workload,
# against N objects from bench/gen.py; `bulwark scan` with and without
# --policy (hyperfine, Debian's package), and the engine alone
# (crates/bulwark-policy/examples/policy_bench.rs: compile time,
# evaluations per second on all threads and on one).
# Usage: bench/policy.sh [OBJECTS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
lib=${BULWARK_SHARED:-../shared}/corpora/gatekeeper-library/library
[ -d "$lib" ] || { echo "no gatekeeper-library at $lib (set BULWARK_SHARED)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --locked -q -p bulwark
cargo build --release --locked -q -p bulwark-policy --example policy_bench
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/gen.py --objects "$n" --out "$dir/objects" >/dev/null
mkdir "$dir/policy"
cp -r "$lib" "$dir/policy/library"
cp examples/policy/expansion.yaml "$dir/policy/"
echo "engine alone, all threads:"
./target/release/examples/policy_bench "$dir/policy" "$dir/objects"
echo "engine alone, one thread:"
RAYON_NUM_THREADS=1 ./target/release/examples/policy_bench "$dir/policy" "$dir/objects"
bin=./target/release/bulwark
hyperfine --warmup 1 --runs "${RUNS:-5}" -i --export-markdown "$dir/scan.md" \
  -n "scan" "$bin scan $dir/objects --no-config --format json -o /dev/null" \
  -n "scan --policy library" "$bin scan $dir/objects --no-config --policy $dir/policy --format json -o /dev/null" >&2
cat "$dir/scan.md"
