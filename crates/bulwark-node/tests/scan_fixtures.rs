//! `scan` fixtures under `tests/fixtures/scan/`. Header lines say what a
//! file must produce: `# clean` (no finding at all), `# fires: ID...` (these
//! rules at least once, and no other), `# fires-among: ID...` (others may fire too), `# expect-line: ID N`, `# expect-count: N`
//! (findings in total). Every rule must fire in some fixture, and every
//! family of rules must have a clean fixture.

use std::collections::BTreeSet;
use std::path::Path;

use bulwark_core::{Analyzer, Finding, Inventory};
use bulwark_load::{LoadOptions, load_file};
use bulwark_node::NodeConfigAnalyzer;

fn findings(path: &Path) -> Vec<Finding> {
    let loaded = load_file(path, &LoadOptions::default());
    assert!(
        loaded.summary.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        loaded.summary.errors
    );
    let inv = Inventory::new(loaded.resources);
    let mut out = Vec::new();
    NodeConfigAnalyzer.analyze(&inv, &mut out);
    out
}

fn family(rule: &str) -> &str {
    for f in [
        "apiserver",
        "controller-manager",
        "scheduler",
        "etcd",
        "kubelet",
        "encryption",
        "audit-policy",
        "kubeconfig",
    ] {
        if rule.starts_with(f) {
            return f;
        }
    }
    "?"
}

#[test]
fn fixtures_fire_and_pass_as_their_headers_say() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut problems = Vec::new();
    let mut fired = BTreeSet::new();
    let mut clean_families = BTreeSet::new();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read");
        let found = findings(&path);
        let ids: BTreeSet<&str> = found.iter().map(|f| f.rule_id.as_ref()).collect();
        let show = || {
            found
                .iter()
                .map(|f| {
                    format!(
                        "{}@{:?}: {}",
                        f.rule_id,
                        f.location.as_ref().and_then(|l| l.line),
                        f.message
                    )
                })
                .collect::<Vec<_>>()
        };
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            if line.trim() == "# clean" {
                if !found.is_empty() {
                    problems.push(format!("{name}: expected no findings, got {:#?}", show()));
                }
                clean_families.insert(family(&name).to_string());
            } else if let Some(rest) = line.strip_prefix("# fires-among:") {
                // These must fire; others may too.
                for id in rest.split_whitespace() {
                    if ids.contains(id) {
                        fired.insert(id.to_string());
                    } else {
                        problems.push(format!("{name}: {id} did not fire; got {:#?}", show()));
                    }
                }
            } else if let Some(rest) = line.strip_prefix("# fires:") {
                for id in rest.split_whitespace() {
                    if ids.contains(id) {
                        fired.insert(id.to_string());
                    } else {
                        problems.push(format!("{name}: {id} did not fire; got {:#?}", show()));
                    }
                }
                for id in &ids {
                    if !rest.split_whitespace().any(|x| x == *id) {
                        problems.push(format!("{name}: {id} fired but is not listed"));
                    }
                }
            } else if let Some(rest) = line.strip_prefix("# expect-line:") {
                let mut it = rest.split_whitespace();
                let (id, n) = (it.next().unwrap_or(""), it.next().unwrap_or("0"));
                let n: u32 = n.parse().expect("line number");
                if !found
                    .iter()
                    .any(|f| f.rule_id == id && f.location.as_ref().and_then(|l| l.line) == Some(n))
                {
                    problems.push(format!("{name}: {id} not at line {n}: {:#?}", show()));
                }
            } else if let Some(rest) = line.strip_prefix("# expect-count:") {
                let n: usize = rest.trim().parse().expect("count");
                if found.len() != n {
                    problems.push(format!(
                        "{name}: {} findings, expected {n}: {:#?}",
                        found.len(),
                        show()
                    ));
                }
            }
        }
    }
    for meta in NodeConfigAnalyzer.rules() {
        if !fired.contains(meta.id) {
            problems.push(format!("{}: no fixture fires it", meta.id));
        }
        if !clean_families.contains(family(meta.id)) {
            problems.push(format!(
                "{}: no clean fixture for family {}",
                meta.id,
                family(meta.id)
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn secrets_in_config_files_are_redacted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan");
    let all: Vec<Finding> = [
        "kubeconfig-insecure.yaml",
        "encryption-identity-first.yaml",
        "encryption-aescbc.yaml",
    ]
    .iter()
    .flat_map(|f| findings(&dir.join(f)))
    .collect();
    let text = serde_json::to_string(&all).expect("json");
    for secret in [
        "hunter2-but-longer",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IkVYQU1QTEUifQ",
        "c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ",
        "dGhpcyBpcyBhIHRlc3Qga2V5IGZvciBidWx3YXJr",
        "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND",
    ] {
        assert!(!text.contains(secret), "secret {secret} leaked: {text}");
    }
    assert!(text.contains("redacted"));
}

#[test]
fn every_rule_maps_to_a_cis_1_12_id_or_says_why_not() {
    // Kubeconfig rules and two kubelet settings have no CIS 1.12 check;
    // the API server flags of releases before v1.24 are checked by CIS 1.5
    // and 1.6 only (named in each rule's description).
    let unmapped_ok = [
        "kubelet-webhook-authn-disabled",
        "kubelet-protect-kernel-defaults",
        "apiserver-insecure-port",
        "apiserver-insecure-bind-address",
        "apiserver-secure-port-disabled",
        "apiserver-kubelet-https-disabled",
    ];
    for meta in NodeConfigAnalyzer.rules() {
        if meta.id.starts_with("kubeconfig-") || unmapped_ok.contains(&meta.id) {
            continue;
        }
        assert!(!meta.mappings.cis.is_empty(), "{} has no CIS id", meta.id);
    }
}

#[test]
fn malformed_config_objects_do_not_panic() {
    use bulwark_core::{Origin, Resource};
    use serde_json::json;
    let weird = [
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"command": [1, null, {"a": 1}, "kube-apiserver", "--", "--x"]}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": "registry.k8s.io/etcd:3.5", "args": "--a=b", "env": [null, {"name": "ETCD_"}, {"name": 5, "value": []}]}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"command": ["sh -c \"kube-scheduler --profiling=true --bind-address\""]}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": "x"}}),
        json!({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "authentication": "x", "readOnlyPort": "abc", "tlsCipherSuites": "A,B", "featureGates": [1], "eventRecordQPS": 1.5}),
        json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration", "resources": [{"resources": "secrets"}, 5, {"resources": ["secrets"], "providers": [5, {}]}]}),
        json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration", "resources": {"a": 1}}),
        json!({"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "rules": [5, {"level": 3, "resources": [{"group": 1, "resources": [null]}], "users": "x"}], "omitStages": "RequestReceived"}),
        json!({"apiVersion": "v1", "kind": "Config", "clusters": [5, {"cluster": "x"}, {"name": 1, "cluster": {"server": 8}}], "users": [null, {"user": null}, {"user": {"token": 5, "password": ""}}]}),
    ];
    for v in weird {
        let r = Resource::new(v.clone(), Origin::default(), None);
        let mut out = Vec::new();
        bulwark_node::analyzer::analyze_resource(&r, &mut out);
        for f in &out {
            assert!(!f.message.is_empty(), "{v}");
        }
    }
}
