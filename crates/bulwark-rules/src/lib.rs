//! The built-in rule catalog, one module per family.
//!
//! A rule is a [`Check`]: its metadata next to a function of one shape
//! (per object, per pod, per container, or over the whole inventory). The
//! shapes are written once here; a rule only says what it looks for.

pub mod admission;
pub mod check;
pub mod deprecated;
pub mod duplicates;
pub mod images;
pub mod ingress;
pub mod ingress_edge;
mod ingress_mesh;
pub mod mesh;
pub mod namespaces;
pub mod quotas;
pub mod secrets;
pub mod service_accounts;
pub mod services;
pub mod settings;
pub mod versions;
pub mod workload;

use bulwark_core::{Analyzer, Finding, Inventory, PodView, RuleMeta};
use rayon::prelude::*;

pub use check::{Check, CheckFn, Emit};
pub use duplicates::DuplicateObjects;
pub use settings::RuleSettings;

/// Every built-in check, in catalog order.
pub fn checks() -> Vec<&'static Check> {
    let mut v: Vec<&'static Check> = Vec::new();
    v.extend(workload::CHECKS);
    v.extend(images::CHECKS);
    v.extend(service_accounts::CHECKS);
    v.extend(secrets::CHECKS);
    v.extend(namespaces::CHECKS);
    v.extend(services::CHECKS);
    v.extend(ingress::CHECKS);
    v.push(&ingress_edge::EDGE_UNPROTECTED);
    v.extend(mesh::CHECKS);
    v.extend(deprecated::CHECKS);
    v.extend(admission::CHECKS);
    v.extend(quotas::CHECKS);
    v.extend(versions::CHECKS);
    v
}

/// The analyzer that runs the built-in catalog, with the settings of the
/// rules that read `rule_settings:` (defaults: [`BuiltinRules::default`]).
#[derive(Clone, Debug, Default)]
pub struct BuiltinRules {
    pub settings: RuleSettings,
}

impl BuiltinRules {
    pub fn with_settings(settings: RuleSettings) -> Self {
        Self { settings }
    }
}

impl Analyzer for BuiltinRules {
    fn name(&self) -> &'static str {
        "built-in rules"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        checks().into_iter().map(|c| c.meta).collect()
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        let checks = checks();
        // Per-object shapes: one pass over the objects, the pod view built
        // once per object and shared by every pod and container check.
        let per_object: Vec<Finding> = inv
            .resources
            .par_iter()
            .fold(Vec::new, |mut acc, res| {
                let pod = PodView::of(res);
                for c in &checks {
                    let mut emit = Emit::new(c.meta, res, &mut acc);
                    match c.run {
                        CheckFn::Object(f) => f(res, &mut emit),
                        CheckFn::Pod(f) => {
                            if let Some(p) = &pod {
                                f(p, &mut emit)
                            }
                        }
                        CheckFn::Container(f) => {
                            if let Some(p) = &pod {
                                for ctr in p.containers() {
                                    f(&ctr, &mut emit)
                                }
                            }
                        }
                        CheckFn::Inventory(_) | CheckFn::Configured(_) => {}
                    }
                }
                acc
            })
            .reduce(Vec::new, |mut a, b| {
                a.extend(b);
                a
            });
        out.extend(per_object);
        for c in &checks {
            match c.run {
                CheckFn::Inventory(f) => f(inv, c.meta, out),
                CheckFn::Configured(f) => f(inv, &self.settings, c.meta, out),
                _ => {}
            }
        }
    }
}
