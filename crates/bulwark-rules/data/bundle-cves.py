#!/usr/bin/env python3
"""Builds kubernetes-cves.json from a copy of kubernetes-sigs/cve-feed-osv.

    python3 bundle-cves.py CHECKOUT --taken YYYY-MM-DD > kubernetes-cves.json

CHECKOUT is a clone of https://github.com/kubernetes-sigs/cve-feed-osv (the
OSV form of https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json).
Records are read from vulns/ (current), then upstream/, then k8s/cves/ (the
repository's older layout, converted to OSV); the first copy of an id wins.
--taken is the day the checkout was made: bulwark states it in every finding.
"""
import argparse
import json
import pathlib
import re
import sys

SOURCE = (
    "kubernetes-sigs/cve-feed-osv: the OSV form of the official Kubernetes CVE feed "
    "(https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json)"
)
LAYOUTS = ["vulns", "upstream", "k8s/cves", "k8s-cves"]
# What bulwark reads as a version (versions/version.rs), or OSV's "0".
VERSION = re.compile(r"^(0|v?\d+\.\d+\.\d+([-+].*)?)$")


def readable(rng):
    """Every event of the range has a version bulwark can compare."""
    return all(VERSION.match(str(v).strip()) for e in rng.get("events", []) for v in e.values())


def from_old_layout(r):
    """k8s/cves/*.json: a component, bare ranges and a CVSS vector."""
    severity = []
    vector = (r.get("cvssv3") or {}).get("Vector")
    if vector:
        severity.append({"type": "CVSS_V3", "score": vector})
    affected = []
    for a in r.get("affected", []):
        affected.append({
            "package": {"ecosystem": "kubernetes", "name": r.get("component", "")},
            "severity": severity,
            "ranges": a.get("ranges", []),
        })
    refs = [{"type": "ADVISORY", "url": u} for u in r.get("references", [])]
    return {
        "id": r["id"],
        "modified": r.get("created_at", ""),
        "published": r.get("created_at", ""),
        "summary": r.get("summary", ""),
        "details": r.get("details", ""),
        "affected": affected,
        "references": refs,
    }


def scores(sev):
    """CVSS metric names and values are upper case; one record writes `av:N`."""
    return [
        dict(s, score=s["score"].upper()) if s.get("type", "").startswith("CVSS") else s
        for s in sev
    ]


def keep(r, excluded):
    """The fields bulwark reads, in OSV shape. A range with a version that
    cannot be compared is left out and listed in `excluded`."""
    out = {k: r[k] for k in ("id", "modified", "published", "summary", "details") if k in r}
    out["affected"] = []
    for a in r.get("affected", []):
        ranges = []
        for rng in a.get("ranges", []):
            if readable(rng):
                ranges.append(rng)
            else:
                excluded.append({"id": r["id"], "package": a.get("package", {}).get("name", ""),
                                 "range": rng, "why": "a version is not MAJOR.MINOR.PATCH"})
        out["affected"].append({
            "package": a.get("package", {}),
            "severity": scores(a.get("severity", [])),
            "ranges": ranges,
        })
    if r.get("severity"):
        out["severity"] = scores(r["severity"])
    out["references"] = [
        x if isinstance(x, dict) else {"type": "WEB", "url": x} for x in r.get("references", [])
    ]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkout", type=pathlib.Path)
    p.add_argument("--taken", required=True, help="the day the checkout was made, YYYY-MM-DD")
    a = p.parse_args()
    records = {}
    origin = {}
    excluded = []
    for layout in LAYOUTS:
        d = a.checkout / layout
        if not d.is_dir():
            continue
        for f in sorted(d.glob("*.json")):
            r = json.loads(f.read_text())
            if "id" not in r:
                print(f"skipped {f}: no id", file=sys.stderr)
                continue
            if r["id"] in records:
                continue
            if layout.startswith("k8s"):
                r = from_old_layout(r)
            records[r["id"]] = keep(r, excluded)
            origin[r["id"]] = layout
    if not records:
        sys.exit(f"no records under {a.checkout} ({', '.join(LAYOUTS)})")
    def key(cve):
        _, year, num = cve.split("-", 2)
        return (int(year), int(num))
    vulns = [records[k] for k in sorted(records, key=key)]
    counts = {}
    for l in origin.values():
        counts[l] = counts.get(l, 0) + 1
    print(f"{len(vulns)} records: {counts}; {len(excluded)} range(s) excluded", file=sys.stderr)
    for e in excluded:
        print(f"  excluded {e['id']} {e['package']}: {e['range']}", file=sys.stderr)
    json.dump({
        "source": SOURCE,
        "taken": a.taken,
        "newest_record": max(r.get("modified", "") for r in vulns),
        "excluded_ranges": excluded,
        "vulnerabilities": vulns,
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
