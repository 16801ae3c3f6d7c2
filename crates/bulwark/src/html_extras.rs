//! The HTML report's views that are not findings, computed from each
//! context the scan analyzed: RBAC escalation paths (bulwark-rbac) and the
//! NetworkPolicy reachability matrix (bulwark-netpol). Wiring only: the
//! analyzers compute, bulwark-report draws.

use std::collections::BTreeMap;

use bulwark_core::Inventory;
use bulwark_report::html::{Escalation, Extras, Reachability, Step};

/// Escalation paths shown per context; the count of the rest is said.
const MAX_PATHS: usize = 100;
/// Workloads in one matrix (rows and columns).
const MAX_WORKLOADS: usize = 40;

pub fn extras(subject: &str, contexts: &[Inventory]) -> Extras {
    let mut x = Extras {
        subject: subject.to_string(),
        ..Default::default()
    };
    let named = contexts.len() > 1;
    for inv in contexts {
        let label = if named {
            format!("{}: ", context_name(inv))
        } else {
            String::new()
        };
        escalations(inv, &label, &mut x);
        reachability(inv, &label, &mut x);
    }
    x
}

/// A context is named by the directory its files share (`examples/insecure`).
fn context_name(inv: &Inventory) -> String {
    let mut common: Option<Vec<&str>> = None;
    for r in inv.iter() {
        let Some(f) = r.origin.file.as_deref() else {
            continue;
        };
        let mut dir: Vec<&str> = f.split('/').collect();
        dir.pop();
        common = Some(match common {
            None => dir,
            Some(c) => c
                .iter()
                .zip(&dir)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    match common {
        Some(c) if !c.is_empty() => c.join("/"),
        _ => "(inputs)".into(),
    }
}

fn escalations(inv: &Inventory, label: &str, x: &mut Extras) {
    let rbac = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];
    if !inv.iter().any(|r| rbac.contains(&r.kind())) {
        return;
    }
    // The kubeadm defaults the inputs do not define, so that bindings to
    // cluster-admin, edit or view resolve (as the scan's RBAC rules do);
    // their own system subjects are not starting points.
    let extra = bulwark_rbac::defaults::missing_from(inv.iter()).unwrap_or_default();
    let m = bulwark_rbac::Model::from_resources(inv.iter().chain(extra.iter()));
    let secrets = inv.of_kind("Secret").map(|r| &r.value);
    let report = bulwark_rbac::escalation::Finder::new(&m)
        .with_secrets(secrets)
        .report(false);
    let total = report.paths.len();
    for p in report.paths.into_iter().take(MAX_PATHS) {
        x.escalations.push(Escalation {
            subject: format!("{label}{}", p.subject),
            steps: p
                .steps
                .into_iter()
                .map(|s| Step {
                    to: s.to,
                    via: match (&s.namespace, s.certain) {
                        (Some(ns), true) => format!("{} (in {ns})", s.explanation),
                        (Some(ns), false) => format!("{} (in {ns}; possible)", s.explanation),
                        (None, true) => s.explanation,
                        (None, false) => format!("{} (possible)", s.explanation),
                    },
                })
                .collect(),
        });
    }
    if total > MAX_PATHS {
        x.not_evaluated.push(format!(
            "{label}{} more RBAC escalation paths are not drawn: `bulwark rbac escalations` lists them all",
            total - MAX_PATHS
        ));
    }
}

fn reachability(inv: &Inventory, label: &str, x: &mut Extras) {
    let model = bulwark_netpol::model::Model::build(inv, Default::default());
    if model.topo.workloads.len() < 2 {
        return;
    }
    if model.has_errors() {
        x.not_evaluated.push(format!(
            "{label}NetworkPolicy reachability: the policies have errors (`bulwark netpol reach` names them)"
        ));
        return;
    }
    let names: Vec<String> = model.topo.workloads.iter().map(|w| w.display()).collect();
    let omitted = names.len().saturating_sub(MAX_WORKLOADS);
    let names: Vec<String> = names.into_iter().take(MAX_WORKLOADS).collect();
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut cells = vec![vec![String::new(); names.len()]; names.len()];
    for v in model.reachability().views() {
        if let (Some(&i), Some(&j)) = (index.get(v.src.as_str()), index.get(v.dst.as_str())) {
            cells[i][j] = v.conns.to_string();
        }
    }
    x.reachability.push(Reachability {
        title: format!("{label}{} workloads", names.len() + omitted),
        workloads: names,
        cells,
        omitted,
    });
}
