//! `selinux-custom-options`.

use bulwark_core::{FieldPath, Mappings, PodView, RuleMeta, Severity};
use serde_json::Value;

use super::{NSA_HARDENING, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

/// SELinux types the baseline Pod Security Standard allows.
const ALLOWED_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Types that switch SELinux confinement off altogether.
const UNCONFINED_TYPES: &[&str] = &["spc_t", "unconfined_t"];

static META: RuleMeta = RuleMeta {
    id: "selinux-custom-options",
    title: "Container sets a custom SELinux type, user or role",
    severity: Severity::Medium,
    category: "pod-security",
    description: "On SELinux nodes, containers run as `container_t` with a per-pod MCS level, \
        which keeps them from host files and from each other. Setting another type, or an \
        SELinux user or role, changes what the policy lets the container touch; `spc_t` (super \
        privileged container) and `unconfined_t` switch confinement off and are reported as \
        high. The baseline Pod Security Standard allows only the types container_t, \
        container_init_t, container_kvm_t and container_engine_t, and no user or role; the \
        `level` is free. The pod's options are checked once (they label the pod sandbox and \
        every container that sets none of its own), then each container's own, as the \
        standard does.",
    remediation: "Remove `type`, `user` and `role` from `seLinuxOptions` (keep `level` if you \
        need a fixed MCS label):\n\
        ```yaml\nsecurityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC],
    mappings: Mappings {
        cis: &["5.6.3"],
        nsa: &[NSA_HARDENING],
        mitre: &["T1611"],
        pss: &["baseline: SELinux"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.8"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static SELINUX_CUSTOM_OPTIONS: Check = Check {
    meta: &META,
    run: CheckFn::Pod(check),
};

fn check(p: &PodView<'_>, emit: &mut Emit<'_>) {
    let (opts, path) = p.pod_sc("seLinuxOptions");
    check_options(emit, opts, path, "the pod");
    for c in p.containers() {
        let (opts, path) = c.sc("seLinuxOptions");
        check_options(emit, opts, path, &c.label());
    }
}

/// Reports the type, user and role of one `seLinuxOptions`; `who` starts
/// the message (`the pod`, `container "web"`).
fn check_options(emit: &mut Emit<'_>, opts: Option<&Value>, path: FieldPath, who: &str) {
    let Some(opts) = opts.filter(|o| o.is_object()) else {
        return;
    };
    let text = |k: &str| opts.get(k).and_then(Value::as_str).unwrap_or_default();
    let ty = text("type");
    if !ALLOWED_TYPES.contains(&ty) {
        let severity = if UNCONFINED_TYPES.contains(&ty) {
            Severity::High
        } else {
            META.severity
        };
        let msg = format!("{who} sets SELinux type {ty}");
        emit.at_severity(severity, path.key("type"), msg);
    }
    for key in ["user", "role"] {
        let v = text(key);
        if !v.is_empty() {
            emit.at(path.key(key), format!("{who} sets SELinux {key} {v}"));
        }
    }
}
