//! `proc-mount-unmasked`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::shape::{Level, lookup};
use super::{NSA_HARDENING, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "proc-mount-unmasked",
    title: "Container unmasks /proc",
    severity: Severity::High,
    category: "pod-security",
    description: "By default the runtime masks and makes read-only the sensitive parts of the \
        container's /proc (/proc/kcore, /proc/sys, /proc/sysrq-trigger and others). \
        `procMount: Unmasked` removes those masks, exposing kernel memory and tunables that \
        help an attacker escape or attack the node. Any value other than `Default` is \
        reported, as the baseline Pod Security Standard forbids it, except in pods with their \
        own user namespace (`hostUsers: false`), where the standard allows it since v1.35: \
        the unmasked /proc then belongs to an unprivileged user on the node.",
    remediation: "Remove `procMount` or set it to Default:\n\
        ```yaml\nsecurityContext:\n  procMount: Default\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC],
    mappings: Mappings {
        cis: &["5.6.3"],
        nsa: &[NSA_HARDENING],
        mitre: &["T1611"],
        pss: &["baseline: /proc Mount Type"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.8"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static PROC_MOUNT_UNMASKED: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if c.pod.field("hostUsers").0 == Some(&Value::Bool(false)) {
        return;
    }
    let (v, path) = lookup(c, Level::Container, "procMount");
    match v {
        None => {}
        Some(Value::String(s)) if s == "Default" => {}
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string);
            emit.at(path, format!("{} sets procMount: {shown}", c.label()));
        }
    }
}
