//! A constraint's `spec.match`, decided as Gatekeeper decides it: kinds
//! with apiGroups, scope, namespaces and excludedNamespaces (a `*` at
//! either end is a prefix or suffix glob), labelSelector, namespaceSelector
//! (the object's Namespace, or the object itself when it is one), name
//! (blank is any) and source (the object, what expansions generate, or both).
//! Cluster-scoped objects other than Namespaces pass the namespace criteria.

use serde_json::{Map, Value};

/// A match criterion that could not be read, with its path under `spec.match`.
#[derive(Debug)]
pub struct MatchError {
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
struct KindSel {
    groups: Vec<String>,
    kinds: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Scope {
    #[default]
    All,
    Cluster,
    Namespaced,
}

#[derive(Clone, Debug)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

/// A Kubernetes label selector (matchLabels and matchExpressions).
#[derive(Clone, Debug, Default)]
pub struct Selector {
    labels: Vec<(String, String)>,
    exprs: Vec<(String, Op)>,
}

/// The parsed `spec.match` of one constraint.
#[derive(Clone, Debug, Default)]
pub struct Match {
    kinds: Vec<KindSel>,
    scope: Scope,
    namespaces: Vec<String>,
    excluded: Vec<String>,
    labels: Option<Selector>,
    namespace_selector: Option<Selector>,
    name: Option<String>,
    source: Source,
}

/// `match.source`: the object itself, the ones expansions generate from
/// it, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Source {
    #[default]
    All,
    Original,
    Generated,
}

/// What matching needs to know of one object.
pub struct Target<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    /// The object (or, for a DELETE review, the old object).
    pub object: &'a Value,
    /// The old object of an UPDATE: labels match on either.
    pub old_object: Option<&'a Value>,
    /// The request's namespace ("" for cluster-scoped objects).
    pub namespace: &'a str,
    /// Made by an expansion from the object under review.
    pub generated: bool,
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>, MatchError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a
            .iter()
            .map(|s| {
                s.as_str().map(str::to_string).ok_or_else(|| MatchError {
                    path: path.to_string(),
                    message: format!("{path}: every entry must be a string"),
                })
            })
            .collect(),
        _ => Err(MatchError {
            path: path.to_string(),
            message: format!("{path} must be a list of strings"),
        }),
    }
}

impl Selector {
    pub fn parse(v: &Value, path: &str) -> Result<Selector, MatchError> {
        let bad = |message: String| MatchError {
            path: path.to_string(),
            message,
        };
        let mut s = Selector::default();
        if let Some(ml) = v.get("matchLabels").filter(|v| !v.is_null()) {
            let m = ml
                .as_object()
                .ok_or_else(|| bad(format!("{path}.matchLabels must be a map")))?;
            for (k, val) in m {
                let val = val
                    .as_str()
                    .ok_or_else(|| bad(format!("{path}.matchLabels.{k} must be a string")))?;
                s.labels.push((k.clone(), val.to_string()));
            }
        }
        if let Some(me) = v.get("matchExpressions").filter(|v| !v.is_null()) {
            let list = me
                .as_array()
                .ok_or_else(|| bad(format!("{path}.matchExpressions must be a list")))?;
            for (i, e) in list.iter().enumerate() {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(format!("{path}.matchExpressions[{i}] has no key")))?;
                let values = strings(
                    e.get("values").unwrap_or(&Value::Null),
                    &format!("{path}.matchExpressions[{i}].values"),
                )?;
                let op = match e.get("operator").and_then(Value::as_str) {
                    Some("In") => Op::In(values),
                    Some("NotIn") => Op::NotIn(values),
                    Some("Exists") => Op::Exists,
                    Some("DoesNotExist") => Op::DoesNotExist,
                    other => {
                        return Err(bad(format!(
                            "{path}.matchExpressions[{i}].operator {} is not In, NotIn, Exists or DoesNotExist",
                            other.unwrap_or("(missing)")
                        )));
                    }
                };
                s.exprs.push((key.to_string(), op));
            }
        }
        Ok(s)
    }

    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.labels.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self.exprs.iter().all(|(k, op)| match op {
                Op::In(vals) => get(k).is_some_and(|v| vals.iter().any(|x| x == v)),
                Op::NotIn(vals) => get(k).is_none_or(|v| vals.iter().all(|x| x != v)),
                Op::Exists => get(k).is_some(),
                Op::DoesNotExist => get(k).is_none(),
            })
    }
}

