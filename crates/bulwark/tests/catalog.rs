//! The rule catalog as users see it (`bulwark rules --format json`): every
//! rule has complete metadata, and every CIS id it maps to exists in the CIS
//! Kubernetes Benchmark 1.12 as kube-bench transcribes it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn catalog() -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["rules", "--format", "json"])
        .output()
        .expect("run bulwark rules");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("rules JSON")
}

#[test]
fn every_rule_has_complete_metadata() {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for r in catalog() {
        let id = r["id"].as_str().unwrap_or_default().to_string();
        if !seen.insert(id.clone()) {
            problems.push(format!("{id}: duplicate id"));
        }
        let kebab = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !id.starts_with('-')
            && !id.ends_with('-');
        if !kebab {
            problems.push(format!("{id}: id is not kebab-case"));
        }
        for field in ["title", "category", "description", "remediation"] {
            if r[field].as_str().is_none_or(|s| s.trim().is_empty()) {
                problems.push(format!("{id}: empty {field}"));
            }
        }
        if r["references"].as_array().is_none_or(|a| a.is_empty()) {
            problems.push(format!("{id}: no references"));
        }
        let mapped = r["mappings"].as_object().is_some_and(|m| {
            m.values()
                .any(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        });
        if !mapped {
            problems.push(format!("{id}: no framework mapping"));
        }
    }
    assert!(seen.len() > 100, "only {} rules", seen.len());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn cis_mappings_exist_in_benchmark_1_12() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/kube-bench/cfg/cis-1.12");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "kube-bench corpus not found at {}",
            dir.display()
        );
        eprintln!("skipped: corpus not found at {}", dir.display());
        return;
    }
    let mut ids = BTreeSet::new();
    for e in std::fs::read_dir(&dir)
        .expect("read cis-1.12")
        .filter_map(Result::ok)
    {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        for line in text.lines() {
            if let Some(id) = line.trim_start().strip_prefix("- id: ") {
                ids.insert(id.trim().trim_matches('"').to_string());
            }
        }
    }
    let mut bad = Vec::new();
    for r in catalog() {
        for c in r["mappings"]["cis"].as_array().into_iter().flatten() {
            let c = c.as_str().unwrap_or_default();
            if !ids.contains(c) {
                bad.push(format!("{} -> {c}", r["id"]));
            }
        }
    }
    assert!(bad.is_empty(), "CIS ids not in cis-1.12: {bad:?}");
}
