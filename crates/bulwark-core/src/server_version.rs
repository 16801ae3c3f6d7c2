//! The object a cluster source writes for the one fact no Kubernetes kind
//! holds: the API server's `/version`. It travels in snapshots like any
//! object, so a snapshot scan sees the version a live scan saw.

use serde_json::{Value, json};

/// `apiVersion` of the object (a group of our own: nothing applies it).
pub const API_VERSION: &str = "bulwark.dev/v1";
/// `kind` of the object.
pub const KIND: &str = "ServerVersion";

/// `body` is the `/version` answer (`gitVersion`, `major`, `minor`, ...);
/// its fields are kept at the top level as the API returns them.
pub fn object(body: Value) -> Value {
    let mut obj = match body {
        Value::Object(m) => m,
        other => {
            let mut m = serde_json::Map::new();
            m.insert("gitVersion".into(), other);
            m
        }
    };
    obj.insert("apiVersion".into(), json!(API_VERSION));
    obj.insert("kind".into(), json!(KIND));
    obj.insert("metadata".into(), json!({"name": "kube-apiserver"}));
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_version_fields() {
        let o = object(json!({"gitVersion": "v1.33.1", "major": "1", "minor": "33"}));
        assert_eq!(o["gitVersion"], "v1.33.1");
        assert_eq!(o["kind"], KIND);
        assert_eq!(o["apiVersion"], API_VERSION);
        assert_eq!(o["metadata"]["name"], "kube-apiserver");
    }
}
