//! Test clusters recorded from the repository's examples, served over HTTPS
//! on 127.0.0.1, with a kubeconfig in a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use bulwark_cluster::testserver::{ClusterData, TestServer, record_dir, write_kubeconfig};

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// A value planted in a served Secret: it must never appear in any output.
pub const PLANTED: &str = "PLANTED-s3cret-value-7f3a9c";

/// The cluster recorded from `examples/<name>`, plus a planted Secret.
pub fn recorded(name: &str, version: &str) -> ClusterData {
    let (mut data, notes) = record_dir(&example(name), version).expect("examples load");
    for n in &notes {
        eprintln!("recording {name}: {n}");
    }
    data.insert(serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "planted", "namespace": "shop", "uid": "planted-uid",
            "resourceVersion": "4242", "creationTimestamp": "2025-06-01T10:00:00Z",
            "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                "apiVersion": "v1", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {".": {}, "f:token": {}}}}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                format!("{{\"stringData\":{{\"token\":\"{PLANTED}\"}}}}")}},
        "data": {"token": base64(PLANTED)},
    }))
    .expect("Secret is served");
    data
}

pub fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

pub struct Fixture {
    pub servers: Vec<TestServer>,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

/// Starts one server per `(context, data)` and writes their kubeconfig.
pub fn start(clusters: Vec<(&str, ClusterData)>) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut servers = Vec::new();
    let mut contexts = Vec::new();
    for (name, data) in clusters {
        let s = TestServer::start(data).expect("test server starts");
        contexts.push(s.context(name));
        servers.push(s);
    }
    let kubeconfig = dir.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &contexts).expect("kubeconfig written");
    Fixture {
        servers,
        dir,
        kubeconfig,
    }
}

/// An Istio PeerAuthentication that turns mTLS off (a custom resource:
/// inserting it installs its group on the test server).
pub fn peer_authentication() -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": "shop", "uid": "pa-uid",
            "resourceVersion": "4242", "creationTimestamp": "2025-06-01T10:00:00Z"},
        "spec": {"mtls": {"mode": "DISABLE"}},
    })
}
