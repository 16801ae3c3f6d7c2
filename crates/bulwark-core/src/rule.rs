//! Rule metadata and the analyzer interface.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::inventory::Inventory;

/// Framework ids a rule maps to. Empty where a framework does not apply.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Mappings {
    /// CIS Kubernetes Benchmark ids (`5.2.2`).
    pub cis: &'static [&'static str],
    /// NSA-CISA Kubernetes Hardening Guidance sections.
    pub nsa: &'static [&'static str],
    /// MITRE ATT&CK technique ids (`T1611`).
    pub mitre: &'static [&'static str],
    /// Pod Security Standards level and control (`baseline: Privileged Containers`).
    pub pss: &'static [&'static str],
    pub pci_dss: &'static [&'static str],
    pub soc2: &'static [&'static str],
    pub iso27001: &'static [&'static str],
    pub hipaa: &'static [&'static str],
}

impl Mappings {
    /// Every framework with its display name and ids, in a fixed order
    /// (empty ones included), so every output names them the same way.
    pub fn named(&self) -> [(&'static str, &'static [&'static str]); 8] {
        [
            ("CIS Kubernetes Benchmark", self.cis),
            ("NSA-CISA hardening guidance", self.nsa),
            ("MITRE ATT&CK", self.mitre),
            ("Pod Security Standards", self.pss),
            ("PCI DSS", self.pci_dss),
            ("SOC 2", self.soc2),
            ("ISO 27001", self.iso27001),
            ("HIPAA", self.hipaa),
        ]
    }

    pub const NONE: Mappings = Mappings {
        cis: &[],
        nsa: &[],
        mitre: &[],
        pss: &[],
        pci_dss: &[],
        soc2: &[],
        iso27001: &[],
        hipaa: &[],
    };
}

/// Stable metadata of one rule, kept next to its code.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleMeta {
    /// Stable kebab-case slug; never reused.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    /// Why it matters.
    pub description: &'static str,
    /// What to change, with a YAML fragment.
    pub remediation: &'static str,
    pub references: &'static [&'static str],
    pub mappings: Mappings,
}

/// An analyzer reads an inventory and reports findings for its rules.
///
/// Analyzers know nothing of where objects came from, nor of how findings
/// are shown.
pub trait Analyzer: Send + Sync {
    /// Short name for messages (`workload rules`, `pss`).
    fn name(&self) -> &'static str;
    /// Every rule this analyzer can report.
    fn rules(&self) -> Vec<&'static RuleMeta>;
    /// Appends the findings for `inv` to `out`.
    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>);
}

/// All rules known to one run, by id.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    rules: BTreeMap<&'static str, &'static RuleMeta>,
}

impl Catalog {
    pub fn from_analyzers(analyzers: &[Box<dyn Analyzer>]) -> Self {
        let mut c = Catalog::default();
        for a in analyzers {
            for r in a.rules() {
                c.rules.insert(r.id, r);
            }
        }
        c
    }

    /// Adds rules that come from outside the analyzers (a webhook's
    /// policies, judged on the request rather than on an inventory).
    pub fn extend(&mut self, rules: impl IntoIterator<Item = &'static RuleMeta>) {
        for r in rules {
            self.rules.insert(r.id, r);
        }
    }

    pub fn get(&self, id: &str) -> Option<&'static RuleMeta> {
        self.rules.get(id).copied()
    }

    /// Rules sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &'static RuleMeta> + '_ {
        self.rules.values().copied()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
