//! `kubectl get -A -o json` output scans like the live cluster it came from:
//! pods owned by a workload are reported once, on the workload.

use std::process::Command;

use serde_json::json;

fn pod_spec() -> serde_json::Value {
    json!({"containers": [{"name": "app", "image": "app:1.0",
        "securityContext": {"privileged": true}}]})
}

#[test]
fn owned_pods_are_reported_on_their_workload_once() {
    let owner = |kind: &str, name: &str| {
        json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": format!("uid-{name}"),
                "controller": true}])
    };
    let mut items = vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "uid": "uid-web"},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec()}}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": "web-5d4f", "namespace": "shop", "uid": "uid-web-5d4f",
                            "ownerReferences": owner("Deployment", "web")},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec()}}}),
    ];
    for i in 0..3 {
        items.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-5d4f-{i}"), "namespace": "shop",
                         "ownerReferences": owner("ReplicaSet", "web-5d4f")},
            "spec": pod_spec()}));
    }
    // A pod nobody owns is still scanned on its own.
    items.push(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "debug", "namespace": "shop"}, "spec": pod_spec()}));
    let dump = json!({"apiVersion": "v1", "kind": "List", "items": items});
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("dump.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&dump).expect("json")).expect("write");

    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "--format", "json", "--rule", "privileged-container"])
        .arg(&file)
        .output()
        .expect("run bulwark");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let mut on: Vec<String> = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}/{}",
                f["object"]["kind"].as_str().unwrap_or(""),
                f["object"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    on.sort();
    assert_eq!(on, ["Deployment/web", "Pod/debug"]);
}
