//! The finished result of a scan, as every renderer sees it.

use std::collections::BTreeMap;

use bulwark_core::{Catalog, Finding, InputError, Severity, Skipped};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// Counts and the account of every input.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
    /// Findings waived by annotations, config or baseline (counted, never dropped silently).
    pub suppressed: usize,
    /// Objects counted on their owner's template, not analysed on their own.
    pub folded: usize,
    /// Every document and list item read, and what became of each.
    pub documents: bulwark_core::Tally,
    pub by_severity: BTreeMap<Severity, usize>,
}

/// A complete scan result.
#[derive(Clone, Debug)]
pub struct Report {
    pub tool: Tool,
    pub summary: Summary,
    /// Findings in the deterministic order of [`bulwark_core::finding::sort_findings`].
    pub findings: Vec<Finding>,
    /// Metadata of every rule that ran.
    pub catalog: Catalog,
    /// Compliance framework scores, when the command computed them (for
    /// Prometheus, HTML and `bulwark compliance`); empty otherwise.
    pub compliance: Vec<bulwark_compliance::FrameworkScore>,
}
