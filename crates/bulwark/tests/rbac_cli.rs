//! `bulwark rbac ...` end to end: arguments, output formats, exit codes.

mod common;

use std::io::Write;

use assert_cmd::Command;

const RBAC: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: dev}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects:
- {kind: User, name: alice}
- {kind: ServiceAccount, name: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-view, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: devs}
"#;

fn file() -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(RBAC.as_bytes()).unwrap();
    f
}

fn bulwark() -> Command {
    Command::cargo_bin("bulwark").unwrap()
}

#[test]
fn who_can_lists_subjects_with_chain_and_line() {
    let f = file();
    let out = bulwark()
        .args(["rbac", "who-can", "get", "secrets", "-n", "dev"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("2 subject(s)"), "{s}");
    assert!(s.contains("user:alice"), "{s}");
    assert!(s.contains("sa:dev/app"), "{s}");
    assert!(
        s.contains("RoleBinding/dev/read -> Role/dev/secret-reader rules[1]"),
        "{s}"
    );
    // The binding's subject line and the rule's line.
    assert!(s.contains(":17, rule "), "{s}");
    assert!(s.contains(":8]"), "{s}");
    // view is missing without the defaults: reported.
    assert!(s.contains("ClusterRole 'view' does not exist"), "{s}");
}

#[test]
fn who_can_json_and_default_roles() {
    let f = file();
    let out = bulwark()
        .args([
            "rbac",
            "who-can",
            "list",
            "deployments",
            "-n",
            "dev",
            "--format",
            "json",
            "--with-default-roles",
        ])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let subjects: Vec<&str> = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&"group:devs"), "{subjects:?}");
    assert!(subjects.contains(&"group:system:masters"), "{subjects:?}");
    assert!(!subjects.contains(&"user:alice"), "{subjects:?}");
    let devs = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subject"] == "group:devs")
        .unwrap();
    assert_eq!(devs["grants"][0]["role"], "ClusterRole/view");
    assert_eq!(
        devs["grants"][0]["aggregated_from"],
        "ClusterRole/system:aggregate-to-view"
    );
}

#[test]
fn can_exit_codes_are_yes_zero_no_one() {
    let f = file();
    bulwark()
        .args(["rbac", "can", "sa:dev/app", "list", "secrets", "-n", "dev"])
        .arg(f.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "yes: sa:dev/app can list secrets in namespace dev",
        ));
    bulwark()
        .args(["rbac", "can", "user:alice", "list", "secrets", "-n", "prod"])
        .arg(f.path())
        .assert()
        .code(1)
        .stdout(predicates::str::contains("no rule grants it"));
    // A missing role is named as the reason nothing is granted.
    bulwark()
        .args(["rbac", "can", "group:devs", "get", "pods", "-n", "dev"])
        .arg(f.path())
        .assert()
        .code(1)
        .stdout(predicates::str::contains("'view' does not exist"));
    bulwark()
        .args([
            "rbac",
            "can",
            "group:devs",
            "get",
            "pods",
            "-n",
            "dev",
            "--with-default-roles",
        ])
        .arg(f.path())
        .assert()
        .code(0);
    bulwark()
        .args(["rbac", "can", "nobody", "get", "pods"])
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("expected user:NAME"));
}

#[test]
fn can_with_resource_name() {
    let f = file();
    bulwark()
        .args([
            "rbac",
            "can",
            "user:alice",
            "get",
            "configmaps",
            "-n",
            "dev",
            "--name",
            "x",
            "--format",
            "json",
        ])
        .arg(f.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("\"allowed\": true"));
}

