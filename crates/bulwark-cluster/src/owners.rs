//! Pods (and the ReplicaSets and Jobs between them and their workload) are
//! reported once, on the workload a user wrote: `ownerReferences` are
//! followed up to the top controller, the owned objects are counted there
//! and not analysed again.
//!
//! Folding never hides anything: an object folds into its controller only
//! when that controller is in the same namespace and the object's pod
//! template (a pod's own spec) is the controller's, up to the fields the API
//! server and admission fill in on every pod ([`pod_shape`]). A pod started
//! with another spec, an ephemeral debug container added live, or an
//! `ownerReferences` uid copied from a harmless workload is analysed on its
//! own.

use std::collections::{BTreeMap, HashMap};

use bulwark_core::{ObjectRef, Resource};
use serde_json::Value;

/// Annotation set on a workload with the number of its pods that were seen.
pub const POD_COUNT: &str = "bulwark.dev/pod-count";

/// Kinds whose pods come from their pod template: the findings on the
/// template are the findings on the pods. (Not `Node`: a mirror pod of a
/// static pod has its node as owner, and is analysed itself.)
const TEMPLATED: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// The uid of an object's managing controller (`controller: true`).
pub fn controller_uid(v: &Value) -> Option<&str> {
    v.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))?
        .get("uid")?
        .as_str()
}

fn uid_of(v: &Value) -> Option<&str> {
    v.pointer("/metadata/uid")?.as_str()
}

struct Owner {
    id: ObjectRef,
    controller: Option<String>,
    /// The pod template every object it controls must have, as [`pod_shape`].
    template: Value,
}

/// Pod spec fields that the scheduler, the API server's defaulting and the
/// standard admission plugins set on a pod and that no check reads: they
/// differ between a pod and its template without the pod being different.
const ASSIGNED: &[&str] = &[
    "nodeName",
    "schedulerName",
    "tolerations",
    "priority",
    "preemptionPolicy",
    "serviceAccount",
    "hostname",
    "subdomain",
    "dnsPolicy",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "enableServiceLinks",
];

/// Container fields defaulted per container, read by no check.
const CONTAINER_DEFAULTED: &[&str] = &["terminationMessagePath", "terminationMessagePolicy"];

/// Whether a volume is the service account token volume the ServiceAccount
/// admission plugin adds (`kube-api-access-*`, projected, nothing else).
fn is_token_volume(v: &Value) -> bool {
    v.get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.starts_with("kube-api-access-"))
        && v.as_object().is_some_and(|o| {
            o.len() == 2
                && o.get("projected")
                    .and_then(|p| p.get("sources"))
                    .and_then(Value::as_array)
                    .is_some_and(|s| {
                        s.iter().all(|src| {
                            src.get("serviceAccountToken").is_some()
                                || src.get("configMap").and_then(|c| c.get("name"))
                                    == Some(&Value::String("kube-root-ca.crt".into()))
                                || src.get("downwardAPI").is_some()
                        })
                    })
        })
}

/// The part of a pod (template) that decides its findings: the spec less
/// the fields in [`ASSIGNED`], the service account token volume and its
/// mounts, and the annotations that security checks read (seccomp and
/// AppArmor). Two objects with the same shape get the same findings.
pub fn pod_shape(meta: Option<&Value>, spec: Option<&Value>) -> Value {
    let mut spec = spec.cloned().unwrap_or(Value::Null);
    let mut token_volumes = Vec::new();
    if let Some(o) = spec.as_object_mut() {
        for k in ASSIGNED {
            o.remove(*k);
        }
        if o.get("serviceAccountName").and_then(Value::as_str) == Some("default") {
            o.remove("serviceAccountName");
        }
        if o.get("securityContext")
            .is_some_and(|v| v == &serde_json::json!({}))
        {
            o.remove("securityContext");
        }
        if let Some(vols) = o.get_mut("volumes").and_then(Value::as_array_mut) {
            vols.retain(|v| {
                let token = is_token_volume(v);
                if token && let Some(n) = v.get("name").and_then(Value::as_str) {
                    token_volumes.push(n.to_string());
                }
                !token
            });
            if vols.is_empty() {
                o.remove("volumes");
            }
        }
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for c in o
                .get_mut(list)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let Some(c) = c.as_object_mut() else { continue };
                for k in CONTAINER_DEFAULTED {
                    c.remove(*k);
                }
                if let Some(m) = c.get_mut("volumeMounts").and_then(Value::as_array_mut) {
                    m.retain(|m| {
                        !m.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| token_volumes.iter().any(|t| t == n))
                    });
                    if m.is_empty() {
                        c.remove("volumeMounts");
                    }
                }
            }
        }
    }
    let annotations: serde_json::Map<String, Value> = meta
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.contains("seccomp") || k.contains("apparmor"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_json::json!({"annotations": annotations, "spec": spec})
}

/// The pod template of a templated workload (`jobTemplate`'s for a CronJob).
fn template_of(v: &Value) -> Option<&Value> {
    v.pointer("/spec/template")
        .or_else(|| v.pointer("/spec/jobTemplate/spec/template"))
}

