#!/usr/bin/env bash
# Throughput and peak memory of `bulwark scan` against a bare parse with the
# same loader, on generated manifests (bench/gen.py), so the cost of the
# checks over parsing is visible.
#
#   bench/run.sh                 # 10k and 100k objects, plus 100k in one file
#   SIZES="10000" bench/run.sh   # just 10k
#   BENCH_DIR=/var/tmp/b RUNS=3 bench/run.sh
#
# Needs python3 and GNU time (/usr/bin/time; `apt-get install time`).
# Each figure is the best of RUNS runs (default 1) on a warm page cache.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/bulwark-bench}
sizes=${SIZES:-"10000 100000"}
runs=${RUNS:-1}
one_file=${ONE_FILE:-100000}

if [[ ! -x /usr/bin/time ]]; then
    echo "GNU time is needed: apt-get install time" >&2
    exit 2
fi

echo "building release binaries (bulwark, bulwark-load example 'parse')..." >&2
(cd "$root" && cargo build --release --quiet -p bulwark --bin bulwark \
    && cargo build --release --quiet -p bulwark-load --example parse)
target=${CARGO_TARGET_DIR:-$root/target}
bulwark="$target/release/bulwark"
parse="$target/release/examples/parse"

generate() { # objects dir [--single-file]
    local n=$1 dir=$2
    shift 2
    if [[ ! -f "$dir.complete" ]]; then
        rm -rf "$dir"
        python3 "$root/bench/gen.py" --objects "$n" --out "$dir" "$@" >&2
        touch "$dir.complete"
    fi
}

bytes_of() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s}'; }

# Runs a command under GNU time; prints "seconds max_rss_kib".
measure() {
    local best_s="" best_rss=""
    for _ in $(seq "$runs"); do
        local t
        t=$(mktemp)
        local status=0
        /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$t.err" || status=$?
        if (( status > 1 )); then
            # 1 means findings at or above --fail-on; 2 is an input error.
            echo "warning: exit $status from $*: $(head -3 "$t.err")" >&2
        fi
        read -r s rss <"$t"
        rm -f "$t" "$t.err"
        if [[ -z $best_s ]] || awk -v a="$s" -v b="$best_s" 'BEGIN {exit !(a < b)}'; then
            best_s=$s
            best_rss=$rss
        fi
    done
    echo "$best_s $best_rss"
}

row() { # label mode objects bytes seconds rss_kib
    awk -v l="$1" -v m="$2" -v o="$3" -v b="$4" -v s="$5" -v r="$6" 'BEGIN {
        if (s <= 0) s = 0.001
        printf "%-16s %-7s %8d %9.1f %8.2f %11.0f %8.1f %10.0f\n",
            l, m, o, b / 1e6, s, o / s, b / 1e6 / s, r / 1024 }'
}

report=()
run_set() { # label dir
    local label=$1 dir=$2
    local bytes objects
    bytes=$(bytes_of "$dir")
    objects=$("$parse" "$dir" | python3 -c 'import json, sys; print(json.load(sys.stdin)["objects"])')
    read -r s rss < <(measure "$parse" "$dir")
    report+=("$(row "$label" parse "$objects" "$bytes" "$s" "$rss")")
    read -r s rss < <(measure "$bulwark" scan "$dir" --format json -o /dev/null)
    report+=("$(row "$label" scan "$objects" "$bytes" "$s" "$rss")")
}

for n in $sizes; do
    dir="$bench_dir/$n"
    generate "$n" "$dir"
    run_set "$n objects" "$dir"
done
if [[ -n $one_file && $one_file != 0 ]]; then
    # One big multi-document stream: read by one thread; shows that nothing
    # in the loader grows faster than the input.
    dir="$bench_dir/one-file-$one_file"
    generate "$one_file" "$dir" --single-file
    run_set "$one_file in 1 file" "$dir"
fi

cores=$(nproc 2>/dev/null || echo "?")
echo
echo "bulwark benchmark ($cores cores, best of $runs run(s); $(date -u +%Y-%m-%dT%H:%MZ))"
printf "%-16s %-7s %8s %9s %8s %11s %8s %10s\n" input mode objects MB seconds objects/s MB/s "peak RSS MB"
for r in "${report[@]}"; do
    echo "$r"
done
