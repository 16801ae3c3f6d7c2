//! `privilege-escalation-allowed`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::capabilities::adds;
use super::shape::{is_windows, require_bool};
use super::{NSA_NON_ROOT, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "privilege-escalation-allowed",
    title: "Container allows privilege escalation",
    severity: Severity::Medium,
    category: "pod-security",
    description: "`allowPrivilegeEscalation` controls the kernel's no_new_privs flag. Unless it \
        is false, a process in the container can gain more privileges than its parent through \
        setuid/setgid binaries or file capabilities, turning a foothold as an unprivileged user \
        into root inside the container, the first step of most escapes. The field defaults to \
        true, so it must be set explicitly. Kubernetes always allows escalation for a privileged \
        container or one that adds CAP_SYS_ADMIN, whatever the field says; those are reported \
        too. Pods with `spec.os.name: windows` are skipped: the field does not exist there.",
    remediation: "Set it on every container (it has no pod-level form):\n\
        ```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n  privileged: false\n  \
        capabilities:\n    drop: [\"ALL\"]\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC],
    mappings: Mappings {
        cis: &["5.2.6"],
        nsa: &[NSA_NON_ROOT],
        mitre: &["T1548.001", "T1068"],
        pss: &["restricted: Privilege Escalation"],
        pci_dss: &["2.2.1", "7.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.2"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static PRIVILEGE_ESCALATION: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if is_windows(&c.pod) {
        return;
    }
    let unset = "it defaults to true";
    if !require_bool(c, emit, "allowPrivilegeEscalation", false, unset) {
        return;
    }
    let why = if c.sc("privileged").0 == Some(&Value::Bool(true)) {
        "runs privileged"
    } else if adds(c, "SYS_ADMIN") {
        "adds CAP_SYS_ADMIN"
    } else {
        return;
    };
    let (_, path) = c.sc("allowPrivilegeEscalation");
    emit.at(
        path,
        format!(
            "{} sets allowPrivilegeEscalation: false but {why}, which always allows escalation",
            c.label()
        ),
    );
}
