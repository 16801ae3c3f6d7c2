//! No pod spec, however malformed, makes an evaluation panic, and every
//! violation names at least one field.

use bulwark_core::{Origin, Resource};
use bulwark_pss::{Level, LevelVersion, Options, Version, evaluate_resource};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Keys the checks look at, so generated specs reach their code paths.
const KEYS: &[&str] = &[
    "securityContext",
    "containers",
    "initContainers",
    "ephemeralContainers",
    "capabilities",
    "add",
    "drop",
    "privileged",
    "runAsNonRoot",
    "runAsUser",
    "seccompProfile",
    "type",
    "seLinuxOptions",
    "user",
    "role",
    "appArmorProfile",
    "windowsOptions",
    "hostProcess",
    "procMount",
    "ports",
    "hostPort",
    "containerPort",
    "volumes",
    "hostPath",
    "name",
    "sysctls",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "os",
    "livenessProbe",
    "httpGet",
    "host",
    "lifecycle",
    "postStart",
    "tcpSocket",
    "allowPrivilegeEscalation",
    "nfs",
    "emptyDir",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z/_.]{0,8}".prop_map(Value::String),
        Just(json!("ALL")),
        Just(json!("Unmasked")),
        Just(json!("windows")),
        Just(json!(0)),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(KEYS), inner, 0..6).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn evaluation_never_panics(spec in prop::collection::btree_map(prop::sample::select(KEYS), value(), 0..8), ann in value()) {
        let spec: serde_json::Map<String, Value> = spec.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let r = Resource::new(
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "p", "annotations": ann}, "spec": spec}),
            Origin::default(),
            None,
        );
        for level in [Level::Baseline, Level::Restricted] {
            for version in [Version::Minor(0), Version::Minor(18), Version::Minor(25), Version::Latest] {
                let ev = evaluate_resource(&r, LevelVersion::new(level, version), &Options::default())
                    .expect("a Pod with an object spec has a pod view");
                prop_assert_eq!(ev.allowed, ev.violations.is_empty());
                for v in &ev.violations {
                    prop_assert!(!v.paths.is_empty(), "{} has no path", v.check);
                }
            }
        }
    }
}
