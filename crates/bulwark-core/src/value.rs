//! Small helpers for reading JSON values the way Kubernetes does.

use serde_json::Value;

/// Kubernetes booleans: only a JSON `true` is true (YAML 1.1 `yes`/`on`
/// were already resolved to booleans by the loader).
pub fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

pub fn is_false(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(false)))
}

pub fn as_array(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}
