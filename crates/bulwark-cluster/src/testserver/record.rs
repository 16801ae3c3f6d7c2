//! Manifests to what the API server would hold after applying them: server
//! fields filled in, `stringData` folded into `data`, and the objects the
//! controllers would create (ReplicaSets, Jobs, Pods owned by their
//! workloads, through `ownerReferences`).

use std::path::Path;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::ClusterData;

const CREATED: &str = "2025-06-01T10:00:00Z";

/// Records every manifest below `dir` (loaded with `bulwark-load`) into a
/// test cluster of Kubernetes `version` with one node. Returns the cluster
/// and a note per object a 1.33 server would not serve (a
/// PodSecurityPolicy, removed in 1.25).
pub fn record_dir(dir: &Path, version: &str) -> Result<(ClusterData, Vec<String>), String> {
    let loaded = bulwark_load::load_paths(&[dir.to_path_buf()], &Default::default());
    if let Some(e) = loaded.summary.errors.first() {
        return Err(e.to_string());
    }
    let values: Vec<Value> = loaded.resources.into_iter().map(|r| r.value).collect();
    Ok(record(values, version))
}

/// Records objects (as applied by a user) into a test cluster.
pub fn record(objects: Vec<Value>, version: &str) -> (ClusterData, Vec<String>) {
    let mut data = ClusterData {
        version: version.to_string(),
        ..Default::default()
    };
    let mut notes = Vec::new();
    let node = node("node-1", version);
    let mut namespaces = vec!["default".to_string(), "kube-system".to_string()];
    let mut all = Vec::new();
    for mut o in objects {
        applied(&mut o);
        if let Some(ns) = o["metadata"]["namespace"].as_str()
            && !namespaces.iter().any(|n| n == ns)
        {
            namespaces.push(ns.to_string());
        }
        all.extend(controlled(&o));
        all.push(o);
    }
    for ns in &namespaces {
        all.push(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
        }));
        all.push(json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": ns},
        }));
    }
    all.push(node);
    for mut o in all {
        fill_server_fields(&mut o);
        let is_ns = o["kind"] == "Namespace";
        let exists = is_ns
            && data
                .of("", "namespaces")
                .iter()
                .any(|n| n["metadata"]["name"] == o["metadata"]["name"]);
        if exists {
            continue; // the manifest's own Namespace wins over the default one
        }
        if let Err(e) = data.insert(o) {
            notes.push(e);
        }
    }
    data.configz.insert("node-1".into(), kubelet_config());
    (data, notes)
}

/// What the API server does to an object on create: defaults the
/// namespace, folds `stringData` into base64 `data`.
fn applied(o: &mut Value) {
    let kind = o["kind"].as_str().unwrap_or_default().to_string();
    let cluster_scoped = matches!(
        kind.as_str(),
        "Namespace"
            | "Node"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PodSecurityPolicy"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
    );
    if !cluster_scoped && o["metadata"]["namespace"].is_null() {
        o["metadata"]["namespace"] = json!("default");
    }
    if kind == "Secret"
        && let Some(m) = o.as_object_mut()
        && let Some(Value::Object(sd)) = m.remove("stringData")
    {
        let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
        if let Some(d) = data.as_object_mut() {
            for (k, v) in sd {
                let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                d.insert(
                    k,
                    json!(base64::engine::general_purpose::STANDARD.encode(s)),
                );
            }
        }
    }
}

fn fill_server_fields(o: &mut Value) {
    let id = format!(
        "{}/{}/{}",
        o["kind"].as_str().unwrap_or_default(),
        o["metadata"]["namespace"].as_str().unwrap_or_default(),
        o["metadata"]["name"].as_str().unwrap_or_default()
    );
    let m = &mut o["metadata"];
    if m["uid"].is_null() {
        m["uid"] = json!(uid(&id));
    }
    m["resourceVersion"] = json!("4242");
    m["creationTimestamp"] = json!(CREATED);
}

