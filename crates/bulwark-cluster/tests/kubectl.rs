//! Proof that the test API server speaks the real API: the machine's
//! `kubectl` (client-go, not our client) reads every served resource type
//! through discovery, paginated lists, tables and raw paths.

mod common;

use std::process::Command;

use bulwark_cluster::testserver::RESOURCES;
use serde_json::Value;

fn kubectl() -> Option<&'static str> {
    let found = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: kubectl not found on PATH");
        return None;
    }
    Some("kubectl")
}

struct Kubectl<'a> {
    fx: &'a common::Fixture,
}

impl Kubectl<'_> {
    fn run(&self, args: &[&str]) -> std::process::Output {
        let cache = self.fx.dir.path().join("kube-cache");
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.fx.kubeconfig)
            .arg("--cache-dir")
            .arg(&cache)
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .expect("kubectl runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "kubectl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

#[test]
fn kubectl_gets_every_served_resource() {
    if kubectl().is_none() {
        return;
    }
    let mut data = common::recorded("insecure", "v1.33.1");
    data.insert(common::peer_authentication())
        .expect("CRD served");
    let expected: Vec<(String, usize)> = RESOURCES
        .iter()
        .map(|r| (r.kubectl_name(), data.of(r.group, r.plural).len()))
        .collect();
    let fx = common::start(vec![("insecure", data)]);
    let k = Kubectl { fx: &fx };

    let v: Value = serde_json::from_str(&k.ok(&["version", "-o", "json"])).expect("json");
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.33.1");
    let api_resources = k.ok(&["api-resources", "-o", "name"]);

    for (name, n) in &expected {
        assert!(
            api_resources.lines().any(|l| l == name),
            "{name} missing from kubectl api-resources:\n{api_resources}"
        );
        // --chunk-size=2: kubectl pages through limit/continue.
        let out = k.ok(&["get", name, "-A", "-o", "json", "--chunk-size=2"]);
        let list: Value = serde_json::from_str(&out).expect("kubectl prints JSON");
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), *n, "{name}: kubectl saw a different count");
        for it in items {
            assert!(it["kind"].is_string() && it["metadata"]["name"].is_string());
        }
        // Human output goes through server-side tables.
        let table = k.ok(&["get", name, "-A"]);
        if *n > 0 {
            assert!(
                table.starts_with("NAMESPACE") || table.starts_with("NAME"),
                "{table}"
            );
        }
    }
    // Real (server-side) pagination: 2 pages for 3 pods at most.
    let pods = k.ok(&["get", "pods", "-n", "shop", "-o", "name", "--chunk-size=1"]);
    assert!(pods.lines().count() >= 3, "{pods}");
    // Owned pods point at their owners.
    let pod: Value =
        serde_json::from_str(&k.ok(&["get", "pods", "-n", "shop", "-o", "json"])).expect("json");
    assert!(
        pod["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["metadata"]["ownerReferences"][0]["controller"] == true)
    );
    let configz = k.ok(&["get", "--raw", "/api/v1/nodes/node-1/proxy/configz"]);
    let configz: Value = serde_json::from_str(&configz).expect("json");
    assert_eq!(configz["kubeletconfig"]["authorization"]["mode"], "Webhook");
}

#[test]
fn kubectl_sees_forbidden_and_missing_like_a_real_server() {
    if kubectl().is_none() {
        return;
    }
    let mut data = common::recorded("hardened", "v1.33.1");
    data.forbid("rbac.authorization.k8s.io", "rolebindings");
    let fx = common::start(vec![("hardened", data)]);
    let k = Kubectl { fx: &fx };
    let o = k.run(&["get", "rolebindings", "-A"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Error from server (Forbidden)")
            && err.contains("cannot list resource \"rolebindings\""),
        "{err}"
    );
    let o = k.run(&["get", "namespace", "nope"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Error from server (NotFound)") && err.contains("\"nope\" not found"),
        "{err}"
    );
}
