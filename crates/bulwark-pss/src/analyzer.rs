//! The PSS analyzer of `bulwark scan`.
//!
//! By default every workload is evaluated at `restricted` and `latest`
//! (the strictest standard), and each failed check is reported under its
//! own level: baseline checks as `pss-baseline-*`, restricted-only checks
//! as `pss-restricted-*`. A pod that fails baseline therefore shows which
//! standard it misses, and `--fail-on` or a severity filter can tell them
//! apart. One finding per failed check per object, at the first offending
//! field, with the plugin's message (which names every container).

use bulwark_core::{Analyzer, Finding, Inventory, PodView, RuleMeta};

use crate::check::CheckId;
use crate::evaluate::{Options, evaluate};
use crate::exemptions::Exemptions;
use crate::level::{Level, LevelVersion, Version};
use crate::rules::meta;

/// Reports Pod Security Standards violations as findings.
#[derive(Clone, Debug)]
pub struct PssAnalyzer {
    pub level_version: LevelVersion,
    pub options: Options,
    /// Namespaces and runtime classes not evaluated (usernames do not apply
    /// to manifests).
    pub exemptions: Exemptions,
}

impl Default for PssAnalyzer {
    fn default() -> Self {
        Self {
            level_version: LevelVersion::new(Level::Restricted, Version::Latest),
            options: Options::default(),
            exemptions: Exemptions::default(),
        }
    }
}

impl Analyzer for PssAnalyzer {
    fn name(&self) -> &'static str {
        "pss"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        CheckId::ALL
            .into_iter()
            .filter(|c| c.level() <= self.level_version.level)
            .map(meta)
            .collect()
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        for res in inv.iter() {
            let Some(pod) = PodView::of(res) else {
                continue;
            };
            if self
                .exemptions
                .exemption(res.namespace(), &pod, None)
                .is_some()
            {
                continue;
            }
            let ev = evaluate(&pod, self.level_version, &self.options);
            for v in &ev.violations {
                let m = meta(v.check);
                out.push(Finding::new(m.id, m.severity, res, v.path(), v.message()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::{Origin, Resource};
    use serde_json::json;

    #[test]
    fn reports_each_check_under_its_own_level() {
        let inv = Inventory::new(vec![Resource::new(
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "n"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "app", "securityContext": {"privileged": true}}]
            }}}}}}),
            Origin::default(),
            None,
        )]);
        let mut out = Vec::new();
        PssAnalyzer::default().analyze(&inv, &mut out);
        let ids: Vec<_> = out.iter().map(|f| f.rule_id.as_ref()).collect();
        assert_eq!(
            ids,
            [
                "pss-baseline-privileged",
                "pss-restricted-allow-privilege-escalation",
                "pss-restricted-capabilities",
                "pss-restricted-run-as-non-root",
                "pss-restricted-seccomp-profile",
            ]
        );
        assert_eq!(
            out[0].path.to_string(),
            "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"
        );
        assert_eq!(
            out[0].message,
            "privileged (container \"app\" must not set securityContext.privileged=true)"
        );

        let baseline = PssAnalyzer {
            level_version: LevelVersion::new(Level::Baseline, Version::Latest),
            ..PssAnalyzer::default()
        };
        assert_eq!(baseline.rules().len(), 12);
        let mut out = Vec::new();
        baseline.analyze(&inv, &mut out);
        assert_eq!(out.len(), 1);

        let exempt = PssAnalyzer {
            exemptions: Exemptions {
                namespaces: vec!["n".into()],
                ..Exemptions::default()
            },
            ..PssAnalyzer::default()
        };
        let mut out = Vec::new();
        exempt.analyze(&inv, &mut out);
        assert!(out.is_empty());
    }
}
