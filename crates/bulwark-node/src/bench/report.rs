//! Benchmark results, per-section summaries and the table rendering.

use std::fmt::Write as _;

use serde::Serialize;

use super::catalog::{GROUPS, Target};
use crate::distro::Distro;
use crate::verdict::Status;

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub status: Status,
    pub title: &'static str,
    pub evidence: Vec<String>,
    pub remediation: String,
    #[serde(skip)]
    pub group: &'static str,
    #[serde(skip)]
    pub target: Target,
    /// bulwark decides it from evidence (PASS or FAIL possible), as
    /// opposed to a check that always needs a person (WARN).
    pub automated: bool,
}

/// Counts by status.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub not_evaluated: usize,
}

impl Summary {
    fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Warn => self.warn += 1,
            Status::NotEvaluated => self.not_evaluated += 1,
        }
    }
}

/// A group of checks (`1.2 API Server`).
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub target: Target,
    pub summary: Summary,
    pub results: Vec<CheckResult>,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub benchmark: &'static str,
    pub distro: Distro,
    pub distro_reason: String,
    pub root: String,
    pub summary: Summary,
    pub sections: Vec<Section>,
}

impl BenchReport {
    pub fn new(
        benchmark: &'static str,
        distro: Distro,
        reason: &str,
        root: &str,
        results: Vec<CheckResult>,
    ) -> Self {
        let mut sections: Vec<Section> = Vec::new();
        let mut total = Summary::default();
        for r in results {
            total.add(r.status);
            if sections.last().is_none_or(|s| s.id != r.group) {
                sections.push(Section {
                    id: r.group,
                    title: GROUPS
                        .iter()
                        .find(|(g, _)| *g == r.group)
                        .map(|(_, t)| *t)
                        .unwrap_or(""),
                    target: r.target,
                    summary: Summary::default(),
                    results: Vec::new(),
                });
            }
            if let Some(s) = sections.last_mut() {
                s.summary.add(r.status);
                s.results.push(r);
            }
        }
        Self {
            benchmark,
            distro,
            distro_reason: reason.to_string(),
            root: root.to_string(),
            summary: total,
            sections,
        }
    }

    pub fn results(&self) -> impl Iterator<Item = &CheckResult> {
        self.sections.iter().flat_map(|s| s.results.iter())
    }

    /// A plain-text table for terminals.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} on {} (distro {}: {})",
            self.benchmark, self.root, self.distro, self.distro_reason
        );
        for s in &self.sections {
            let _ = writeln!(out, "\n[{}] {} ({})", s.id, s.title, s.target.as_str());
            for r in &s.results {
                let _ = writeln!(out, "  {:<14} {:<7} {}", r.status.as_str(), r.id, r.title);
                for e in &r.evidence {
                    let _ = writeln!(out, "  {:<14}         - {e}", "");
                }
                if matches!(r.status, Status::Fail | Status::Warn) {
                    // The first lines of the fix, without Markdown fences.
                    let fix: Vec<&str> = r
                        .remediation
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("```") && !l.trim().is_empty())
                        .take(3)
                        .collect();
                    for (i, l) in fix.iter().enumerate() {
                        let lead = if i == 0 { "fix:" } else { "    " };
                        let _ = writeln!(out, "  {:<14}         {lead} {l}", "");
                    }
                }
            }
            let m = s.summary;
            let _ = writeln!(
                out,
                "  == {}: {} pass, {} fail, {} warn, {} not evaluated",
                s.id, m.pass, m.fail, m.warn, m.not_evaluated
            );
        }
        let m = self.summary;
        let _ = writeln!(
            out,
            "\n== total: {} pass, {} fail, {} warn, {} not evaluated",
            m.pass, m.fail, m.warn, m.not_evaluated
        );
        out
    }
}