/// The shape an object shows its controller: a pod its own, a workload its
/// template's.
fn shape_of(v: &Value) -> Value {
    if v.get("kind").and_then(Value::as_str) == Some("Pod") {
        pod_shape(v.get("metadata"), v.get("spec"))
    } else {
        let t = template_of(v);
        pod_shape(
            t.and_then(|t| t.get("metadata")),
            t.and_then(|t| t.get("spec")),
        )
    }
}

/// Every templated workload of a cluster, by uid.
#[derive(Default)]
pub struct Owners {
    by_uid: HashMap<String, Owner>,
}

impl Owners {
    /// Indexes the workloads among `resources`.
    pub fn new(resources: &[Resource]) -> Self {
        let mut by_uid = HashMap::new();
        for r in resources.iter().filter(|r| TEMPLATED.contains(&r.kind())) {
            if let Some(uid) = uid_of(&r.value) {
                by_uid.insert(
                    uid.to_string(),
                    Owner {
                        id: r.id.clone(),
                        controller: controller_uid(&r.value).map(str::to_string),
                        template: shape_of(&r.value),
                    },
                );
            }
        }
        Owners { by_uid }
    }

    /// The top workload `v` folds into: its controller, when that is a
    /// known workload of the same namespace whose template `v` has, and up
    /// the chain while each controller's template is the same. `None` when
    /// `v` must be analysed on its own.
    pub fn top_of(&self, v: &Value) -> Option<&ObjectRef> {
        let ns = v.pointer("/metadata/namespace").and_then(Value::as_str);
        let mut cur = self.by_uid.get(controller_uid(v)?)?;
        if cur.id.namespace.as_deref() != ns {
            return None;
        }
        let shape = shape_of(v);
        if cur.template != shape {
            return None;
        }
        // Bounded: a cycle of owner references must not hang the scan.
        for _ in 0..16 {
            match cur.controller.as_deref().and_then(|u| self.by_uid.get(u)) {
                Some(next) if next.id.namespace == cur.id.namespace && next.template == shape => {
                    cur = next
                }
                _ => break,
            }
        }
        Some(&cur.id)
    }
}

/// Removes ReplicaSets and Jobs owned by a known workload from `resources`
/// (their template is their owner's). Returns how many were folded.
pub fn fold_intermediate(resources: &mut Vec<Resource>, owners: &Owners) -> usize {
    let before = resources.len();
    resources.retain(|r| {
        !(matches!(r.kind(), "ReplicaSet" | "Job") && owners.top_of(&r.value).is_some())
    });
    before - resources.len()
}

/// Folds a whole inventory the way a cluster scan does as it reads: for
/// objects that were not collected live (a `kubectl get -A -o json` dump),
/// so that scanning them reports each pod once, on its workload. Returns
/// the pod count per workload (also written as [`POD_COUNT`]).
pub fn fold_owned(resources: &mut Vec<Resource>) -> BTreeMap<ObjectRef, usize> {
    let owners = Owners::new(resources);
    fold_intermediate(resources, &owners);
    let mut counts = BTreeMap::new();
    resources.retain(|r| {
        if r.kind() == "Pod"
            && r.group().is_empty()
            && let Some(top) = owners.top_of(&r.value)
        {
            *counts.entry(top.clone()).or_insert(0) += 1;
            return false;
        }
        true
    });
    annotate_counts(resources, &counts);
    counts
}

