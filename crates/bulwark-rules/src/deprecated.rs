//! Rules on security APIs that Kubernetes removed: PodSecurityPolicy.

use bulwark_core::{FieldPath, Mappings, Resource, RuleMeta, Severity};

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&PSP];

static PSP_META: RuleMeta = RuleMeta {
    id: "pod-security-policy-present",
    title: "PodSecurityPolicy is removed from Kubernetes",
    severity: Severity::Medium,
    category: "deprecated",
    description: "PodSecurityPolicy (`policy/v1beta1`, earlier `extensions/v1beta1`) was \
        deprecated in Kubernetes 1.21 and removed in 1.25. On a current cluster the object is \
        rejected or ignored, so the pod restrictions it was written to enforce are not \
        enforced at all, while the manifest suggests they are. Its replacement is Pod Security \
        Admission (namespace labels), or a policy engine such as ValidatingAdmissionPolicy, \
        Kyverno or Gatekeeper for finer rules.",
    remediation: "Delete the PodSecurityPolicy and its RBAC `use` grants, and enforce a Pod \
        Security Standard on each namespace instead:\n\
        ```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-policy/",
        "https://kubernetes.io/docs/tasks/configure-pod-container/migrate-from-psp/",
    ],
    mappings: Mappings {
        cis: &["5.2.1"],
        nsa: &["Kubernetes Pod security: Pod security enforcement"],
        mitre: &["T1610"],
        pss: &[],
        pci_dss: &["6.3.3"],
        soc2: &["CC7.1"],
        iso27001: &["A.8.8", "A.8.9"],
        hipaa: &[],
    },
};

pub static PSP: Check = Check {
    meta: &PSP_META,
    run: CheckFn::Object(check_psp),
};

fn check_psp(res: &Resource, emit: &mut Emit<'_>) {
    if res.kind() != "PodSecurityPolicy" {
        return;
    }
    let api = res.id.api_version.as_str();
    if !matches!(api, "policy/v1beta1" | "extensions/v1beta1") {
        return;
    }
    emit.at(
        FieldPath::parse("apiVersion"),
        format!(
            "PodSecurityPolicy \"{}\" ({api}) was removed in Kubernetes 1.25: nothing enforces it",
            res.id.name
        ),
    );
}
