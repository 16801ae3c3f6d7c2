//! Label selectors (`metav1.LabelSelector`), as ClusterRole aggregation uses
//! them.
//!
//! Semantics of `LabelSelectorAsSelector`: every `matchLabels` pair and
//! every `matchExpressions` requirement must hold; an empty selector matches
//! everything; `NotIn` and `DoesNotExist` match objects without the key; an
//! invalid selector is an error (and the aggregation controller then leaves
//! the role unchanged).

use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Requirement<'a> {
    key: &'a str,
    op: Op,
    values: Vec<&'a str>,
}

/// A parsed label selector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector<'a> {
    reqs: Vec<Requirement<'a>>,
}

impl<'a> Selector<'a> {
    /// Parses a selector; the error says what the API server would reject.
    pub fn parse(v: &'a Value) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if !v.is_object() && !v.is_null() {
            return Err("a label selector must be a mapping".into());
        }
        if let Some(ml) = v.get("matchLabels") {
            let ml = ml.as_object().ok_or("matchLabels must be a mapping")?;
            for (k, val) in ml {
                let val = val
                    .as_str()
                    .ok_or_else(|| format!("matchLabels[{k}] must be a string"))?;
                reqs.push(Requirement {
                    key: k,
                    op: Op::In,
                    values: vec![val],
                });
            }
        }
        if let Some(me) = v.get("matchExpressions") {
            let me = me.as_array().ok_or("matchExpressions must be a list")?;
            for (i, e) in me.iter().enumerate() {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("matchExpressions[{i}].key is missing"))?;
                let values: Vec<&str> = match e.get("values") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|x| {
                            x.as_str().ok_or_else(|| {
                                format!("matchExpressions[{i}].values must be strings")
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err(format!("matchExpressions[{i}].values must be a list")),
                };
                let op = match e.get("operator").and_then(Value::as_str) {
                    Some("In") => Op::In,
                    Some("NotIn") => Op::NotIn,
                    Some("Exists") => Op::Exists,
                    Some("DoesNotExist") => Op::DoesNotExist,
                    Some(o) => {
                        return Err(format!(
                            "matchExpressions[{i}].operator '{o}' is not a valid label selector operator"
                        ));
                    }
                    None => return Err(format!("matchExpressions[{i}].operator is missing")),
                };
                match op {
                    Op::In | Op::NotIn if values.is_empty() => {
                        return Err(format!(
                            "matchExpressions[{i}]: values must be non-empty for In and NotIn"
                        ));
                    }
                    Op::Exists | Op::DoesNotExist if !values.is_empty() => {
                        return Err(format!(
                            "matchExpressions[{i}]: values must be empty for Exists and DoesNotExist"
                        ));
                    }
                    _ => {}
                }
                reqs.push(Requirement { key, op, values });
            }
        }
        Ok(Self { reqs })
    }

    /// A key the selected objects must carry with one of the values given
    /// (the first `matchLabels` pair or `In` expression): an index of
    /// objects by label then finds the candidates without trying them all.
    pub fn required_label(&self) -> Option<(&'a str, &[&'a str])> {
        self.reqs
            .iter()
            .find(|r| r.op == Op::In)
            .map(|r| (r.key, r.values.as_slice()))
    }

    /// Whether an object with `labels` is selected.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        self.reqs.iter().all(|r| {
            let val = labels.and_then(|l| l.get(r.key)).and_then(Value::as_str);
            match r.op {
                Op::In => val.is_some_and(|v| r.values.contains(&v)),
                Op::NotIn => val.is_none_or(|v| !r.values.contains(&v)),
                Op::Exists => labels.is_some_and(|l| l.contains_key(r.key)),
                Op::DoesNotExist => !labels.is_some_and(|l| l.contains_key(r.key)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn match_labels_all_must_hold() {
        let s = json!({"matchLabels": {"a": "1", "b": "2"}});
        let sel = Selector::parse(&s).unwrap();
        assert!(sel.matches(Some(&labels(json!({"a": "1", "b": "2", "c": "3"})))));
        assert!(!sel.matches(Some(&labels(json!({"a": "1"})))));
        assert!(!sel.matches(None));
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = json!({});
        assert!(Selector::parse(&s).unwrap().matches(None));
    }

    #[test]
    fn match_expressions_operators() {
        let s = json!({"matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "env", "operator": "NotIn", "values": ["prod"]},
            {"key": "team", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist"}
        ]});
        let sel = Selector::parse(&s).unwrap();
        assert!(sel.matches(Some(&labels(json!({"tier": "a", "team": "x"})))));
        assert!(sel.matches(Some(&labels(
            json!({"tier": "b", "team": "", "env": "dev"})
        ))));
        assert!(!sel.matches(Some(&labels(
            json!({"tier": "a", "team": "x", "env": "prod"})
        ))));
        assert!(!sel.matches(Some(&labels(json!({"tier": "c", "team": "x"})))));
        assert!(!sel.matches(Some(&labels(json!({"tier": "a"})))));
        assert!(!sel.matches(Some(&labels(
            json!({"tier": "a", "team": "x", "legacy": "y"})
        ))));
    }

    #[test]
    fn invalid_selectors_are_errors() {
        for bad in [
            json!({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
            json!({"matchLabels": {"a": 1}}),
            json!("x"),
        ] {
            assert!(Selector::parse(&bad).is_err(), "{bad}");
        }
    }
}
