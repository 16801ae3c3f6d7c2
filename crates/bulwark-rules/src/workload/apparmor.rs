//! `apparmor-unconfined`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};

use super::shape::{Setting, is_windows, profile_in_effect};
use super::{NSA_HARDENING, PSS_DOC};
use crate::{Check, CheckFn, Emit};

/// Legacy annotation, still copied into the field when a pod is created.
const CONTAINER_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

static META: RuleMeta = RuleMeta {
    id: "apparmor-unconfined",
    title: "Container runs with AppArmor unconfined",
    severity: Severity::High,
    category: "pod-security",
    description: "On nodes with AppArmor, the container runtime confines every container with \
        its default profile, which denies writes to /proc and /sys, mounts and other steps of \
        known escapes. An `Unconfined` profile switches that layer off on purpose. The effective \
        setting is read as Kubernetes does: the container's `appArmorProfile`, else its legacy \
        `container.apparmor.security.beta.kubernetes.io/<name>` annotation, else the pod's \
        `appArmorProfile`. Leaving it unset is fine (the runtime default applies) and is not \
        reported.",
    remediation: "Remove the Unconfined setting, or use the runtime default explicitly:\n\
        ```yaml\nspec:\n  securityContext:\n    appArmorProfile:\n      type: RuntimeDefault\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/tutorials/security/apparmor/",
    ],
    mappings: Mappings {
        cis: &["5.6.3"],
        nsa: &[NSA_HARDENING],
        mitre: &["T1611"],
        pss: &["baseline: AppArmor"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.8"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static APPARMOR_UNCONFINED: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if is_windows(&c.pod) {
        return;
    }
    let found = profile_in_effect(c, "appArmorProfile", CONTAINER_ANNOTATION_PREFIX, None);
    if let Some((Setting::Field("Unconfined") | Setting::Annotation("unconfined"), path, from)) =
        found
    {
        emit.at(
            path,
            format!("{} runs with AppArmor unconfined{from}", c.label()),
        );
    }
}
