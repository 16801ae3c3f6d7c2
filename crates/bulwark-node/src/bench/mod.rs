//! The `node` side: every CIS Kubernetes Benchmark check evaluated on a
//! collected host, each with a status, evidence and remediation.

pub mod catalog;
mod eval;
pub mod junit;
pub mod report;
pub mod sarif;

pub use catalog::{BenchCheck, CIS_1_12, EXTRA, Target};
pub use report::{BenchReport, CheckResult, Section, Summary};

use crate::collect::Collected;

/// A rule of another analyzer that covers a section 5 check.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    pub rule_id: String,
    /// The command that runs it (`bulwark scan`, `bulwark rbac`).
    pub command: String,
    pub cis: Vec<String>,
}

/// What to evaluate.
#[derive(Clone, Debug, Default)]
pub struct BenchOptions {
    /// Empty: every target.
    pub targets: Vec<Target>,
    pub policy_rules: Vec<PolicyRule>,
    /// Unix seconds certificates are judged at; `None`: now.
    pub now: Option<i64>,
}

/// Evaluates the benchmark on a collected host.
pub fn run(host: &Collected, opts: &BenchOptions) -> BenchReport {
    let now = opts.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    let ctx = eval::Ctx::new(host, &opts.policy_rules, now);
    let mut results = Vec::new();
    for check in CIS_1_12.iter().chain(EXTRA) {
        if !opts.targets.is_empty() && !opts.targets.contains(&check.target) {
            continue;
        }
        results.push(ctx.result(check));
    }
    BenchReport::new(
        "cis-1.12",
        host.model.distro,
        &host.distro_reason,
        &host.snapshot.root,
        results,
    )
}
