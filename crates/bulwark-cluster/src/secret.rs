//! Secret values never leave the collector: `data` and `stringData` are cut
//! down to their key names before anything else sees the object.

use serde_json::{Map, Value};

/// Annotation kubectl writes with the whole applied manifest: for a Secret
/// it holds the values in clear text, so it is dropped too.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Replaces every value of `data` and `stringData` with `""` (keys stay:
/// which keys a Secret holds is metadata), and drops the last-applied
/// annotation, which copies the values.
pub fn strip_values(secret: &mut Value) {
    let Some(obj) = secret.as_object_mut() else {
        return;
    };
    for field in ["data", "stringData"] {
        if let Some(v) = obj.get_mut(field) {
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
    if let Some(Value::Object(a)) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        a.remove(LAST_APPLIED);
    }
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
    fn odd_shapes_do_not_leak() {
        let mut s = json!({"kind": "Secret", "data": "c2VjcmV0", "stringData": ["x"]});
        strip_values(&mut s);
        assert_eq!(s["data"], json!({}));
        assert_eq!(s["stringData"], json!({}));
    }
}
