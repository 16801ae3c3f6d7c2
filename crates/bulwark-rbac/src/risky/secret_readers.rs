//! `secrets-readable-by-many`: per namespace, who can read its Secrets,
//! through every binding, as the authorizer answers it. Each role may look
//! reasonable on its own; the count is what a reviewer of one role misses.

use std::collections::{BTreeMap, BTreeSet};

use bulwark_core::{Analyzer, FieldPath, Finding, Inventory, Resource, RuleMeta, Severity};

use super::{is_default_data, meta, with_model};
use crate::model::Model;
use crate::request::{Request, SubjectName, is_public_identity};

/// Flags namespaces whose Secrets more than `max` subjects can read.
#[derive(Clone, Copy, Debug)]
pub struct SecretReaders {
    /// Distinct subjects (users, groups, service accounts outside
    /// kube-system, not the platform's own) allowed before a finding.
    pub max: usize,
}

impl Default for SecretReaders {
    fn default() -> Self {
        Self { max: DEFAULT_MAX }
    }
}

/// An app namespace typically has its operator's service account, a
/// deployer and an admin group; beyond five, nobody reviewed the sum.
pub const DEFAULT_MAX: usize = 5;

const READ: [&str; 3] = ["get", "list", "watch"];

/// Groups that stand for an open-ended set of identities.
fn is_broad_group(s: &SubjectName) -> bool {
    match s {
        SubjectName::Group { name } => {
            is_public_identity(name) || name.starts_with("system:serviceaccounts")
        }
        SubjectName::User { name } => name == "system:anonymous",
        SubjectName::ServiceAccount { .. } => false,
    }
}

/// Whether a reader is the platform itself (the API server's bootstrap
/// roles, kube-system controllers), which every cluster has.
fn is_platform(s: &SubjectName) -> bool {
    s.is_system() && !is_broad_group(s)
}

/// The namespaces to judge, each with the object a finding points at: the
/// Namespace when the inputs hold it, else its first Secret.
fn namespaces(inv: &Inventory) -> BTreeMap<String, &Resource> {
    let mut out: BTreeMap<String, &Resource> = BTreeMap::new();
    for r in inv.iter() {
        if !r.group().is_empty() {
            continue;
        }
        match r.kind() {
            "Namespace" if !r.id.name.is_empty() => {
                out.insert(r.id.name.clone(), r);
            }
            "Secret" => {
                if let Some(ns) = r.namespace() {
                    out.entry(ns.to_string()).or_insert(r);
                }
            }
            _ => {}
        }
    }
    out
}

/// Every subject that can read Secrets in `ns`, with the bindings that
/// allow it (bindings of the platform's bootstrap data left out).
fn readers(m: &Model<'_>, ns: &str) -> BTreeMap<SubjectName, BTreeSet<String>> {
    let mut out: BTreeMap<SubjectName, BTreeSet<String>> = BTreeMap::new();
    for verb in READ {
        let req = Request::resource(verb, "", "secrets", "").in_namespace(Some(ns));
        for g in m.who_can(&req) {
            let b = &m.bindings[g.binding];
            if b.bootstrap || is_default_data(b.res) || is_platform(&g.subject) {
                continue;
            }
            out.entry(g.subject).or_default().insert(b.display_ref());
        }
    }
    out
}

impl Analyzer for SecretReaders {
    fn name(&self) -> &'static str {
        "rbac secret readers"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        vec![&meta::SECRETS_MANY_READERS]
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        let targets = namespaces(inv);
        if targets.is_empty() {
            return;
        }
        with_model(inv, |m| {
            for (ns, anchor) in &targets {
                let readers = readers(m, ns);
                let broad: Vec<String> = readers
                    .keys()
                    .filter(|s| is_broad_group(s))
                    .map(|s| s.to_string())
                    .collect();
                if readers.len() <= self.max && broad.is_empty() {
                    continue;
                }
                let listed: Vec<String> = readers
                    .iter()
                    .map(|(s, via)| {
                        let via: Vec<&str> = via.iter().map(String::as_str).collect();
                        format!("{s} (via {})", via.join(", "))
                    })
                    .collect();
                let (severity, why) = if broad.is_empty() {
                    (
                        meta::SECRETS_MANY_READERS.severity,
                        format!(
                            "{} subject{}, more than the {} allowed",
                            readers.len(),
                            if readers.len() == 1 { "" } else { "s" },
                            self.max
                        ),
                    )
                } else {
                    (
                        Severity::High,
                        format!("{}, an open-ended set of identities", broad.join(", ")),
                    )
                };
                let path = if anchor.kind() == "Namespace" {
                    FieldPath::parse("metadata.name")
                } else {
                    FieldPath::parse("metadata.namespace")
                };
                out.push(Finding::new(
                    meta::SECRETS_MANY_READERS.id,
                    severity,
                    anchor,
                    path,
                    format!(
                        "Secrets of namespace {ns} are readable by {why}. Readers: {}",
                        listed.join("; ")
                    ),
                ));
            }
        });
    }
}
