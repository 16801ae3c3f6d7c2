//! `privileged-container`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity, value::is_true};

use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "privileged-container",
    title: "Container runs privileged",
    severity: Severity::Critical,
    category: "workload",
    description: "A privileged container has every Linux capability and access to all host \
        devices; it can load kernel modules, mount the host filesystem and escape to the node. \
        Compromise of the container is compromise of the node and every pod on it.",
    remediation: "Remove `privileged: true`, and grant only the capabilities the process needs:\n\
        ```yaml\nsecurityContext:\n  privileged: false\n  capabilities:\n    drop: [\"ALL\"]\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    mappings: Mappings {
        cis: &["5.2.2"],
        nsa: &["Pod security: non-root containers and immutable filesystems"],
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
    let (v, path) = c.sc("privileged");
    if is_true(v) {
        emit.at(path, format!("{} runs privileged", c.label()));
    }
}
