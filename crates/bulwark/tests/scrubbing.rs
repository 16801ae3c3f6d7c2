//! Redaction happens where text leaves the process (`bulwark_core::scrub`),
//! not rule by rule: a Secret's values, planted where no rule quotes them —
//! as object names, a label, a subject, an audited pod — never reach the
//! output of any command, in any format, raw or base64.

mod common;

use std::path::Path;

/// A Secret's `stringData` value, reused as names everywhere.
const NAME: &str = "canary-name-7789x";
/// A Secret's `data` value (base64 in the manifest), reused as a label.
const DATA: &str = "CanaryData-7790";
/// An env value a rule redacts, reused as an annotation.
const ENV: &str = "EnvCanary-7791pw";

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn manifests() -> String {
    format!(
        "apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: shop}}
stringData: {{password: {NAME}}}
data: {{token: {data}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: {NAME}, namespace: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {NAME}
  namespace: shop
  labels: {{app: {DATA}}}
  annotations: {{note: {ENV}}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      serviceAccountName: {NAME}
      containers:
      - name: web
        image: nginx:latest
        securityContext: {{privileged: true}}
        env: [{{name: DB_PASSWORD, value: {ENV}}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: {NAME}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}
subjects: [{{kind: ServiceAccount, name: {NAME}, namespace: shop}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: cluster-admin}}
rules: [{{apiGroups: ['*'], resources: ['*'], verbs: ['*']}}]
",
        data = b64(DATA)
    )
}

/// A Secret created at `RequestResponse` level, then an exec into a pod
/// named like its value.
fn audit_events() -> String {
    let secret = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a-1",
        "level": "RequestResponse", "stage": "ResponseComplete", "verb": "create",
        "requestURI": "/api/v1/namespaces/shop/secrets",
        "user": {"username": "alice"}, "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl",
        "objectRef": {"resource": "secrets", "namespace": "shop", "name": "db", "apiVersion": "v1"},
        "requestObject": {"kind": "Secret", "apiVersion": "v1",
            "metadata": {"name": "db", "namespace": "shop"}, "stringData": {"password": NAME}},
        "responseStatus": {"code": 201}, "stageTimestamp": "2026-01-01T00:00:00Z"
    });
    let exec = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a-2",
        "stage": "ResponseStarted", "verb": "create",
        "requestURI": format!("/api/v1/namespaces/shop/pods/{NAME}/exec?command=sh"),
        "user": {"username": "alice"}, "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl",
        "objectRef": {"resource": "pods", "namespace": "shop", "name": NAME, "subresource": "exec"},
        "responseStatus": {"code": 101}, "stageTimestamp": "2026-01-01T00:00:01Z"
    });
    format!("{secret}\n{exec}\n")
}

fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let (code, stdout, stderr) = common::run::bulwark(args, dir);
    assert!(matches!(code, Some(0..=2)), "{args:?}: {code:?}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn secret_values_never_reach_any_command_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("all.yaml"), manifests()).expect("write");
    std::fs::write(dir.path().join("audit.jsonl"), audit_events()).expect("write");
    // (command, what its output must show: the planted objects were read
    // and printed, redacted)
    let commands: Vec<(Vec<&str>, &str)> = vec![
        (vec!["scan", "--no-config", "all.yaml"], "redacted"),
        (
            vec!["scan", "--no-config", "--format", "json", "all.yaml"],
            "redacted",
        ),
        (
            vec!["scan", "--no-config", "--format", "sarif", "all.yaml"],
            "redacted",
        ),
        (
            vec!["scan", "--no-config", "--format", "junit", "all.yaml"],
            "redacted",
        ),
        (
            vec!["scan", "--no-config", "--format", "html", "all.yaml"],
            "redacted",
        ),
        (vec!["pss", "check", "all.yaml"], "redacted"),
        (vec!["rbac", "subjects", "all.yaml"], "redacted"),
        (
            vec!["rbac", "who-can", "get", "secrets", "all.yaml"],
            "redacted",
        ),
        (vec!["rbac", "escalations", "all.yaml"], "redacted"),
        (vec!["netpol", "reach", "all.yaml"], "redacted"),
        (
            vec!["compliance", "--no-config", "--format", "json", "all.yaml"],
            "privileged",
        ),
        (vec!["audit", "analyze", "audit.jsonl"], "redacted"),
        (
            vec!["audit", "analyze", "--format", "table", "audit.jsonl"],
            "redacted",
        ),
        (
            vec!["audit", "analyze", "--format", "sarif", "audit.jsonl"],
            "redacted",
        ),
    ];
    let forbidden: Vec<String> = [NAME, DATA, ENV]
        .iter()
        .flat_map(|v| [v.to_string(), b64(v)])
        .collect();
    for (args, shows) in commands {
        let (out, err) = run(dir.path(), &args);
        assert!(
            out.contains(shows),
            "{args:?}: no {shows:?} in\n{out}\n{err}"
        );
        for f in &forbidden {
            assert!(!out.contains(f.as_str()), "{args:?}: {f} in stdout:\n{out}");
            assert!(!err.contains(f.as_str()), "{args:?}: {f} in stderr:\n{err}");
        }
    }
}

#[test]
fn output_files_are_scrubbed_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("all.yaml"), manifests()).expect("write");
    run(
        dir.path(),
        &[
            "scan",
            "--no-config",
            "--format",
            "json",
            "--output",
            "r.json",
            "all.yaml",
        ],
    );
    let report = std::fs::read_to_string(dir.path().join("r.json")).expect("report");
    let json: serde_json::Value = serde_json::from_str(&report).expect("valid JSON");
    let names: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["object"]["name"].as_str())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("(17 chars, redacted)")),
        "{names:?}"
    );
    assert!(!report.contains(NAME), "{report}");
}
