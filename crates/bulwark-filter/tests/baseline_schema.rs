//! `docs/baseline-schema.json` describes exactly what bulwark writes and reads.

use bulwark_filter::{BaselineEntry, BaselineFile};
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/baseline-schema.json"
    ))
    .expect("docs/baseline-schema.json");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema is valid")
}

#[test]
fn written_baselines_validate() {
    let entry = |ns: Option<&str>, file: Option<&str>| BaselineEntry {
        rule_id: "privileged-container".into(),
        kind: "DaemonSet".into(),
        namespace: ns.map(Into::into),
        name: "cni".into(),
        path: "spec.template.spec.containers[name=agent].securityContext.privileged".into(),
        subject: None,
        file: file.map(Into::into),
    };
    let file = BaselineFile::new(vec![
        entry(Some("kube-system"), Some("a.yaml")),
        entry(None, None),
        BaselineEntry {
            rule_id: "kubernetes-known-cve".into(),
            path: "spec.template.spec.containers[name=controller].image".into(),
            subject: Some("CVE-2024-7646".into()),
            ..entry(Some("ingress-nginx"), None)
        },
    ]);
    let v: Value = serde_json::from_str(&file.to_json()).unwrap();
    let errors: Vec<String> = validator().iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn schema_and_reader_reject_the_same_documents() {
    let v = validator();
    let base = json!({"rule_id": "r", "kind": "Pod", "name": "p", "path": "spec"});
    let mut extra = base.clone();
    extra["line"] = json!(3);
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("path");
    for doc in [
        json!({"bulwark_baseline": 1, "findings": [base.clone()]}),
        json!({"bulwark_baseline": 2, "findings": []}),
        json!({"bulwark_baseline": 1, "findings": [extra]}),
        json!({"bulwark_baseline": 1, "findings": [missing]}),
        json!({"bulwark_baseline": 1}),
        json!({"bulwark_baseline": 1, "findings": [], "x": 1}),
    ] {
        let by_schema = v.is_valid(&doc);
        let by_reader = BaselineFile::parse(&doc.to_string()).is_ok();
        assert_eq!(by_schema, by_reader, "{doc}");
    }
}
