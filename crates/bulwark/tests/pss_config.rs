//! The `pss:` section of `.bulwark.yaml` configures the Pod Security
//! analyzer of `bulwark scan` (exempt namespaces and runtime classes), the
//! same section `bulwark pss check` reads.

use std::process::Command;

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: kube-system
spec:
  containers:
  - name: a
    image: busybox:1.36
    securityContext:
      privileged: true
";

fn rules_fired(dir: &std::path::Path) -> (i32, Vec<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "--format", "json"])
        .arg(dir.join("pod.yaml"))
        .output()
        .expect("run bulwark");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let ids = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
        .collect();
    (out.status.code().unwrap_or(-1), ids)
}

#[test]
fn exempt_namespace_silences_pss_rules_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pod.yaml"), POD).expect("write pod");

    let (code, ids) = rules_fired(dir.path());
    assert_eq!(code, 0);
    assert!(
        ids.iter().any(|i| i == "pss-baseline-privileged"),
        "{ids:?}"
    );

    std::fs::write(
        dir.path().join(".bulwark.yaml"),
        "pss:\n  exemptions:\n    namespaces: [kube-system]\n",
    )
    .expect("write config");
    let (code, ids) = rules_fired(dir.path());
    assert_eq!(code, 0);
    assert!(!ids.iter().any(|i| i.starts_with("pss-")), "{ids:?}");
    // The exemption is Pod Security's, not a waiver of bulwark's own rules.
    assert!(ids.iter().any(|i| i == "privileged-container"), "{ids:?}");
}

#[test]
fn a_bad_pss_section_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pod.yaml"), POD).expect("write pod");
    std::fs::write(
        dir.path().join(".bulwark.yaml"),
        "pss:\n  exemptions:\n    namespaces: kube-system\n",
    )
    .expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan"])
        .arg(dir.path().join("pod.yaml"))
        .output()
        .expect("run bulwark");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pss"), "{err}");
}
