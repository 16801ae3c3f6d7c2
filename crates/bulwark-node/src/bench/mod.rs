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
    let checks: Vec<&BenchCheck> = CIS_1_12
        .iter()
        .chain(EXTRA)
        .filter(|c| opts.targets.is_empty() || opts.targets.contains(&c.target))
        .collect();
    let ctx = eval::Ctx::new(&host.snapshot, &host.model, &opts.policy_rules, now);
    let mut results: Vec<CheckResult> = checks.iter().map(|c| ctx.result(c)).collect();
    // Every running process of a component is judged, not only the first:
    // a check fails when any of them fails it.
    for (c, flags) in &host.model.others {
        let model = host.model.with_process(*c, flags.clone(), &host.snapshot);
        let ctx = eval::Ctx::new(&host.snapshot, &model, &opts.policy_rules, now);
        for (r, check) in results.iter_mut().zip(&checks) {
            worst_of(r, ctx.result(check));
        }
    }
    BenchReport::new(
        "cis-1.12",
        host.model.distro,
        &host.distro_reason,
        &host.snapshot.root,
        results,
    )
}

/// Folds another process's result into `r`: the worse status wins
/// (`Fail` > `NotEvaluated` > `Warn` > `Pass`, as [`crate::verdict::Verdict::all`]),
/// and evidence not already there is added.
fn worst_of(r: &mut CheckResult, other: CheckResult) {
    use crate::verdict::Status;
    let rank = |s: Status| match s {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::NotEvaluated => 2,
        Status::Fail => 3,
    };
    if rank(other.status) > rank(r.status) {
        r.status = other.status;
    }
    for e in other.evidence {
        if !r.evidence.contains(&e) {
            r.evidence.push(e);
        }
    }
}