/// Gatekeeper's wildcard: `*` alone is anything, `*x` a suffix, `x*` a prefix.
pub fn wildcard(pattern: &str, candidate: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix('*') {
        candidate.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        candidate.starts_with(prefix)
    } else {
        pattern == candidate
    }
}

fn labels_of(v: &Value) -> Option<&Map<String, Value>> {
    v.get("metadata")?.get("labels")?.as_object()
}

impl Match {
    pub fn parse(v: &Value) -> Result<Match, MatchError> {
        let mut m = Match::default();
        if let Some(kinds) = v.get("kinds").filter(|v| !v.is_null()) {
            let list = kinds.as_array().ok_or_else(|| MatchError {
                path: "kinds".into(),
                message: "match.kinds must be a list".into(),
            })?;
            for (i, k) in list.iter().enumerate() {
                m.kinds.push(KindSel {
                    groups: strings(
                        k.get("apiGroups").unwrap_or(&Value::Null),
                        &format!("kinds[{i}].apiGroups"),
                    )?,
                    kinds: strings(
                        k.get("kinds").unwrap_or(&Value::Null),
                        &format!("kinds[{i}].kinds"),
                    )?,
                });
            }
        }
        m.scope = match v.get("scope").and_then(Value::as_str) {
            None | Some("*") => Scope::All,
            Some("Cluster") => Scope::Cluster,
            Some("Namespaced") => Scope::Namespaced,
            Some(other) => {
                return Err(MatchError {
                    path: "scope".into(),
                    message: format!("match.scope '{other}' is not *, Cluster or Namespaced"),
                });
            }
        };
        m.namespaces = strings(v.get("namespaces").unwrap_or(&Value::Null), "namespaces")?;
        m.excluded = strings(
            v.get("excludedNamespaces").unwrap_or(&Value::Null),
            "excludedNamespaces",
        )?;
        if let Some(s) = v.get("labelSelector").filter(|v| !v.is_null()) {
            m.labels = Some(Selector::parse(s, "labelSelector")?);
        }
        if let Some(s) = v.get("namespaceSelector").filter(|v| !v.is_null()) {
            m.namespace_selector = Some(Selector::parse(s, "namespaceSelector")?);
        }
        // A blank name is any name, as Gatekeeper reads it.
        m.name = v
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        m.source = match v.get("source").and_then(Value::as_str) {
            None | Some("All") => Source::All,
            Some("Original") => Source::Original,
            Some("Generated") => Source::Generated,
            Some(other) => {
                return Err(MatchError {
                    path: "source".into(),
                    message: format!("match.source '{other}' is not All, Original or Generated"),
                });
            }
        };
        Ok(m)
    }