#[test]
fn subjects_lists_permissions_per_namespace() {
    let f = file();
    let out = bulwark()
        .args(["rbac", "subjects", "--format", "json"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let alice = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subject"] == "user:alice")
        .unwrap();
    assert_eq!(alice["namespaces"]["dev"].as_array().unwrap().len(), 2);
    assert!(alice["cluster"].as_array().unwrap().is_empty());
    let text = bulwark()
        .args(["rbac", "subjects"])
        .arg(f.path())
        .output()
        .unwrap();
    let s = String::from_utf8(text.stdout).unwrap();
    assert!(s.contains("sa:dev/app (groups: system:serviceaccounts, system:serviceaccounts:dev, system:authenticated)"), "{s}");
    assert!(s.contains("  namespace dev:"), "{s}");
}

#[test]
fn load_errors_exit_two_after_answering() {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(b"kind: [unclosed\n").unwrap();
    let good = file();
    bulwark()
        .args(["rbac", "who-can", "get", "secrets", "-n", "dev"])
        .arg(good.path())
        .arg(f.path())
        .assert()
        .code(2)
        .stdout(predicates::str::contains("user:alice"));
}

#[test]
fn escalations_in_every_format() {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(common::fixtures::ESCALATION.as_bytes())
        .unwrap();
    let run = |fmt: &str| {
        let out = bulwark()
            .args([
                "rbac",
                "escalations",
                "--with-default-roles",
                "--format",
                fmt,
            ])
            .arg(f.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("table");
    assert!(text.contains("sa:ci/deployer -> cluster-admin"), "{text}");
    assert!(
        text.contains("1. sa:ci/deployer -> sa:kube-system/backup [pod-creation]"),
        "{text}"
    );
    assert!(
        text.contains("via RoleBinding/kube-system/ci -> Role/kube-system/deployer rules[0]"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let p = v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "sa:ci/deployer")
        .unwrap();
    assert_eq!(p["steps"][1]["technique"], "holds");
    assert!(run("dot").contains(
        "\"sa:ci/deployer\" -> \"sa:kube-system/backup\" [label=\"pod-creation (kube-system)\"]"
    ));
    assert!(run("mermaid").starts_with("flowchart LR\n"));
}

#[test]
fn scan_reports_risky_grants_with_lines() {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    // A backup service account outside kube-system is not a system component.
    let yaml = common::fixtures::ESCALATION.replace(
        "name: backup, namespace: kube-system",
        "name: backup, namespace: tools",
    );
    f.write_all(yaml.as_bytes()).unwrap();
    let out = bulwark()
        .args(["scan", "--format", "json"])
        .arg(f.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let find = |rule: &str| {
        findings
            .iter()
            .find(|x| x["rule_id"] == rule)
            .unwrap_or_else(|| panic!("{rule} in {findings:#?}"))
    };
    let admin = find("rbac-cluster-admin-binding");
    assert_eq!(admin["path"], "subjects[0]");
    assert_eq!(admin["line"], 5);
    let create = find("rbac-workload-create");
    assert_eq!(create["path"], "rules[0].verbs");
    assert_eq!(create["line"], 10);
}

#[test]
fn who_can_all_namespaces() {
    let f = file();
    let out = bulwark()
        .args(["rbac", "who-can", "list", "secrets", "-A"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("who can list secrets in any namespace: 2 subject(s)"),
        "{s}"
    );
    bulwark()
        .args(["rbac", "who-can", "list", "secrets", "-A", "-n", "dev"])
        .arg(f.path())
        .assert()
        .code(2);
}

#[test]
fn escalations_from_one_subject() {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(common::fixtures::ESCALATION.as_bytes())
        .unwrap();
    bulwark()
        .args([
            "rbac",
            "escalations",
            "--with-default-roles",
            "--from",
            "sa:ci/deployer",
        ])
        .arg(f.path())
        .assert()
        .code(1)
        .stdout(predicates::str::contains("1 escalation path(s)"));
    bulwark()
        .args([
            "rbac",
            "escalations",
            "--with-default-roles",
            "--from",
            "user:nobody",
        ])
        .arg(f.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("0 escalation path(s)"));
}

#[test]
fn can_with_extra_groups() {
    let f = file();
    bulwark()
        .args([
            "rbac",
            "can",
            "user:bob",
            "list",
            "pods",
            "-n",
            "dev",
            "--with-default-roles",
        ])
        .arg(f.path())
        .assert()
        .code(1);
    bulwark()
        .args([
            "rbac",
            "can",
            "user:bob",
            "list",
            "pods",
            "-n",
            "dev",
            "--group",
            "devs",
            "--with-default-roles",
        ])
        .arg(f.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "as group:devs: RoleBinding/dev/devs-view -> ClusterRole/view",
        ));
}
