//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), parsed
//! and validated the way the API server validates them.

use std::collections::BTreeMap;

use serde_json::Value;

/// Labels of a pod or namespace.
pub type Labels = BTreeMap<String, String>;

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A label selector. The empty selector selects everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    pub reqs: Vec<Requirement>,
}

impl Selector {
    /// Selects every object.
    pub fn everything() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.reqs.iter().all(|r| match r {
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        })
    }

    /// Parses a `LabelSelector` object. `null` or absent is handled by the
    /// caller (its meaning depends on the field).
    pub fn parse(v: &Value) -> Result<Self, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| "a label selector must be an object".to_string())?;
        let mut reqs = Vec::new();
        if let Some(ml) = obj.get("matchLabels").filter(|v| !v.is_null()) {
            let ml = ml
                .as_object()
                .ok_or_else(|| "matchLabels must be a map".to_string())?;
            for (k, v) in ml {
                let v = scalar_string(v)
                    .ok_or_else(|| format!("matchLabels value of '{k}' must be a string"))?;
                check_key(k)?;
                check_value(k, &v)?;
                reqs.push(Requirement::In(k.clone(), vec![v]));
            }
        }
        if let Some(me) = obj.get("matchExpressions").filter(|v| !v.is_null()) {
            let me = me
                .as_array()
                .ok_or_else(|| "matchExpressions must be a list".to_string())?;
            for e in me {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| "matchExpressions entry without a key".to_string())?;
                check_key(key)?;
                let op = e.get("operator").and_then(Value::as_str).unwrap_or("");
                let values: Vec<String> = match e.get("values") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|v| {
                            scalar_string(v).ok_or_else(|| {
                                format!("matchExpressions values of '{key}' must be strings")
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err(format!("values of '{key}' must be a list")),
                };
                for v in &values {
                    check_value(key, v)?;
                }
                let key = key.to_string();
                let r = match op {
                    "In" | "NotIn" if values.is_empty() => {
                        return Err(format!(
                            "operator {op} of '{key}' needs a non-empty values list"
                        ));
                    }
                    "Exists" | "DoesNotExist" if !values.is_empty() => {
                        return Err(format!("operator {op} of '{key}' takes no values"));
                    }
                    "In" => Requirement::In(key, values),
                    "NotIn" => Requirement::NotIn(key, values),
                    "Exists" => Requirement::Exists(key),
                    "DoesNotExist" => Requirement::DoesNotExist(key),
                    other => {
                        return Err(format!(
                            "'{other}' is not a valid selector operator for '{key}' (In, NotIn, Exists, DoesNotExist)"
                        ));
                    }
                };
                reqs.push(r);
            }
        }
        Ok(Self { reqs })
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_name_part(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= max
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// A qualified label key: `[prefix/]name`.
pub fn check_key(k: &str) -> Result<(), String> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let ok = is_name_part(name, 63) && prefix.is_none_or(is_dns_subdomain);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid label key '{k}': a key is an optional DNS-subdomain prefix and '/', then a name of at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric"
        ))
    }
}

/// A label value: empty, or a name part of at most 63 characters.
pub fn check_value(k: &str, v: &str) -> Result<(), String> {
    if v.is_empty() || is_name_part(v, 63) {
        Ok(())
    } else {
        Err(format!(
            "invalid label value '{v}' of key '{k}': at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric"
        ))
    }
}

/// Reads a `metadata.labels`-style map.
pub fn labels_of(v: Option<&Value>) -> Labels {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), scalar_string(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn match_expressions() {
        let s = Selector::parse(&json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "env", "operator": "NotIn", "values": ["prod"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"}
            ]
        }))
        .unwrap();
        let base = [("app", "web"), ("tier", "a"), ("team", "x")];
        assert!(s.matches(&labels(&base)));
        // NotIn matches when the key is absent, fails on a listed value.
        let mut l = labels(&base);
        l.insert("env".into(), "prod".into());
        assert!(!s.matches(&l));
        l.insert("env".into(), "dev".into());
        assert!(s.matches(&l));
        l.insert("legacy".into(), "".into());
        assert!(!s.matches(&l));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "c"), ("team", "x")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert!(Selector::parse(&json!({})).unwrap().matches(&Labels::new()));
    }

    #[test]
    fn invalid_selectors_are_errors() {
        for bad in [
            json!({"matchLabels": {"a b": "x"}}),
            json!({"matchLabels": {"app": "not valid!"}}),
            json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]}),
        ] {
            assert!(Selector::parse(&bad).is_err(), "{bad}");
        }
    }
}