    /// Whether the constraint applies to `t`; `namespace` finds a Namespace
    /// object by name (the inventory's) for the namespaceSelector.
    pub fn matches<'n>(
        &self,
        t: &Target<'_>,
        namespace: impl Fn(&str) -> Option<&'n Value>,
    ) -> bool {
        let is_namespace = t.group.is_empty() && t.kind == "Namespace";
        let name = t
            .object
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        // The namespace criteria read a Namespace's own name.
        let ns = if is_namespace { name } else { t.namespace };
        let cluster_scoped = !is_namespace && ns.is_empty();
        match (self.source, t.generated) {
            (Source::Original, true) | (Source::Generated, false) => return false,
            _ => {}
        }
        let kinds = self.kinds.is_empty()
            || self.kinds.iter().any(|k| {
                (k.kinds.is_empty() || k.kinds.iter().any(|x| x == "*" || x == t.kind))
                    && (k.groups.is_empty() || k.groups.iter().any(|g| g == "*" || g == t.group))
            });
        if !kinds {
            return false;
        }
        match self.scope {
            Scope::All => {}
            Scope::Cluster if !t.namespace.is_empty() => return false,
            Scope::Namespaced if t.namespace.is_empty() => return false,
            _ => {}
        }
        if !cluster_scoped {
            if !self.namespaces.is_empty() && !self.namespaces.iter().any(|p| wildcard(p, ns)) {
                return false;
            }
            if self.excluded.iter().any(|p| wildcard(p, ns)) {
                return false;
            }
        }
        if let Some(n) = &self.name
            && !wildcard(n, name)
        {
            return false;
        }
        if let Some(sel) = &self.labels {
            let old = t.old_object.is_some_and(|o| sel.matches(labels_of(o)));
            if !old && !sel.matches(labels_of(t.object)) {
                return false;
            }
        }
        if let Some(sel) = &self.namespace_selector
            && !cluster_scoped
        {
            let labels = if is_namespace {
                labels_of(t.object)
            } else {
                match namespace(ns) {
                    Some(n) => labels_of(n),
                    // Gatekeeper cannot decide without the Namespace either.
                    None => return false,
                }
            };
            if !sel.matches(labels) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target<'a>(obj: &'a Value, group: &'a str, kind: &'a str, ns: &'a str) -> Target<'a> {
        Target {
            group,
            kind,
            object: obj,
            old_object: None,
            namespace: ns,
            generated: false,
        }
    }

    #[test]
    fn wildcards_are_prefix_or_suffix() {
        assert!(wildcard("kube-*", "kube-system"));
        assert!(wildcard("*-system", "kube-system"));
        assert!(wildcard("*", "x"));
        assert!(!wildcard("kube-*", "default"));
        assert!(wildcard("default", "default"));
    }

    #[test]
    fn kinds_groups_namespaces_and_selectors() {
        let m = Match::parse(&json!({
            "kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}],
            "excludedNamespaces": ["kube-*"],
            "labelSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["test"]}]}
        }))
        .expect("parses");
        let obj = json!({"metadata": {"name": "a", "labels": {"tier": "prod"}}});
        let none = |_: &str| None;
        assert!(m.matches(&target(&obj, "apps", "Deployment", "default"), none));
        assert!(!m.matches(&target(&obj, "", "Deployment", "default"), none));
        assert!(!m.matches(&target(&obj, "apps", "Deployment", "kube-system"), none));
        let test = json!({"metadata": {"name": "a", "labels": {"tier": "test"}}});
        assert!(!m.matches(&target(&test, "apps", "Deployment", "default"), none));
    }

    #[test]
    fn namespace_selector_reads_the_namespace_or_the_object_itself() {
        let m = Match::parse(&json!({"namespaceSelector": {"matchLabels": {"env": "prod"}}}))
            .expect("parses");
        let prod = json!({"metadata": {"name": "p", "labels": {"env": "prod"}}});
        let pod = json!({"metadata": {"name": "x"}});
        let lookup = |n: &str| (n == "p").then_some(&prod);
        assert!(m.matches(&target(&pod, "", "Pod", "p"), lookup));
        assert!(!m.matches(&target(&pod, "", "Pod", "q"), lookup));
        assert!(m.matches(&target(&prod, "", "Namespace", ""), lookup));
        // Cluster-scoped objects other than Namespaces pass.
        assert!(m.matches(&target(&pod, "", "Node", ""), lookup));
    }

    #[test]
    fn scope_splits_cluster_and_namespaced() {
        let m = Match::parse(&json!({"scope": "Namespaced"})).expect("parses");
        let obj = json!({"metadata": {"name": "x"}});
        assert!(m.matches(&target(&obj, "", "Pod", "a"), |_| None));
        assert!(!m.matches(&target(&obj, "", "Node", ""), |_| None));
        assert!(Match::parse(&json!({"scope": "Everywhere"})).is_err());
    }

    #[test]
    fn source_picks_original_or_generated_objects_and_blank_names_are_any() {
        let m = Match::parse(&json!({"source": "Generated", "name": ""})).expect("parses");
        let obj = json!({"metadata": {"name": "x"}});
        let mut t = target(&obj, "", "Pod", "a");
        assert!(!m.matches(&t, |_| None));
        t.generated = true;
        assert!(m.matches(&t, |_| None));
        assert!(Match::parse(&json!({"source": "Both"})).is_err());
    }
}
