#!/usr/bin/env bash
# bulwark against a peer: checkov's Kubernetes framework, on the same
# generated manifests (bench/gen.py), timed the same way as bench/run.sh
# (GNU time: wall seconds and peak RSS), with how many objects each tool saw
# and how many findings each reported.
#
#   bench/peers.sh                              # 1,000 objects x3, 10,000 x1
#   SMALL=200 LARGE=1000 bench/peers.sh         # quicker look
#   CHECKOV_VENV=/var/tmp/ck BENCH_DIR=/var/tmp/b bench/peers.sh
#
# Installs checkov (pinned, CHECKOV_VERSION) into a venv (CHECKOV_VENV,
# default /tmp/bulwark-bench-venv) when it is not there yet; that step needs
# PyPI, nothing else does. checkov runs with --skip-download,
# BC_SKIP_MAPPING=TRUE and CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE (no platform
# mapping download, no PyPI version check), and both tools run in a network
# namespace of their own (unshare -n) where that is allowed, so nothing can
# reach the internet. Takes ~12 minutes on 2 cores, nearly all of it checkov.
#
# Not part of CI or the test suite.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/bulwark-bench-peers}
venv=${CHECKOV_VENV:-/tmp/bulwark-bench-venv}
checkov_version=${CHECKOV_VERSION:-3.3.30}
small=${SMALL:-1000}
large=${LARGE:-10000}
small_runs=${SMALL_RUNS:-3}
large_runs=${LARGE_RUNS:-1}

if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "installing GNU time..." >&2
        apt-get update -qq >&2 && apt-get install -y -qq time >&2
    else
        echo "GNU time is needed: apt-get install time" >&2
        exit 2
    fi
fi

echo "building bulwark (release)..." >&2
(cd "$root" && cargo build --release --quiet -p bulwark)
target=${CARGO_TARGET_DIR:-$root/target}
bulwark="$target/release/bulwark"

checkov="$venv/bin/checkov"
if [[ ! -x $checkov ]] || [[ $("$checkov" --version 2>/dev/null) != "$checkov_version" ]]; then
    echo "installing checkov $checkov_version into $venv..." >&2
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "checkov==$checkov_version" >&2
fi

# checkov: no mapping/guideline download, no update check, no API key.
export BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE
unset BC_API_KEY PRISMA_API_URL 2>/dev/null || true

# No network for either tool, where a network namespace can be made.
offline=()
if unshare -n true 2>/dev/null; then
    offline=(unshare -n)
else
    echo "note: cannot unshare the network namespace; relying on checkov's flags" >&2
fi

generate() { # objects dir
    local n=$1 dir=$2
    if [[ ! -f "$dir.complete" ]]; then
        rm -rf "$dir"
        python3 "$root/bench/gen.py" --objects "$n" --out "$dir" >&2
        touch "$dir.complete"
    fi
}

# Ground truth, independent of both tools: files and objects (kind: List
# items counted one by one) in DIR, and how many resources checkov should
# report: every object, plus one derived Pod per pod-template workload kind
# (checkov's SUPPORTED_POD_CONTAINERS_TYPES).
truth() { # dir -> "files objects checkov_resources"
    "$venv/bin/python" - "$1" <<'EOF'
import json, os, sys
import yaml
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TEMPLATED = {"Deployment", "DeploymentConfig", "DaemonSet", "Job", "ReplicaSet",
             "ReplicationController", "StatefulSet"}
files = objects = derived = 0
for dp, _, names in os.walk(sys.argv[1]):
    for name in names:
        if not name.endswith((".yaml", ".yml", ".json")):
            continue
        files += 1
        with open(os.path.join(dp, name)) as f:
            docs = [json.load(f)] if name.endswith(".json") else list(yaml.load_all(f, Loader=Loader))
        for doc in docs:
            if not doc:
                continue
            for o in doc["items"] if doc.get("kind") == "List" else [doc]:
                objects += 1
                if o.get("kind") in TEMPLATED and "template" in (o.get("spec") or {}):
                    derived += 1
print(files, objects, objects + derived)
EOF
}

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# Runs a command under GNU time RUNS times, stdout to OUT; prints
# "median_seconds median_rss_kib". Exit 1 is findings; above 1 is a failure.
measure() { # runs out cmd...
    local runs=$1 out=$2
    shift 2
    local t status ss=() rs=()
    t=$(mktemp)
    for _ in $(seq "$runs"); do
        status=0
        /usr/bin/time -f '%e %M' -o "$t" "${offline[@]}" "$@" >"$out" 2>"$t.err" || status=$?
        if (( status > 1 )); then
            echo "error: exit $status from $*:" >&2
            tail -5 "$t.err" >&2
            exit 1
        fi
        read -r s rss < <(tail -1 "$t")
        ss+=("$s")
        rs+=("$rss")
    done
    rm -f "$t" "$t.err"
    echo "$(printf '%s\n' "${ss[@]}" | median) $(printf '%s\n' "${rs[@]}" | median)"
}