/// A deterministic uid per identity (the same recording, the same uids).
pub fn uid(id: &str) -> String {
    let h = fnv(id);
    let h2 = fnv(&format!("{id}#"));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        h2 >> 52,
        h2 & 0xffff_ffff_ffff
    )
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn owner_ref(owner: &Value) -> Value {
    let id = format!(
        "{}/{}/{}",
        owner["kind"].as_str().unwrap_or_default(),
        owner["metadata"]["namespace"].as_str().unwrap_or_default(),
        owner["metadata"]["name"].as_str().unwrap_or_default()
    );
    json!([{
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"].as_str().map_or_else(|| uid(&id), str::to_string),
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

/// The objects controllers create for a workload, the way they name them.
fn controlled(o: &Value) -> Vec<Value> {
    let ns = o["metadata"]["namespace"].clone();
    let name = o["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let replicas = |spec: &Value| spec["replicas"].as_u64().unwrap_or(1) as usize;
    let hash = format!("{:010x}", fnv(&name) & 0xff_ffff_ffff);
    match o["kind"].as_str().unwrap_or_default() {
        "Deployment" => {
            let rs_name = format!("{name}-{hash}");
            let mut template = o["spec"]["template"].clone();
            template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": rs_name, "namespace": ns,
                    "labels": template["metadata"]["labels"], "ownerReferences": owner_ref(o)},
                "spec": {"replicas": replicas(&o["spec"]), "selector": o["spec"]["selector"],
                    "template": template},
            });
            fill_server_fields(&mut rs);
            let mut out = pods(&rs, &template, replicas(&o["spec"]), |i| {
                format!(
                    "{rs_name}-{}",
                    &format!("{:05x}", fnv(&format!("{rs_name}{i}")))[..5]
                )
            });
            out.push(rs);
            out
        }
        "StatefulSet" => pods(o, &o["spec"]["template"], replicas(&o["spec"]), |i| {
            format!("{name}-{i}")
        }),
        "DaemonSet" => pods(o, &o["spec"]["template"], 1, |_| {
            format!("{name}-{}", &hash[..5])
        }),
        "Job" => pods(o, &o["spec"]["template"], 1, |_| {
            format!("{name}-{}", &hash[..5])
        }),
        "CronJob" => {
            let job_name = format!("{name}-29000000");
            let jt = &o["spec"]["jobTemplate"];
            let mut job = json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": job_name, "namespace": ns,
                    "labels": jt["metadata"]["labels"], "ownerReferences": owner_ref(o)},
                "spec": jt["spec"],
            });
            if job["metadata"]["labels"].is_null() {
                job["metadata"].as_object_mut().map(|m| m.remove("labels"));
            }
            fill_server_fields(&mut job);
            let mut out = controlled(&job);
            out.push(job);
            out
        }
        _ => Vec::new(),
    }
}

fn pods(owner: &Value, template: &Value, n: usize, name: impl Fn(usize) -> String) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut spec = template["spec"].clone();
            spec["nodeName"] = json!("node-1");
            if spec["serviceAccountName"].is_null() {
                spec["serviceAccountName"] = json!("default");
            }
            let mut meta = json!({
                "name": name(i),
                "namespace": owner["metadata"]["namespace"],
                "ownerReferences": owner_ref(owner),
            });
            if let Some(l) = template["metadata"]["labels"].as_object() {
                meta["labels"] = json!(l);
            }
            if let Some(a) = template["metadata"]["annotations"].as_object() {
                meta["annotations"] = json!(a);
            }
            json!({
                "apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
                "status": {"phase": "Running", "podIP": format!("10.244.0.{}", 10 + i)},
            })
        })
        .collect()
}

fn node(name: &str, version: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64"}},
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.0.11"},
                          {"type": "Hostname", "address": name}],
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {"kubeletVersion": version, "containerRuntimeVersion": "containerd://1.7.27",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.1.0-35-amd64",
                "operatingSystem": "linux", "architecture": "amd64"},
        },
    })
}

/// A kubelet configuration as `configz` returns it (defaults of kubeadm).
pub fn kubelet_config() -> Value {
    json!({
        "enableServer": true,
        "staticPodPath": "/etc/kubernetes/manifests",
        "readOnlyPort": 0,
        "port": 10250,
        "authentication": {
            "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"},
            "webhook": {"enabled": true, "cacheTTL": "2m0s"},
            "anonymous": {"enabled": false},
        },
        "authorization": {"mode": "Webhook",
            "webhook": {"cacheAuthorizedTTL": "5m0s", "cacheUnauthorizedTTL": "30s"}},
        "protectKernelDefaults": false,
        "makeIPTablesUtilChains": true,
        "eventRecordQPS": 50,
        "rotateCertificates": true,
        "serverTLSBootstrap": false,
        "cgroupDriver": "systemd",
    })
}
