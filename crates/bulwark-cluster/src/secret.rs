//! Secret values never leave the collector: `data` and `stringData` are cut
//! down to their key names before anything else sees the object.

use serde_json::{Map, Value};

/// Annotation kubectl writes with the whole applied manifest: for a Secret
/// it holds the values in clear text, so it is dropped too.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Replaces every value of `data` and `stringData` with `""` (keys stay:
/// which keys a Secret holds is metadata), and removes every other copy of
/// them: the last-applied annotation is dropped, any other annotation that
/// holds a copy of the manifest (another tool's last-applied) or one of the
/// values (raw or base64) keeps its key with the value `""`, and
/// `managedFields` (whose entries may carry values) are dropped.
pub fn strip_values(secret: &mut Value) {
    let Some(obj) = secret.as_object_mut() else {
        return;
    };
    let mut values: Vec<String> = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(v) = obj.get_mut(field) {
            if let Value::Object(m) = &*v {
                for val in m.values().filter_map(Value::as_str) {
                    values.push(val.to_string());
                    if field == "data" {
                        use base64::Engine as _;
                        if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(val.trim())
                            && let Ok(t) = String::from_utf8(b)
                        {
                            values.push(t);
                        }
                    }
                }
            }
            *v = match v {
                Value::Object(m) => Value::Object(
                    m.keys()
                        .map(|k| (k.clone(), Value::String(String::new())))
                        .collect::<Map<_, _>>(),
                ),
                _ => Value::Object(Map::new()),
            };
        }
    }
    // Short values (a one-letter flag) would blank harmless annotations.
    values.retain(|v| v.chars().count() >= 4);
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    meta.remove("managedFields");
    if let Some(Value::Object(a)) = meta.get_mut("annotations") {
        a.remove(LAST_APPLIED);
        for v in a.values_mut() {
            let leaks = v
                .as_str()
                .is_some_and(|t| manifest_copy(t) || values.iter().any(|s| t.contains(s.as_str())));
            if leaks || !v.is_string() {
                *v = Value::String(String::new());
            }
        }
    }
}

/// Whether an annotation's text looks like a copy of a Secret manifest
/// (JSON or YAML with a `data` or `stringData` field).
fn manifest_copy(t: &str) -> bool {
    t.contains("\"data\"")
        || t.contains("\"stringData\"")
        || t.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("data:") || l.starts_with("stringData:")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_keys_type_and_annotations_drops_values() {
        let mut s = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "annotations": {
                "owner": "team-a",
                LAST_APPLIED: "{\"stringData\":{\"password\":\"hunter2\"}}"}},
            "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
            "stringData": {"token": "hunter2"},
        });
        strip_values(&mut s);
        assert_eq!(s["data"], json!({"password": "", "user": ""}));
        assert_eq!(s["stringData"], json!({"token": ""}));
        assert_eq!(s["type"], "Opaque");
        assert_eq!(s["metadata"]["annotations"], json!({"owner": "team-a"}));
        let text = s.to_string();
        assert!(!text.contains("hunter2") && !text.contains("aHVudGVyMg"));
    }

    #[test]
    fn other_copies_in_annotations_and_managed_fields_are_removed() {
        let mut s = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db",
                "annotations": {
                    "owner": "team-a",
                    "argocd.argoproj.io/tracking-id": "app:/Secret:ns/db",
                    "tool.example/applied": "{\"kind\":\"Secret\",\"stringData\":{\"password\":\"CanaryPw11\"}}",
                    "helm.example/manifest": "kind: Secret\ndata:\n  token: Q2FuYXJ5VG9rMjI=\n",
                    "note": "the password is CanaryPw11",
                    "decoded": "CanaryTok22 in clear"},
                "managedFields": [{"manager": "x", "fieldsV1": {"f:data": {"f:password": "CanaryPw11"}}}]},
            "data": {"token": "Q2FuYXJ5VG9rMjI="},
            "stringData": {"password": "CanaryPw11"},
        });
        strip_values(&mut s);
        let text = s.to_string();
        for canary in ["CanaryPw11", "CanaryTok22", "Q2FuYXJ5VG9rMjI"] {
            assert!(!text.contains(canary), "{canary}: {text}");
        }
        let a = &s["metadata"]["annotations"];
        assert_eq!(a["owner"], "team-a");
        assert_eq!(a["argocd.argoproj.io/tracking-id"], "app:/Secret:ns/db");
        assert_eq!(a["note"], "");
        assert!(s["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn odd_shapes_do_not_leak() {
        let mut s = json!({"kind": "Secret", "data": "c2VjcmV0", "stringData": ["x"]});
        strip_values(&mut s);
        assert_eq!(s["data"], json!({}));
        assert_eq!(s["stringData"], json!({}));
    }
}
