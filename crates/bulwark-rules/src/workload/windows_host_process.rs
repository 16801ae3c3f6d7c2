//! `windows-host-process`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};

use super::shape::{Level, forbid_true};
use super::{NSA_ENFORCEMENT, PSS_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "windows-host-process",
    title: "Container runs as a Windows HostProcess container",
    severity: Severity::Critical,
    category: "pod-security",
    description: "A Windows HostProcess container runs directly on the node, in the host's \
        network and process space, with access to the node's filesystem and, commonly, as \
        SYSTEM or an administrator. It is the Windows equivalent of a privileged container with \
        host namespaces: compromise of the container is compromise of the node. The setting is \
        read from the container's `windowsOptions.hostProcess`, else the pod's.",
    remediation: "Remove `hostProcess: true`; reserve HostProcess containers for node agents in \
        a dedicated, locked-down namespace:\n\
        ```yaml\nsecurityContext:\n  windowsOptions:\n    hostProcess: false\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
    ],
    mappings: Mappings {
        cis: &["5.2.10"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1611"],
        pss: &["baseline: HostProcess"],
        pci_dss: &["2.2.1", "7.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.2", "A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static WINDOWS_HOST_PROCESS: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let what = "runs as a Windows HostProcess container";
    forbid_true(
        c,
        emit,
        Level::Inherited,
        "windowsOptions.hostProcess",
        what,
    );
}
