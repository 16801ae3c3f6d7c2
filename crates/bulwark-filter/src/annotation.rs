//! Waivers written on the object itself:
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     bulwark.dev/ignore: "privileged-container, host-network"   # or "*"
//!     bulwark.dev/ignore-reason: "CNI agent needs the host network"
//! ```
//!
//! On the object's own metadata the waiver covers every finding on the
//! object. On a workload's pod template metadata (`spec.template.metadata`,
//! the CronJob's `spec.jobTemplate.spec.template.metadata`) it covers the
//! findings inside that template, because charts often let users set pod
//! annotations but not the workload's. `*` waives every rule; rule ids the
//! catalog does not know are reported as notices and waive nothing.

use std::collections::{BTreeSet, HashMap};

use bulwark_core::{Catalog, FieldPath, Finding, Inventory, ObjectRef, PodView, Resource};

use crate::suggest::unknown_rule;

/// The annotation that names the waived rules.
pub const IGNORE: &str = "bulwark.dev/ignore";
/// The annotation that says why.
pub const IGNORE_REASON: &str = "bulwark.dev/ignore-reason";

/// Which rules one annotation waives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waived {
    All,
    Rules(BTreeSet<String>),
}

impl Waived {
    fn covers(&self, rule: &str) -> bool {
        match self {
            Waived::All => true,
            Waived::Rules(r) => r.contains(rule),
        }
    }
}

/// One `bulwark.dev/ignore` annotation and the part of the object it covers.
#[derive(Clone, Debug)]
pub struct AnnotationWaiver {
    /// Findings whose path starts here are covered (the root for the
    /// object's own metadata, the pod template for template metadata).
    pub scope: FieldPath,
    pub rules: Waived,
    pub reason: Option<String>,
    /// Where the annotation is, for messages (`file:line:col` or the object).
    pub at: String,
}

/// Every ignore annotation of an inventory, by object.
#[derive(Debug, Default)]
pub struct Annotations {
    /// By file (`""` for objects not from a file), then object: findings
    /// are looked up without building a key.
    by_object: HashMap<String, HashMap<ObjectRef, Vec<AnnotationWaiver>>>,
    /// Rule ids that annotations name but no analyzer defines.
    pub notices: Vec<String>,
}

impl Annotations {
    /// Reads the ignore annotations of every object of `inv`.
    pub fn index(inv: &Inventory, catalog: &Catalog) -> Self {
        let mut out = Annotations::default();
        for res in inv.iter() {
            let mut found = Vec::new();
            let own = res.metadata();
            out.read(
                res,
                own,
                FieldPath::root(),
                &FieldPath::parse("metadata"),
                catalog,
                &mut found,
            );
            if let Some(pod) = PodView::of(res) {
                let meta_path = pod.meta_path();
                if !meta_path.is_root() && meta_path != FieldPath::parse("metadata") {
                    let mut scope = meta_path.clone();
                    scope.0.pop();
                    out.read(res, pod.meta, scope, &meta_path, catalog, &mut found);
                }
            }
            if !found.is_empty() {
                let file = res.origin.file.as_deref().unwrap_or_default().to_string();
                out.by_object
                    .entry(file)
                    .or_default()
                    .entry(res.id.clone())
                    .or_default()
                    .extend(found);
            }
        }
        out
    }

    fn read(
        &mut self,
        res: &Resource,
        meta: Option<&serde_json::Value>,
        scope: FieldPath,
        meta_path: &FieldPath,
        catalog: &Catalog,
        found: &mut Vec<AnnotationWaiver>,
    ) {
        let Some(ann) = meta.and_then(|m| m.get("annotations")) else {
            return;
        };
        let Some(value) = ann.get(IGNORE).and_then(|v| v.as_str()) else {
            return;
        };
        let ann_path = meta_path.key("annotations").key(IGNORE);
        let at = describe(res, &ann_path);
        let mut rules = BTreeSet::new();
        let mut all = false;
        for id in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            if id == "*" {
                all = true;
            } else if catalog.get(id).is_some() {
                rules.insert(id.to_string());
            } else if id.eq_ignore_ascii_case("all") {
                self.notices.push(format!(
                    "{at}: '{id}' is not a rule id; write '*' to waive every rule"
                ));
            } else {
                self.notices.push(format!(
                    "{at}: {} in {IGNORE}; it waives nothing",
                    unknown_rule(id, catalog)
                ));
            }
        }
        let reason = ann
            .get(IGNORE_REASON)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let rules = if all {
            Waived::All
        } else {
            Waived::Rules(rules)
        };
        if rules == Waived::Rules(BTreeSet::new()) {
            return;
        }
        found.push(AnnotationWaiver {
            scope,
            rules,
            reason,
            at,
        });
    }

    /// The annotation that waives `f`, if any.
    pub fn waiver(&self, f: &Finding) -> Option<&AnnotationWaiver> {
        if self.by_object.is_empty() {
            return None;
        }
        let file = f.location.as_ref().map_or("", |l| l.file.as_str());
        self.by_object
            .get(file)?
            .get(&f.object)?
            .iter()
            .find(|w| w.rules.covers(&f.rule_id) && f.path.0.starts_with(&w.scope.0))
    }
}

/// `file:line:col (Kind/ns/name)` for the node at `path`, or the object alone.
fn describe(res: &Resource, path: &FieldPath) -> String {
    match res.locate(path) {
        Some(l) => {
            let mut s = l.file;
            if let Some(line) = l.line {
                s.push_str(&format!(":{line}"));
                if let Some(c) = l.column {
                    s.push_str(&format!(":{c}"));
                }
            }
            format!("{s} ({})", res.id.display())
        }
        None => res.id.display(),
    }
}