# What each tool reported: "findings objects_seen files_seen distinct_ids problems".
bulwark_counts() { # report.json
    python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
print(len(d["findings"]), s["objects"], s["files"],
      len({f["rule_id"] for f in d["findings"]}),
      len(s.get("skipped", [])) + len(s.get("errors", [])))
EOF
}
checkov_counts() { # report.json (with --quiet: failed checks only)
    python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
reports = d if isinstance(d, list) else [d]
failed, resources, errors, ids, files = 0, 0, 0, set(), set()
for r in reports:
    s = r.get("summary", r)
    resources += s.get("resource_count", 0)
    errors += s.get("parsing_errors", 0)
    fc = r.get("results", {}).get("failed_checks", [])
    failed += len(fc)
    ids.update(c["check_id"] for c in fc)
    files.update(c["file_path"] for c in fc)
print(failed, resources, len(files), len(ids), errors)
EOF
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# checkov's fixed cost: interpreter start and loading its ~1,000 checks.
"${offline[@]}" "$checkov" --version >/dev/null  # warm the page cache
read -r startup_s _ < <(measure 1 /dev/null "$checkov" --version)

rows=()
notes=()
run_set() { # objects runs
    local n=$1 runs=$2
    local dir="$bench_dir/$n"
    generate "$n" "$dir"
    local t_files t_objects t_ck_resources
    read -r t_files t_objects t_ck_resources < <(truth "$dir")

    # Warm-up run, also the report the findings are counted from.
    "${offline[@]}" "$bulwark" scan "$dir" --format json -o "$work/bulwark.json" || (( $? == 1 ))
    local b_s b_rss c_s c_rss
    read -r b_s b_rss < <(measure "$runs" /dev/null "$bulwark" scan "$dir" --format json -o /dev/null)
    # checkov's JSON goes to a file (the last run's is kept) so that its
    # findings are counted from a timed run, not from one more long run.
    read -r c_s c_rss < <(measure "$runs" "$work/checkov.json" \
        "$checkov" -d "$dir" --framework kubernetes -o json --quiet --skip-download)
    [[ -n $b_s && -n $c_s ]] || exit 1
    local c_bytes
    c_bytes=$(stat -c %s "$work/checkov.json")

    local b_find b_obj b_files b_ids b_prob c_find c_res c_files c_ids c_err
    read -r b_find b_obj b_files b_ids b_prob < <(bulwark_counts "$work/bulwark.json")
    read -r c_find c_res c_files c_ids c_err < <(checkov_counts "$work/checkov.json")
    rm -f "$work/checkov.json" "$work/bulwark.json"

    local label="$n objects ($t_files files)"
    rows+=("$(awk -v l="$label" -v o="$t_objects" -v s="$b_s" -v r="$b_rss" -v f="$b_find" -v k="$runs" 'BEGIN {
        if (s <= 0) s = 0.01
        printf "| %s | bulwark | %d | %.2f | %.0f | %.0f | %d | 1 (baseline) |", l, o, s, o / s, r / 1024, f }')")
    rows+=("$(awk -v l="$label" -v o="$t_objects" -v s="$c_s" -v r="$c_rss" -v f="$c_find" \
        -v bs="$b_s" -v br="$b_rss" 'BEGIN {
        if (bs <= 0) bs = 0.01
        printf "| %s | checkov | %d | %.2f | %.0f | %.0f | %d | time %.1fx, RSS %.1fx |",
            l, o, s, o / s, r / 1024, f, s / bs, r / br }')")

    local b_ok="all" c_ok="all"
    (( b_obj == t_objects && b_files == t_files && b_prob == 0 )) || b_ok="NOT all"
    (( c_res == t_ck_resources && c_err == 0 )) || c_ok="NOT all"
    notes+=("$n objects: input has $t_files files, $t_objects objects.
  bulwark saw $b_obj objects in $b_files files ($b_ok; $b_prob skipped/errors); $b_find findings from $b_ids distinct rules.
  checkov resource_count $c_res, expected $t_ck_resources = $t_objects objects + $((t_ck_resources - t_objects)) pod templates it checks as Pods ($c_ok; $c_err parsing errors); $c_find failed checks from $c_ids distinct checks, in $c_files files; JSON report $((c_bytes / 1000000)) MB.")
}

run_set "$small" "$small_runs"
run_set "$large" "$large_runs"

cores=$(nproc 2>/dev/null || echo "?")
commit=${BULWARK_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')}
if [[ -n $(git -C "$root" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null) ]]; then
    commit="$commit + uncommitted changes"
fi
echo
echo "bulwark vs checkov $checkov_version --framework kubernetes ($cores cores; $(date -u +%Y-%m-%dT%H:%MZ);" \
    "commit $commit;" \
    "median of $small_runs run(s) at $small, $large_runs at $large; load average before: $load_before)"
echo
echo "| input | tool | objects | seconds | objects/s | peak RSS MB | findings | checkov / bulwark |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "checkov startup alone (checkov --version): ${startup_s}s"
printf '%s\n' "${notes[@]}"
