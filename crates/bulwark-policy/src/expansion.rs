//! Gatekeeper's ExpansionTemplates (`expansion.gatekeeper.sh`): a
//! workload (Deployment, CronJob, ...) is also judged as the object its
//! template would create (a Pod, a Job), so Pod policies such as
//! K8sAllowedRepos reach the pods a Deployment would run. Violations on
//! the generated object are reported on the workload, their message
//! prefixed `[Implied by <expansion>]` as Gatekeeper prefixes them.
//! Expansions chain (CronJob → Job → Pod), at most [`MAX_DEPTH`] deep.

use bulwark_core::{FieldPath, Resource};
use serde_json::Value;

use crate::PolicyError;
use crate::load::Action;

const GROUP: &str = "expansion.gatekeeper.sh";
/// How many expansions may chain from one object.
pub const MAX_DEPTH: usize = 4;

/// One ExpansionTemplate.
pub(crate) struct Expansion {
    pub name: String,
    apply_to: Vec<(Vec<String>, Vec<String>, Vec<String>)>,
    source: FieldPath,
    api_version: String,
    kind: String,
    /// Overrides the constraints' action for generated objects.
    pub action: Option<Action>,
}

/// An object an expansion generated from a workload.
pub(crate) struct Generated {
    pub object: Value,
    pub api_version: String,
    pub kind: String,
    /// `[Implied by a]`, or `[Implied by a, b]` for chains.
    pub prefix: String,
    pub action: Option<Action>,
}

pub(crate) fn is_expansion(r: &Resource) -> bool {
    r.kind() == "ExpansionTemplate" && r.id.api_version.split('/').next() == Some(GROUP)
}

fn list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn bad(r: &Resource, path: &str, message: String) -> PolicyError {
    let file = r.origin.file.as_deref().unwrap_or("<input>").to_string();
    let line = r.locate(&FieldPath::parse(path)).and_then(|l| l.line);
    PolicyError {
        file,
        line,
        message,
    }
}

impl Expansion {
    pub fn parse(r: &Resource) -> Result<Expansion, PolicyError> {
        let spec = r.value.get("spec").unwrap_or(&Value::Null);
        let apply_to: Vec<_> = spec
            .get("applyTo")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|a| {
                (
                    list(a.get("groups")),
                    list(a.get("versions")),
                    list(a.get("kinds")),
                )
            })
            .collect();
        if apply_to.is_empty() {
            return Err(bad(
                r,
                "spec",
                format!("expansion {}: spec.applyTo names no kinds", r.id.name),
            ));
        }
        let source = spec
            .get("templateSource")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                bad(
                    r,
                    "spec",
                    format!("expansion {}: spec.templateSource is missing", r.id.name),
                )
            })?;
        let gvk = spec.get("generatedGVK").unwrap_or(&Value::Null);
        let s = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
        if s("kind").is_empty() || s("version").is_empty() {
            return Err(bad(
                r,
                "spec.generatedGVK",
                format!(
                    "expansion {}: spec.generatedGVK needs version and kind",
                    r.id.name
                ),
            ));
        }
        let api_version = match s("group") {
            "" => s("version").to_string(),
            g => format!("{g}/{}", s("version")),
        };
        let action = match spec.get("enforcementAction").and_then(Value::as_str) {
            None => None,
            Some("deny") => Some(Action::Deny),
            Some("warn") => Some(Action::Warn),
            Some("dryrun") => Some(Action::Dryrun),
            Some(other) => {
                return Err(bad(
                    r,
                    "spec.enforcementAction",
                    format!("enforcementAction '{other}' is not one of deny, warn, dryrun"),
                ));
            }
        };
        Ok(Expansion {
            name: r.id.name.clone(),
            apply_to,
            source: FieldPath::parse(source),
            api_version,
            kind: s("kind").to_string(),
            action,
        })
    }

    fn applies(&self, api_version: &str, kind: &str) -> bool {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let has = |l: &[String], x: &str| l.iter().any(|v| v == x || v == "*");
        self.apply_to
            .iter()
            .any(|(g, v, k)| has(g, group) && has(v, version) && has(k, kind))
    }

    /// The object this expansion makes of `parent`, if it applies.
    fn expand(&self, parent: &Value, api_version: &str, kind: &str) -> Option<Value> {
        if !self.applies(api_version, kind) {
            return None;
        }
        let mut obj = self.source.get(parent)?.as_object()?.clone();
        obj.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        obj.insert("kind".into(), Value::String(self.kind.clone()));
        let pmeta = parent.get("metadata");
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(m) = meta.as_object_mut() {
            for k in ["namespace", "name"] {
                if !m.contains_key(k)
                    && let Some(v) = pmeta.and_then(|p| p.get(k))
                {
                    m.insert(k.into(), v.clone());
                }
            }
        }
        Some(Value::Object(obj))
    }
}

/// Every object the expansions generate from `object`, chains included.
pub(crate) fn generate(
    expansions: &[Expansion],
    object: &Value,
    api_version: &str,
    kind: &str,
) -> Vec<Generated> {
    let mut out: Vec<Generated> = Vec::new();
    let mut frontier = vec![(
        object.clone(),
        api_version.to_string(),
        kind.to_string(),
        Vec::<&str>::new(),
        None,
    )];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for (obj, av, k, chain, action) in &frontier {
            for e in expansions {
                if let Some(g) = e.expand(obj, av, k) {
                    let mut names = chain.clone();
                    names.push(e.name.as_str());
                    next.push((
                        g,
                        e.api_version.clone(),
                        e.kind.clone(),
                        names,
                        e.action.or(*action),
                    ));
                }
            }
        }
        if next.is_empty() {
            break;
        }
        for (obj, av, k, names, action) in &next {
            out.push(Generated {
                object: obj.clone(),
                api_version: av.clone(),
                kind: k.clone(),
                prefix: format!("[Implied by {}]", names.join(", ")),
                action: *action,
            });
        }
        frontier = next;
    }
    out
}
