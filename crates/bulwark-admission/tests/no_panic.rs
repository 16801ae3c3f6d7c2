//! No body makes the handler panic: whatever arrives gets an
//! AdmissionResponse (proptest over bytes and over mangled reviews).

use bulwark_admission::decide::Decision;
use bulwark_admission::{AdmissionConfig, Admitter};
use bulwark_filter::Filter;
use proptest::prelude::*;
use serde_json::json;

fn admitter() -> Admitter {
    Admitter::new(
        vec![Box::new(bulwark_rules::BuiltinRules::default())],
        Filter::new(bulwark_filter::today_utc()),
        AdmissionConfig::default(),
        Default::default(),
    )
}

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-zA-Z/]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("spec".to_string()),
                    Just("containers".to_string()),
                    Just("securityContext".to_string()),
                    Just("metadata".to_string()),
                    Just("template".to_string()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let v = admitter().review_body(&body, false);
        // Not an AdmissionReview: the fail-open default admits, with a warning.
        prop_assert_eq!(v.decision, Decision::Error);
        prop_assert!(v.response.allowed);
        prop_assert!(!v.response.warnings.is_empty());
    }

    #[test]
    fn mangled_objects_never_panic(
        obj in any_json(),
        kind in "Pod|Deployment|CronJob|Role|Namespace",
        mutate in any::<bool>(),
    ) {
        let is_object = obj.is_object();
        let body = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "x", "operation": "CREATE",
                "kind": {"group": "", "version": "v1", "kind": kind},
                "namespace": "n", "object": obj}}).to_string();
        let v = admitter().review_body(body.as_bytes(), mutate);
        prop_assert_eq!(v.response.uid.as_str(), "x");
        prop_assert_eq!(v.decision == Decision::Error, !is_object);
    }
}
