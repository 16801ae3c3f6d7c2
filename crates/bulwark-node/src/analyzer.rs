//! The `scan` side: node checks on config files found among the inputs
//! (static pod manifests, KubeletConfiguration, EncryptionConfiguration,
//! audit Policy, kubeconfig). No I/O here: the loader made the Resources.

use bulwark_core::{Analyzer, Finding, Inventory, Resource, RuleMeta};

use crate::checks::{
    audit_policy, control_plane, encryption, kubeconfig, kubelet as kchecks, legacy_flags,
};
use crate::kubelet::{KubeletView, is_kubelet_config};
use crate::manifest;
use crate::verdict::{Status, Verdict};

/// Runs every node check on the config files of an inventory.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeConfigAnalyzer;

/// Every rule `scan` can report from node config files.
pub fn rules() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = control_plane::FLAG_CHECKS
        .iter()
        .filter_map(|c| c.meta.as_ref())
        .collect();
    v.extend(legacy_flags::LEGACY_CHECKS.iter().map(|c| &c.meta));
    v.extend(kchecks::KUBELET_CHECKS.iter().map(|c| &c.meta));
    v.extend(encryption::RULES.iter().copied());
    v.extend(audit_policy::RULES.iter().copied());
    v.extend(kubeconfig::RULES.iter().copied());
    v
}

fn emit(out: &mut Vec<Finding>, meta: &'static RuleMeta, res: &Resource, v: Verdict) {
    if v.status == Status::Pass {
        return;
    }
    let path = v.at.clone().unwrap_or_default();
    out.push(Finding::new(
        meta.id,
        meta.severity,
        res,
        path,
        v.evidence.join("; "),
    ));
}

/// The findings for one object.
pub fn analyze_resource(res: &Resource, out: &mut Vec<Finding>) {
    match res.kind() {
        _ if bulwark_core::PodView::of(res).is_some() => {
            for flags in manifest::components(res) {
                for c in control_plane::FLAG_CHECKS
                    .iter()
                    .filter(|c| c.component == flags.component)
                {
                    if let Some(meta) = &c.meta {
                        emit(out, meta, res, c.eval(&flags));
                    }
                }
                for c in legacy_flags::LEGACY_CHECKS
                    .iter()
                    .filter(|c| c.component == flags.component)
                {
                    emit(out, &c.meta, res, (c.eval)(&flags));
                }
            }
        }
        _ if is_kubelet_config(res) => {
            let view = KubeletView {
                docs: std::slice::from_ref(res),
                flags: None,
                config_file: true,
            };
            for c in kchecks::KUBELET_CHECKS {
                emit(out, &c.meta, res, (c.eval)(&view));
            }
        }
        _ if encryption::is_encryption_config(res) => {
            for (m, v) in encryption::findings(res) {
                emit(out, m, res, v);
            }
        }
        _ if audit_policy::is_audit_policy(res) => {
            for (m, v) in audit_policy::findings(res) {
                emit(out, m, res, v);
            }
        }
        _ if kubeconfig::is_kubeconfig(res) => {
            for (m, v) in kubeconfig::findings(res) {
                emit(out, m, res, v);
            }
        }
        _ => {}
    }
}

impl Analyzer for NodeConfigAnalyzer {
    fn name(&self) -> &'static str {
        "node config"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        rules()
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        for res in inv.iter() {
            analyze_resource(res, out);
        }
    }
}
