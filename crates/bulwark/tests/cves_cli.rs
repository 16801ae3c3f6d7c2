//! `bulwark cves`: the shipped feed's provenance and version look-ups.

use assert_cmd::Command;
use serde_json::Value;

fn bulwark(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("bulwark")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The data file itself, read independently of the binary.
fn data() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bulwark-rules/data/kubernetes-cves.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("data file")).expect("json")
}

#[test]
fn states_the_day_the_feed_was_taken_and_lists_every_record() {
    let d = data();
    let (code, out, _) = bulwark(&["cves"]);
    assert_eq!(code, Some(0));
    let taken = d["taken"].as_str().expect("taken");
    assert!(
        out.starts_with(&format!("Kubernetes CVE feed taken {taken} ")),
        "{out}"
    );
    let ids: Vec<&str> = d["vulnerabilities"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    for id in &ids {
        assert!(out.contains(&format!("  {id} ")), "{id} not listed");
    }
    let (_, json, _) = bulwark(&["cves", "--format", "json"]);
    let v: Value = serde_json::from_str(&json).expect("json output");
    assert_eq!(v["feed"]["taken"], taken);
    assert_eq!(v["cves"].as_array().map(Vec::len), Some(ids.len()));
}

#[test]
fn a_vulnerable_version_exits_1_with_the_fix() {
    let (code, out, _) = bulwark(&["cves", "--component", "kubelet", "--version", "v1.29.1"]);
    assert_eq!(code, Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("CVE-2024-10220 "))
        .unwrap_or_else(|| panic!("the gitRepo CVE affects kubelet 1.29.1:\n{out}"));
    assert!(line.contains("fixed in 1.29.7"), "{line}");
    assert!(line.contains("high"), "{line}");
    // One patch later it is fixed.
    let (_, out, _) = bulwark(&["cves", "--component", "kubelet", "--version", "v1.29.7"]);
    assert!(!out.contains("CVE-2024-10220"), "{out}");
}

#[test]
fn components_only_match_their_own_packages() {
    // CVE-2024-10220 is a kubelet CVE: the control plane at the same
    // version is not reported for it.
    let (_, out, _) = bulwark(&[
        "cves",
        "--component",
        "control-plane",
        "--version",
        "v1.29.1",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let ids: Vec<&str> = v["cves"]
        .as_array()
        .expect("cves")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(!ids.contains(&"CVE-2024-10220"), "{ids:?}");
    assert!(
        ids.contains(&"CVE-2024-3177"),
        "an apiserver CVE fixed in 1.29.4: {ids:?}"
    );
}

#[test]
fn bad_input_is_an_error_not_an_empty_answer() {
    let (code, _, err) = bulwark(&["cves", "--component", "kubelet", "--version", "1.29"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a Kubernetes release version"), "{err}");
    let (code, _, err) = bulwark(&["cves", "--component", "kubelett", "--version", "1.29.1"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown component"), "{err}");
    let (code, _, _) = bulwark(&["cves", "--version", "1.29.1"]);
    assert_eq!(code, Some(2), "a version needs a component");
}
