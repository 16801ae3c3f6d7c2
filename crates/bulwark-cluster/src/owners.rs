//! Pods (and the ReplicaSets and Jobs between them and their workload) are
//! reported once, on the workload a user wrote: `ownerReferences` are
//! followed up to the top controller, the owned objects are counted there
//! and not analysed again.

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
                    },
                );
            }
        }
        Owners { by_uid }
    }

    /// The top workload above an object controlled by `uid`, when that
    /// controller is a known workload.
    pub fn top(&self, uid: &str) -> Option<&ObjectRef> {
        let mut cur = self.by_uid.get(uid)?;
        // Bounded: a cycle of owner references must not hang the scan.
        for _ in 0..16 {
            match cur.controller.as_deref().and_then(|u| self.by_uid.get(u)) {
                Some(next) => cur = next,
                None => break,
            }
        }
        Some(&cur.id)
    }

    /// The top workload of `v`, if `v` is owned by a known workload.
    pub fn top_of(&self, v: &Value) -> Option<&ObjectRef> {
        self.top(controller_uid(v)?)
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
        let pod = json!({"metadata": {"ownerReferences": [{"uid": "u-rs", "controller": true}]}});
        assert_eq!(owners.top_of(&pod).map(|o| o.name.as_str()), Some("d"));
        let pod = json!({"metadata": {"ownerReferences": [{"uid": "u-job", "controller": true}]}});
        assert_eq!(owners.top_of(&pod).map(|o| o.name.as_str()), Some("cj"));
        // An owner reference that is not the controller does not fold.
        let pod = json!({"metadata": {"ownerReferences": [{"uid": "u-rs"}]}});
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
        assert!(owners.top("u-a").is_some());
    }
}
