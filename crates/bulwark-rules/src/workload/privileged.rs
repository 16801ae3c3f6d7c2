//! `privileged-container`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};

use super::shape::{Level, forbid_true};
use super::{NSA_ENFORCEMENT, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "privileged-container",
    title: "Container runs privileged",
    severity: Severity::Critical,
    category: "pod-security",
    description: "A privileged container has every Linux capability and access to all host \
        devices; it can load kernel modules, mount the host filesystem and escape to the node. \
        Compromise of the container is compromise of the node and every pod on it.",
    remediation: "Remove `privileged: true`, and grant only the capabilities the process needs:\n\
        ```yaml\nsecurityContext:\n  privileged: false\n  capabilities:\n    drop: [\"ALL\"]\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC],
    mappings: Mappings {
        cis: &["5.2.2"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1611"],
        pss: &["baseline: Privileged Containers"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static PRIVILEGED: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    forbid_true(c, emit, Level::Container, "privileged", "runs privileged");
}
