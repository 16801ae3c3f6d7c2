//! A stand-in for kube-apiserver on 127.0.0.1, for tests only.
//!
//! There is no kube-apiserver binary on the machines this project is built
//! on, so tests talk to this server instead. It serves *recorded* objects
//! (manifests loaded with `bulwark-load` and turned into what the API server
//! would return: `stringData` folded into base64 `data`, uids, resource
//! versions, ReplicaSets, Jobs and Pods owned by their workloads) with the
//! real API's paths and shapes: `/version`, legacy discovery (`/api`,
//! `/api/v1`, `/apis`, `/apis/<group>[/<version>]`), lists with
//! `limit`/`continue`, `Table` and `PartialObjectMetadataList` responses
//! for the `Accept` headers kubectl and kube-rs send, bearer-token
//! authentication, a `Status` object for every error, 403 on resources a
//! test chooses, and `nodes/{name}/proxy/configz`. It speaks HTTPS (rustls)
//! with a test CA and server certificate minted by rcgen at start-up, and
//! writes a kubeconfig that both kube-rs and `kubectl` accept.

mod api;
mod record;
mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

pub use api::{RESOURCES, ServedResource};
pub use record::{record, record_dir};

/// Everything one test cluster serves.
#[derive(Clone, Debug, Default)]
pub struct ClusterData {
    /// Objects by `(group, plural)`, each with apiVersion and kind set.
    pub objects: BTreeMap<(String, String), Vec<Value>>,
    /// `gitVersion` of `/version` (`v1.33.1`).
    pub version: String,
    /// Kubelet configuration per node name, served at
    /// `/api/v1/nodes/{name}/proxy/configz`.
    pub configz: BTreeMap<String, Value>,
    /// `(group, plural)` pairs answered with 403 Forbidden.
    pub forbidden: BTreeSet<(String, String)>,
    /// Pods generated on the fly (for scale tests), after the recorded ones.
    pub synthetic_pods: Option<SyntheticPods>,
    /// Groups of custom resources installed (served by discovery and
    /// lists). Inserting an object of a custom resource installs its group.
    pub crd_groups: BTreeSet<String>,
    /// The next this-many requests that carry a continue token are answered
    /// 410 Gone, as when a list outlives the server's snapshot.
    pub expire_continue: Arc<AtomicUsize>,
    /// A misbehaving server's `continue` tokens ([`continue_fault`]): every
    /// list, however short, goes on to pages of nothing with a token that is
    /// always new ([`continue_fault::FRESH`]) or always the same
    /// ([`continue_fault::REPEAT`]).
    pub continue_fault: Arc<AtomicUsize>,
}

/// Values of [`ClusterData::continue_fault`].
pub mod continue_fault {
    pub const NONE: usize = 0;
    pub const FRESH: usize = 1;
    pub const REPEAT: usize = 2;
}

/// `namespaces × per_namespace` pods generated when listed, never stored:
/// pod `i` of namespace `ns-N` is a copy of `template` with its name,
/// namespace and uid filled in, and, when `owners_per_namespace > 0`,
/// controlled by ReplicaSet `app-K` (uid `rs-ns-N-K`, K = i mod owners):
/// see [`SyntheticPods::workloads`].
#[derive(Clone, Debug)]
pub struct SyntheticPods {
    pub namespaces: usize,
    pub per_namespace: usize,
    pub owners_per_namespace: usize,
    pub template: Value,
}

