//! The input account (issue #18): every document and list item a scan
//! reads, and every line of an audit log, is analysed, skipped with a
//! reason, or an error, and the summary's counts add up to what was read.
//! The inputs below are built so that each count is known by hand.

mod common;

use common::fixtures::HARMLESS_DEPLOYMENT;
use common::run::bulwark;
use serde_json::Value;

fn summary(args: &[&str], dir: &std::path::Path) -> (Option<i32>, Value) {
    let (code, out, err) = bulwark(args, dir);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v["summary"].clone())
}

fn tally(s: &Value) -> [u64; 4] {
    let d = &s["documents"];
    ["read", "analysed", "skipped", "failed"].map(|k| d[k].as_u64().expect(k))
}

#[test]
fn every_document_and_list_item_is_accounted_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("write");
    // 4 objects, 4 skipped, 1 failed; the empty document and the empty
    // List hold no unit.
    w(
        "mixed.yaml",
        HARMLESS_DEPLOYMENT.to_string()
            + "---
# only a comment
---
just a string
---
metadata: {name: nokind}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: in-list, namespace: app}}
- 3
- apiVersion: v1
  kind: List
  items:
  - {apiVersion: v1, kind: Pod, metadata: {name: nested, namespace: app}, spec: {containers: [{name: c, image: busybox:1.36}]}}
  - {metadata: {name: no-kind-either}}
---
apiVersion: v1
kind: List
items: []
---
key: [unclosed
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {selector: {app: web}, ports: [{port: 80}]}
",
    );
    // 1 object, from JSON.
    w(
        "one.json",
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j", "namespace": "app"}}"#
            .into(),
    );
    // 1 object, folded into the Deployment (its template, its owner).
    w(
        "pod.yaml",
        "apiVersion: v1
kind: Pod
metadata:
  name: web-abc
  namespace: app
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u-web, controller: true}]
spec:
  containers: [{name: web, image: nginx:1.27}]
"
        .into(),
    );
    // 150 skipped (100 listed, the rest one entry) and 105 failed (100
    // listed, then one "too many errors" entry).
    w(
        "scalars.yaml",
        (0..150).map(|i| format!("--- s{i}\n")).collect(),
    );
    w(
        "broken.yaml",
        (0..105).map(|_| "---\nkey: [unclosed\n").collect(),
    );
    let (code, s) = summary(
        &["scan", "--no-config", "--format", "json", "."],
        dir.path(),
    );
    assert_eq!(code, Some(2), "input errors make the exit code 2");
    let [read, analysed, skipped, failed] = tally(&s);
    assert_eq!(analysed, 4 + 1 + 1, "{s}");
    assert_eq!(skipped, 4 + 150, "{s}");
    assert_eq!(failed, 1 + 105, "{s}");
    assert_eq!(read, analysed + skipped + failed, "{s}");
    assert_eq!(s["folded"], 1, "{s}");
    assert_eq!(s["objects"], 5, "analysed objects less the folded one: {s}");
    assert_eq!(s["files"], 5, "{s}");
    let listed = s["skipped"].as_array().expect("skipped").len();
    assert_eq!(listed, 4 + 100 + 1, "listed entries, the rest counted: {s}");
    let errors = s["errors"].as_array().expect("errors");
    assert!(
        !errors.iter().any(|e| e["file"] == "<bulwark>"),
        "the account holds: {errors:?}"
    );
}

#[test]
fn every_audit_log_line_is_accounted_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ev = |id: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces","user":{{"username":"u"}},"objectRef":{{"resource":"namespaces"}},"responseStatus":{{"code":200}}}}"#
        )
    };
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{},{}]}}"#,
        ev("l1"),
        ev("l2")
    );
    // 2 event lines + 1 EventList line (2 events), 2 blank, 3 malformed.
    let text = format!(
        "{}\n\n{}\nnot json\n{{\"kind\":\"Event\"\n   \n{list}\n[1,2]\n",
        ev("a"),
        ev("b")
    );
    std::fs::write(dir.path().join("audit.jsonl"), text).expect("write");
    let (code, _, err) = bulwark(&["audit", "analyze", "audit.jsonl"], dir.path());
    assert_eq!(code, Some(2), "malformed lines make the exit code 2: {err}");
    assert!(
        err.contains("bulwark audit: 8 lines, 4 events, 0 excluded as noise, 3 malformed"),
        "{err}"
    );
    assert!(
        err.contains("  lines: 3 with events, 2 blank, 3 malformed\n"),
        "{err}"
    );
}
