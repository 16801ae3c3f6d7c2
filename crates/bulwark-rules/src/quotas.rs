//! Namespaces without a ResourceQuota or a LimitRange: nothing stops one
//! workload (or an attacker's) from starving every other of the node.

use bulwark_core::{FieldPath, Finding, Inventory, Mappings, RuleMeta, Severity};

use crate::{Check, CheckFn};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&NO_QUOTA, &NO_LIMIT_RANGE];

const fn meta(
    id: &'static str,
    title: &'static str,
    description: &'static str,
    remediation: &'static str,
    reference: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        severity: Severity::Low,
        category: "namespaces",
        description,
        remediation,
        references: reference,
        mappings: Mappings {
            cis: &["5.6.1"],
            nsa: &["Network separation and hardening: Resource policies"],
            mitre: &["T1499", "T1496"],
            pss: &[],
            pci_dss: &[],
            soc2: &["A1.1"],
            iso27001: &["A.8.6"],
            hipaa: &[],
        },
    }
}

static QUOTA_META: RuleMeta = meta(
    "namespace-without-resource-quota",
    "Namespace without a ResourceQuota",
    "Without a ResourceQuota a namespace can create pods, services and storage without bound: \
     one compromised or runaway workload (a cryptominer, a fork bomb of Jobs) exhausts the \
     cluster's capacity for every other tenant. Only Namespace objects in the inputs are \
     judged, against the ResourceQuotas in the same inputs.",
    "Give the namespace a quota:\n```yaml\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  \
     name: compute\n  namespace: shop\nspec:\n  hard:\n    requests.cpu: \"4\"\n    \
     requests.memory: 8Gi\n    limits.memory: 16Gi\n    pods: \"50\"\n```",
    &["https://kubernetes.io/docs/concepts/policy/resource-quotas/"],
);

static LIMIT_META: RuleMeta = meta(
    "namespace-without-limit-range",
    "Namespace without a LimitRange",
    "A LimitRange gives containers that set no requests or limits a default and a ceiling; \
     without one, any container that forgets them may take a whole node's memory or CPU. \
     Only Namespace objects in the inputs are judged, against the LimitRanges in the same \
     inputs.",
    "Give the namespace default requests and limits:\n```yaml\napiVersion: v1\nkind: \
     LimitRange\nmetadata:\n  name: defaults\n  namespace: shop\nspec:\n  limits:\n  - \
     type: Container\n    defaultRequest: {cpu: 100m, memory: 128Mi}\n    default: {cpu: \
     500m, memory: 512Mi}\n```",
    &["https://kubernetes.io/docs/concepts/policy/limit-range/"],
);

pub static NO_QUOTA: Check = Check {
    meta: &QUOTA_META,
    run: CheckFn::Inventory(|inv, meta, out| namespaces_without(inv, meta, "ResourceQuota", out)),
};

pub static NO_LIMIT_RANGE: Check = Check {
    meta: &LIMIT_META,
    run: CheckFn::Inventory(|inv, meta, out| namespaces_without(inv, meta, "LimitRange", out)),
};

/// Every Namespace object with no object of `kind` in it.
fn namespaces_without(
    inv: &Inventory,
    meta: &'static RuleMeta,
    kind: &str,
    out: &mut Vec<Finding>,
) {
    let covered: std::collections::BTreeSet<&str> = inv
        .of_kind(kind)
        .filter(|r| r.group().is_empty())
        .filter_map(|r| r.namespace())
        .collect();
    for (name, ns) in inv.namespaces() {
        if !covered.contains(name) {
            out.push(Finding::new(
                meta.id,
                meta.severity,
                ns,
                FieldPath::parse("metadata.name"),
                format!("namespace \"{name}\" has no {kind}"),
            ));
        }
    }
}
