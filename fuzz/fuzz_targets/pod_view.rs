//! The Kubernetes-object views on arbitrary JSON: any value of any shape,
//! under any workload kind, must give a view (or none) without a panic.
#![no_main]

use bulwark_core::{Origin, PodView, Resource};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KINDS: &[&str] = &[
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
    "ReplicationController", "PodTemplate",
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, json)) = data.split_first() else { return };
    let Ok(mut v) = serde_json::from_slice::<Value>(json) else { return };
    if let Some(o) = v.as_object_mut() {
        o.insert("kind".into(), Value::String(KINDS[k as usize % KINDS.len()].into()));
    }
    let r = Resource::new(v, Origin::default(), None);
    let Some(view) = PodView::of(&r) else { return };
    let _ = (view.spec_path(), view.meta_path(), view.annotations());
    for key in ["runAsNonRoot", "runAsUser", "seccompProfile", "privileged"] {
        let _ = view.pod_sc(key);
    }
    for c in view.containers() {
        let _ = (c.name(), c.label(), c.image());
        for key in ["privileged", "runAsNonRoot", "capabilities", "allowPrivilegeEscalation"] {
            let _ = (c.sc(key), c.effective_sc(key));
        }
    }
    for v in view.volumes() {
        let _ = v;
    }
});