impl SyntheticPods {
    pub fn len(&self) -> usize {
        self.namespaces * self.per_namespace
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn namespace(i: usize) -> String {
        format!("ns-{i:04}")
    }

    /// The `i`th pod, in list order (namespace, then name).
    pub fn pod(&self, i: usize) -> Value {
        let ns = i / self.per_namespace.max(1);
        let n = i % self.per_namespace.max(1);
        let mut p = self.template.clone();
        p["metadata"]["name"] = json!(format!("pod-{n:05}"));
        p["metadata"]["namespace"] = json!(Self::namespace(ns));
        p["metadata"]["uid"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
        if self.owners_per_namespace > 0 {
            let k = n % self.owners_per_namespace;
            p["metadata"]["ownerReferences"] = json!([{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("app-{k}"),
                "uid": format!("rs-{}-{k}", Self::namespace(ns)),
                "controller": true, "blockOwnerDeletion": true,
            }]);
        }
        p
    }

    /// The Namespaces, Deployments and ReplicaSets the pods belong to.
    pub fn workloads(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for n in 0..self.namespaces {
            let ns = Self::namespace(n);
            out.push(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "uid": format!("ns-{ns}")}}));
            for k in 0..self.owners_per_namespace {
                let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": format!("app-{k}"), "namespace": ns,
                        "uid": format!("dep-{ns}-{k}")},
                    "spec": {"replicas": self.per_namespace / self.owners_per_namespace,
                        "selector": {"matchLabels": {"app": format!("app-{k}")}},
                        "template": {"metadata": {"labels": {"app": format!("app-{k}")}},
                            "spec": self.template["spec"].clone()}}});
                let mut rs = d.clone();
                rs["kind"] = json!("ReplicaSet");
                rs["metadata"]["uid"] = json!(format!("rs-{ns}-{k}"));
                rs["metadata"]["ownerReferences"] = json!([{
                    "apiVersion": "apps/v1", "kind": "Deployment", "name": format!("app-{k}"),
                    "uid": format!("dep-{ns}-{k}"), "controller": true}]);
                d["metadata"]["labels"] = json!({"app": format!("app-{k}")});
                out.push(d);
                out.push(rs);
            }
        }
        out
    }

    /// Pods of one namespace: the range of indexes.
    pub fn range_in(&self, ns: &str) -> std::ops::Range<usize> {
        match ns
            .strip_prefix("ns-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < self.namespaces)
        {
            Some(n) => n * self.per_namespace..(n + 1) * self.per_namespace,
            None => 0..0,
        }
    }
}

impl ClusterData {
    /// Forbids listing and getting `plural` of `group` (`""` for core).
    pub fn forbid(&mut self, group: &str, plural: &str) {
        self.forbidden
            .insert((group.to_string(), plural.to_string()));
    }

    /// Adds many objects at once (sorted once, not per object).
    pub fn extend(&mut self, objs: impl IntoIterator<Item = Value>) -> Result<(), String> {
        for obj in objs {
            let r = served_as(&obj)?;
            if r.crd {
                self.crd_groups.insert(r.group.to_string());
            }
            self.objects
                .entry((r.group.to_string(), r.plural.to_string()))
                .or_default()
                .push(obj);
        }
        for list in self.objects.values_mut() {
            list.sort_by_cached_key(object_key);
            list.dedup_by(|a, b| object_key(a) == object_key(b));
        }
        Ok(())
    }