/// Writes the pod counts onto their workloads, as [`POD_COUNT`].
pub fn annotate_counts(resources: &mut [Resource], counts: &BTreeMap<ObjectRef, usize>) {
    for r in resources.iter_mut() {
        if let Some(n) = counts.get(&r.id)
            && let Some(meta) = r.value.get_mut("metadata").and_then(Value::as_object_mut)
        {
            let ann = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(a) = ann.as_object_mut() {
                a.insert(POD_COUNT.to_string(), Value::String(n.to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn res(kind: &str, name: &str, uid: &str, owner: Option<&str>) -> Resource {
        let mut v = json!({"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": "ns", "uid": uid}});
        if let Some(o) = owner {
            v["metadata"]["ownerReferences"] = json!([{"uid": o, "controller": true}]);
        }
        Resource::new(v, Origin::default(), None)
    }

    #[test]
    fn pods_go_to_the_top_controller() {
        let mut rs = vec![
            res("CronJob", "cj", "u-cj", None),
            res("Job", "cj-1", "u-job", Some("u-cj")),
            res("Deployment", "d", "u-d", None),
            res("ReplicaSet", "d-1", "u-rs", Some("u-d")),
            res("ReplicaSet", "orphan", "u-rs2", Some("u-missing")),
        ];
        let owners = Owners::new(&rs);
        let pod = json!({"metadata": {"namespace": "ns", "ownerReferences": [{"uid": "u-rs", "controller": true}]}});
        assert_eq!(owners.top_of(&pod).map(|o| o.name.as_str()), Some("d"));
        let pod = json!({"metadata": {"namespace": "ns", "ownerReferences": [{"uid": "u-job", "controller": true}]}});
        assert_eq!(owners.top_of(&pod).map(|o| o.name.as_str()), Some("cj"));
        // An owner reference that is not the controller does not fold.
        let pod = json!({"metadata": {"namespace": "ns", "ownerReferences": [{"uid": "u-rs"}]}});
        assert!(owners.top_of(&pod).is_none());
        assert_eq!(fold_intermediate(&mut rs, &owners), 2);
        let names: Vec<_> = rs.iter().map(|r| r.id.name.as_str()).collect();
        assert_eq!(names, ["cj", "d", "orphan"]);
    }

    #[test]
    fn cycles_end() {
        let rs = vec![
            res("ReplicaSet", "a", "u-a", Some("u-b")),
            res("ReplicaSet", "b", "u-b", Some("u-a")),
        ];
        let owners = Owners::new(&rs);
        let pod = json!({"metadata": {"namespace": "ns", "ownerReferences": [{"uid": "u-a", "controller": true}]}});
        assert!(owners.top_of(&pod).is_some());
    }

    fn deployment(spec: Value) -> Resource {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns", "uid": "u-web"},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}});
        Resource::new(v, Origin::default(), None)
    }

    fn pod(ns: &str, spec: Value) -> Resource {
        let v = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-x", "namespace": ns,
                "labels": {"app": "web", "pod-template-hash": "abc"},
                "ownerReferences": [{"uid": "u-web", "controller": true}]},
            "spec": spec});
        Resource::new(v, Origin::default(), None)
    }

    fn harmless() -> Value {
        json!({"containers": [{"name": "app", "image": "nginx:1.27"}]})
    }

    #[test]
    fn a_pod_unlike_its_template_is_not_folded() {
        let evil = json!({"hostPID": true, "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
            "containers": [{"name": "app", "image": "nginx:1.27",
                "securityContext": {"privileged": true}}]});
        let mut rs = vec![deployment(harmless()), pod("ns", evil)];
        let counts = fold_owned(&mut rs);
        assert!(counts.is_empty());
        assert_eq!(rs.len(), 2, "the privileged pod is analysed on its own");
    }

    #[test]
    fn an_ephemeral_container_added_live_unfolds_the_pod() {
        let mut spec = harmless();
        spec["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox",
            "securityContext": {"privileged": true}}]);
        let mut rs = vec![deployment(harmless()), pod("ns", spec)];
        fold_owned(&mut rs);
        assert_eq!(rs.len(), 2);
    }

    #[test]
    fn an_owner_in_another_namespace_does_not_fold() {
        let mut rs = vec![deployment(harmless()), pod("other", harmless())];
        fold_owned(&mut rs);
        assert_eq!(rs.len(), 2);
    }

    #[test]
    fn a_pod_as_the_api_server_fills_it_in_still_folds() {
        let spec = json!({
            "nodeName": "node-1", "schedulerName": "default-scheduler",
            "serviceAccountName": "default", "serviceAccount": "default",
            "securityContext": {}, "priority": 0, "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
            "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                "effect": "NoExecute", "tolerationSeconds": 300}],
            "volumes": [{"name": "kube-api-access-x2x9z", "projected": {"sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace",
                    "fieldRef": {"fieldPath": "metadata.namespace"}}]}}]}}],
            "containers": [{"name": "app", "image": "nginx:1.27",
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [{"name": "kube-api-access-x2x9z", "readOnly": true,
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}],
        });
        let mut rs = vec![deployment(harmless()), pod("ns", spec)];
        let counts = fold_owned(&mut rs);
        assert_eq!(rs.len(), 1);
        assert_eq!(counts.values().sum::<usize>(), 1);
    }

    #[test]
    fn a_hostpath_named_like_the_token_volume_is_not_ignored() {
        let spec = json!({"volumes": [{"name": "kube-api-access-x", "hostPath": {"path": "/"}}],
            "containers": [{"name": "app", "image": "nginx:1.27"}]});
        let mut rs = vec![deployment(harmless()), pod("ns", spec)];
        fold_owned(&mut rs);
        assert_eq!(rs.len(), 2);
    }

    #[test]
    fn a_replicaset_unlike_its_deployment_is_kept_and_its_pods_fold_into_it() {
        let evil =
            json!({"hostNetwork": true, "containers": [{"name": "app", "image": "nginx:1.27"}]});
        let rs_v = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-1", "namespace": "ns", "uid": "u-rs",
                "ownerReferences": [{"uid": "u-web", "controller": true}]},
            "spec": {"template": {"spec": evil.clone()}}});
        let mut p = pod("ns", evil);
        p.value["metadata"]["ownerReferences"][0]["uid"] = json!("u-rs");
        let mut rs = vec![
            deployment(harmless()),
            Resource::new(rs_v, Origin::default(), None),
            p,
        ];
        let counts = fold_owned(&mut rs);
        let names: Vec<_> = rs.iter().map(|r| r.id.name.as_str()).collect();
        assert_eq!(names, ["web", "web-1"]);
        assert_eq!(
            counts.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["web-1"]
        );
    }
}
