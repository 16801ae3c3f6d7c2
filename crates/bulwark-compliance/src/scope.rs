//! Which objects a rule evaluates: the denominator of a control's score.
//!
//! Kept as data (`scopes.yaml`), not in `RuleMeta`: only scores need it, and
//! the selectors are few. `pods` is decided by `core::PodView`, kinds by the
//! object's group and kind; which control plane component a pod runs is
//! bulwark-node's knowledge, so the caller passes it in ([`ComponentsOf`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bulwark_core::{PodView, Resource};
use serde::Deserialize;

/// The control plane components (`kube-apiserver`, `etcd`) an object runs.
pub type ComponentsOf = fn(&Resource) -> Vec<&'static str>;

/// One kind of object a rule looks at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Selector {
    /// Every object.
    All,
    /// Objects with a pod template.
    Pods,
    /// Pod templates running this control plane component.
    Component(String),
    /// Objects of this API group (`""`: core) and kind.
    Kind { group: String, kind: String },
}

impl Selector {
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "*" => Selector::All,
            "pods" => Selector::Pods,
            _ => match s.strip_prefix("component/") {
                Some(c) => Selector::Component(c.to_string()),
                None => match s.rsplit_once('/') {
                    Some((g, k)) => Selector::Kind {
                        group: g.to_string(),
                        kind: k.to_string(),
                    },
                    None => Selector::Kind {
                        group: String::new(),
                        kind: s.to_string(),
                    },
                },
            },
        }
    }
}

/// What the selectors need to know of one object, computed once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Facts {
    pub pod: bool,
    pub components: Vec<&'static str>,
    pub group: String,
    pub kind: String,
}

impl Facts {
    pub(crate) fn matches(&self, s: &Selector) -> bool {
        match s {
            Selector::All => true,
            Selector::Pods => self.pod,
            Selector::Component(c) => self.components.iter().any(|x| x == c),
            Selector::Kind { group, kind } => *group == self.group && *kind == self.kind,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scopes: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    objects: Vec<String>,
    rules: Vec<String>,
}

/// Each rule's selectors, and how to tell which component an object runs.
#[derive(Clone, Debug)]
pub struct Scopes {
    pub(crate) by_rule: BTreeMap<String, Vec<Selector>>,
    components: ComponentsOf,
}

fn no_components(_: &Resource) -> Vec<&'static str> {
    Vec::new()
}

impl Scopes {
    /// The shipped `scopes.yaml`. Without [`Scopes::with_components`] no
    /// object runs a component (those rules' controls are not evaluated).
    pub fn builtin() -> Self {
        static MAP: OnceLock<BTreeMap<String, Vec<Selector>>> = OnceLock::new();
        let by_rule = MAP
            .get_or_init(|| {
                // Compiled-in data, parsed by a test: failure is a build defect.
                parse(include_str!("../scopes.yaml"))
                    .unwrap_or_else(|e| panic!("shipped scopes.yaml: {e}"))
            })
            .clone();
        Scopes {
            by_rule,
            components: no_components,
        }
    }

    /// Tells the `component/NAME` selectors which components a pod runs.
    pub fn with_components(mut self, f: ComponentsOf) -> Self {
        self.components = f;
        self
    }

    /// The selectors of `rule`; empty for a rule with no scope entry.
    pub fn of(&self, rule: &str) -> &[Selector] {
        self.by_rule.get(rule).map_or(&[], Vec::as_slice)
    }

    /// Every rule id with a scope entry.
    pub fn rules(&self) -> impl Iterator<Item = &str> {
        self.by_rule.keys().map(String::as_str)
    }

    /// Whether `rule` evaluates `res` by its scope.
    pub fn covers(&self, rule: &str, res: &Resource) -> bool {
        let facts = self.facts(res);
        self.of(rule).iter().any(|s| facts.matches(s))
    }

    pub(crate) fn facts(&self, res: &Resource) -> Facts {
        Facts {
            pod: PodView::of(res).is_some(),
            components: (self.components)(res),
            group: res.group().to_string(),
            kind: res.kind().to_string(),
        }
    }
}

fn parse(text: &str) -> Result<BTreeMap<String, Vec<Selector>>, String> {
    let f: File = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let mut m: BTreeMap<String, Vec<Selector>> = BTreeMap::new();
    for e in f.scopes {
        let sel: Vec<Selector> = e.objects.iter().map(|s| Selector::parse(s)).collect();
        for r in e.rules {
            if m.insert(r.clone(), sel.clone()).is_some() {
                return Err(format!("rule {r} has two scope entries"));
            }
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_scopes_parse_and_selectors_read_as_documented() {
        let s = Scopes::builtin();
        assert_eq!(s.of("privileged-container"), [Selector::Pods]);
        assert_eq!(
            s.of("apiserver-profiling"),
            [Selector::Component("kube-apiserver".into())]
        );
        assert_eq!(
            s.of("namespace-without-resource-quota"),
            [Selector::Kind {
                group: String::new(),
                kind: "Namespace".into()
            }]
        );
        assert_eq!(
            s.of("kubelet-anonymous-auth"),
            [Selector::Kind {
                group: "kubelet.config.k8s.io".into(),
                kind: "KubeletConfiguration".into()
            }]
        );
        assert_eq!(s.of("invalid-object"), [Selector::All]);
        assert!(s.of("no-such-rule").is_empty());
    }

    #[test]
    fn a_rule_in_two_entries_is_refused() {
        let t =
            "scopes:\n  - {objects: [pods], rules: [a]}\n  - {objects: [Namespace], rules: [a]}\n";
        assert!(parse(t).unwrap_err().contains("two scope entries"));
    }
}
