//! Which findings the user asked to see: `--severity`, `--rule`,
//! `--skip-rule`, `--category`. Findings outside the selection are not
//! waivers; they are simply not what this run looks at.

use std::collections::BTreeSet;

use bulwark_core::{Catalog, Finding, RuleMeta, Severity};

use crate::suggest::{unknown_category, unknown_rule};

/// The user's selection, checked against the catalog.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Report findings at or above this severity.
    pub min_severity: Option<Severity>,
    /// When not empty, only these rules.
    pub rules: BTreeSet<String>,
    pub skip_rules: BTreeSet<String>,
    /// When not empty, only rules of these categories.
    pub categories: BTreeSet<String>,
}

impl Selection {
    /// Every id and category that the catalog does not know, as messages.
    pub fn validate(&self, catalog: &Catalog) -> Vec<String> {
        let mut out = Vec::new();
        for id in self.rules.iter().chain(&self.skip_rules) {
            if catalog.get(id).is_none() {
                out.push(unknown_rule(id, catalog));
            }
        }
        let known: BTreeSet<&str> = catalog.iter().map(|r| r.category).collect();
        for c in &self.categories {
            if !known.contains(c.as_str()) {
                out.push(unknown_category(c, catalog));
            }
        }
        out
    }

    /// Whether `f` is in the selection. A finding's category is its rule's;
    /// a finding of a rule the catalog lacks has no category.
    pub fn selects(&self, f: &Finding, catalog: &Catalog) -> bool {
        if self.min_severity.is_some_and(|m| f.severity < m) {
            return false;
        }
        let id: &str = &f.rule_id;
        self.selects_id(id, catalog.get(id).map(|r| r.category))
    }

    /// Whether the findings of rule `r`, at its own severity, are in the
    /// selection: a rule left out said nothing, which is not a pass.
    pub fn selects_rule(&self, r: &RuleMeta) -> bool {
        self.min_severity.is_none_or(|m| r.severity >= m) && self.selects_id(r.id, Some(r.category))
    }

    fn selects_id(&self, id: &str, category: Option<&str>) -> bool {
        if !self.rules.is_empty() && !self.rules.contains(id) {
            return false;
        }
        if self.skip_rules.contains(id) {
            return false;
        }
        if !self.categories.is_empty() && !category.is_some_and(|c| self.categories.contains(c)) {
            return false;
        }
        true
    }
}