    /// The recorded objects of one resource.
    pub fn of(&self, group: &str, plural: &str) -> &[Value] {
        self.objects
            .get(&(group.to_string(), plural.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Adds (or replaces) an object; identity is read from it.
    pub fn insert(&mut self, obj: Value) -> Result<(), String> {
        let r = served_as(&obj)?;
        if r.crd {
            self.crd_groups.insert(r.group.to_string());
        }
        let list = self
            .objects
            .entry((r.group.to_string(), r.plural.to_string()))
            .or_default();
        let k = object_key(&obj);
        list.retain(|o| object_key(o) != k);
        list.push(obj);
        list.sort_by_cached_key(object_key);
        Ok(())
    }
}

/// The resource type an object is served as.
fn served_as(obj: &Value) -> Result<&'static ServedResource, String> {
    let av = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    RESOURCES
        .iter()
        .find(|r| r.api_version() == av && r.kind == kind)
        .ok_or_else(|| format!("{av} {kind} is not served by a 1.33 API server"))
}

/// List order of the real server: namespace, then name.
fn object_key(o: &Value) -> (Option<String>, Option<String>) {
    (
        o["metadata"]["namespace"].as_str().map(str::to_string),
        o["metadata"]["name"].as_str().map(str::to_string),
    )
}

/// A running test API server. Stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    /// PEM of the test CA that signed the server certificate.
    pub ca_pem: String,
    /// The bearer token the server accepts.
    pub token: String,
    state: Arc<RwLock<Arc<api::State>>>,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts serving `data` on a free port of 127.0.0.1, in a thread of
    /// its own (so sync tests and child processes can use it alike).
    pub fn start(data: ClusterData) -> std::io::Result<TestServer> {
        let certs = tls::mint().map_err(std::io::Error::other)?;
        let token = format!("bulwark-test-token-{}", std::process::id());
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let state = Arc::new(RwLock::new(Arc::new(api::State {
            data,
            token: token.clone(),
            addr,
        })));
        let shared = state.clone();
        let (tx, rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let h = handle.clone();
        let cert = certs.server_pem.clone().into_bytes();
        let key = certs.server_key_pem.clone().into_bytes();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                let config = match axum_server::tls_rustls::RustlsConfig::from_pem(cert, key).await
                {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let server = match axum_server::tls_rustls::from_tcp_rustls(listener, config) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let _ = tx.send(Ok(()));
                let app = api::router(state);
                let _ = server.handle(h).serve(app.into_make_service()).await;
            });
        });
        rx.recv().map_err(std::io::Error::other)??;
        Ok(TestServer {
            addr,
            ca_pem: certs.ca_pem,
            token,
            state: shared,
            handle,
            thread: Some(thread),
        })
    }

    /// Changes what the cluster serves from the next request on (a
    /// namespace relabelled, an object deleted), as the real cluster
    /// changes under a long-running client.
    pub fn update(&self, f: impl FnOnce(&mut ClusterData)) {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        let mut data = guard.data.clone();
        f(&mut data);
        *guard = Arc::new(api::State {
            data,
            token: guard.token.clone(),
            addr: guard.addr,
        });
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A kubeconfig context for this server, to pass to [`write_kubeconfig`].
    pub fn context(&self, name: &str) -> KubeContext {
        KubeContext {
            name: name.to_string(),
            server: self.url(),
            ca_pem: Some(self.ca_pem.clone()),
            token: self.token.clone(),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One context of a generated kubeconfig.
#[derive(Clone, Debug)]
pub struct KubeContext {
    pub name: String,
    pub server: String,
    pub ca_pem: Option<String>,
    pub token: String,
}

/// Writes a kubeconfig (JSON, which kubectl and kube-rs read as YAML) with
/// one cluster, user and context per entry; the first is current.
pub fn write_kubeconfig(path: &Path, contexts: &[KubeContext]) -> std::io::Result<()> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let clusters: Vec<Value> = contexts
        .iter()
        .map(|c| {
            let mut cluster = json!({ "server": c.server });
            if let Some(ca) = &c.ca_pem {
                cluster["certificate-authority-data"] = json!(b64(ca));
            }
            json!({ "name": c.name, "cluster": cluster })
        })
        .collect();
    let users: Vec<Value> = contexts
        .iter()
        .map(|c| json!({ "name": format!("{}-user", c.name), "user": { "token": c.token } }))
        .collect();
    let ctxs: Vec<Value> = contexts
        .iter()
        .map(|c| {
            json!({ "name": c.name, "context": {
                "cluster": c.name, "user": format!("{}-user", c.name) } })
        })
        .collect();
    let cfg = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": users,
        "contexts": ctxs,
        "current-context": contexts.first().map(|c| c.name.clone()).unwrap_or_default(),
    });
    let text = serde_json::to_string_pretty(&cfg).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}
