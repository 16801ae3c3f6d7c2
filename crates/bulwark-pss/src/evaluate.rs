//! Evaluating one pod template against a level and version.

use bulwark_core::{PodView, Resource};
use serde::Serialize;

use crate::check::{CheckId, Violation};
use crate::checks::{PodCtx, REGISTRY};
use crate::level::{Level, LevelVersion};

/// Switches that change the plugin's answers, each named after what it
/// models upstream. The defaults are the plugin's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The `UserNamespacesPodSecurityStandards` feature gate (alpha, off by
    /// default, since removed upstream): when on, pods with `hostUsers:
    /// false` pass runAsNonRoot and runAsUser at every version.
    pub relax_user_namespace_pods: bool,
}

/// The answer for one pod at one level and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub level: Level,
    pub version: crate::level::Version,
    pub allowed: bool,
    /// Failed checks, baseline ones first (see [`CheckId::ALL`]).
    pub violations: Vec<Violation>,
}

impl Evaluation {
    /// The ids of the failed checks.
    pub fn failed_checks(&self) -> impl Iterator<Item = CheckId> + '_ {
        self.violations.iter().map(|v| v.check)
    }

    /// The plugin's one-line summary: `reason (detail), reason (detail)`.
    pub fn forbidden_detail(&self) -> String {
        let parts: Vec<String> = self.violations.iter().map(Violation::message).collect();
        parts.join(", ")
    }
}

/// Evaluates a pod template as the admission plugin would.
///
/// Every baseline check runs at restricted too, so a restricted evaluation
/// lists baseline failures under their own (baseline) check ids. The
/// privileged level allows everything.
pub fn evaluate(pod: &PodView<'_>, lv: LevelVersion, opts: &Options) -> Evaluation {
    let mut violations = Vec::new();
    if lv.level != Level::Privileged {
        let ctx = PodCtx::new(*pod);
        let minor = lv.version.effective_minor();
        for reg in REGISTRY {
            if reg.id.level() > lv.level {
                continue;
            }
            if let Some(f) = reg.at(minor)
                && let Some(v) = f(&ctx, opts)
            {
                violations.push(v);
            }
        }
    }
    Evaluation {
        level: lv.level,
        version: lv.version,
        allowed: violations.is_empty(),
        violations,
    }
}

/// Evaluates the pod template of any workload kind; `None` for objects
/// without one.
pub fn evaluate_resource(res: &Resource, lv: LevelVersion, opts: &Options) -> Option<Evaluation> {
    PodView::of(res).map(|p| evaluate(&p, lv, opts))
}
