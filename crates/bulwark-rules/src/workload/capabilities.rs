//! `capabilities-not-dropped` and `dangerous-capabilities`.

use bulwark_core::pod::{RUNTIME_DEFAULT_CAPABILITIES, baseline_allows_capability};
use bulwark_core::{ContainerView, FieldPath, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::shape::is_windows;
use super::{NSA_ENFORCEMENT, NSA_HARDENING, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

const CAPABILITIES_DOC: &str = "https://man7.org/linux/man-pages/man7/capabilities.7.html";

use bulwark_core::pod::normalize_capability as normalize;

/// The capabilities listed under `securityContext.capabilities.<list>`
/// (`add` or `drop`), normalised, with their paths.
fn listed<'a>(
    c: &ContainerView<'a>,
    list: &str,
) -> impl Iterator<Item = (String, &'a str, FieldPath)> + 'a {
    let (v, base) = c.sc(&format!("capabilities.{list}"));
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(move |(i, v)| {
            let raw = v.as_str()?;
            Some((normalize(raw), raw, base.index(i)))
        })
}

/// Whether the container adds capability `cap` (normalised spelling).
pub(super) fn adds(c: &ContainerView<'_>, cap: &str) -> bool {
    listed(c, "add").any(|(n, _, _)| n == cap)
}

static NOT_DROPPED_META: RuleMeta = RuleMeta {
    id: "capabilities-not-dropped",
    title: "Container does not drop all capabilities",
    severity: Severity::Low,
    category: "pod-security",
    description: "Container runtimes hand every container a default set of Linux capabilities \
        (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_BIND_SERVICE, KILL and others; \
        NET_RAW on some runtimes). Few applications need any of them, and each one widens what \
        an attacker can do after a compromise: spoof packets, change file ownership, switch \
        users. Dropping ALL and adding back only what the process needs is the least-privilege \
        baseline the restricted Pod Security Standard requires. A `drop` list that names every \
        capability of the runtimes' default set (as Polaris accepts) leaves none and passes \
        too. Pods with `spec.os.name: windows` are skipped: the field does not exist there.",
    remediation: "Drop every capability, then add back only what the process needs:\n\
        ```yaml\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    \
        add: [\"NET_BIND_SERVICE\"]   # only if it binds a port below 1024\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC, CAPABILITIES_DOC],
    mappings: Mappings {
        cis: &["5.2.9"],
        nsa: &[NSA_HARDENING],
        mitre: &["T1611", "T1068"],
        pss: &["restricted: Capabilities"],
        pci_dss: &["2.2.1", "7.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.2", "A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static NOT_DROPPED: Check = Check {
    meta: &NOT_DROPPED_META,
    run: CheckFn::Container(check_dropped),
};

fn check_dropped(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if is_windows(&c.pod) {
        return;
    }
    let dropped: Vec<String> = listed(c, "drop").map(|(n, _, _)| n).collect();
    if dropped.iter().any(|n| n == "ALL") {
        return;
    }
    let kept: Vec<&str> = RUNTIME_DEFAULT_CAPABILITIES
        .iter()
        .copied()
        .filter(|d| !dropped.iter().any(|n| n == d))
        .collect();
    if kept.is_empty() {
        return;
    }
    let (_, path) = c.sc("capabilities.drop");
    let msg = if dropped.is_empty() {
        format!("{} does not drop ALL capabilities", c.label())
    } else {
        format!(
            "{} does not drop ALL capabilities and keeps {}",
            c.label(),
            kept.join(", ")
        )
    };
    emit.at(path, msg);
}

/// Capabilities with a known path out of the container or onto the node,
/// with the severity of adding them and why. Others outside the baseline
/// set are reported at the rule's medium severity.
const DANGEROUS: &[(&str, Severity, &str)] = &[
    ("ALL", Severity::Critical, "every capability"),
    (
        "SYS_ADMIN",
        Severity::Critical,
        "mount filesystems, use namespaces and cgroups: a known escape to the node",
    ),
    (
        "SYS_MODULE",
        Severity::Critical,
        "load kernel modules into the node's kernel",
    ),
    (
        "SYS_RAWIO",
        Severity::Critical,
        "raw I/O on devices and kernel memory",
    ),
    (
        "DAC_READ_SEARCH",
        Severity::Critical,
        "read any host file by handle: the \"shocker\" escape",
    ),
    (
        "SYS_PTRACE",
        Severity::High,
        "trace and inject code into other processes",
    ),
    ("BPF", Severity::High, "load eBPF programs into the kernel"),
    (
        "PERFMON",
        Severity::High,
        "kernel performance monitoring; with BPF, read kernel memory",
    ),
    (
        "NET_ADMIN",
        Severity::High,
        "reconfigure interfaces, routes and firewall rules",
    ),
    (
        "NET_RAW",
        Severity::High,
        "raw sockets: packet spoofing, ARP and DNS poisoning of neighbours",
    ),
    ("SYS_BOOT", Severity::High, "reboot the node"),
    ("SYS_TIME", Severity::High, "set the node's clock"),
    (
        "MAC_ADMIN",
        Severity::High,
        "change AppArmor or SELinux policy",
    ),
    (
        "MAC_OVERRIDE",
        Severity::High,
        "bypass mandatory access control",
    ),
    (
        "AUDIT_CONTROL",
        Severity::High,
        "change or disable kernel auditing",
    ),
    (
        "SYSLOG",
        Severity::High,
        "read kernel addresses from the kernel log",
    ),
    (
        "LINUX_IMMUTABLE",
        Severity::High,
        "clear the immutable and append-only flags of files",
    ),
    (
        "CHECKPOINT_RESTORE",
        Severity::High,
        "checkpoint and restore other processes",
    ),
];

static DANGEROUS_META: RuleMeta = RuleMeta {
    id: "dangerous-capabilities",
    title: "Container adds a dangerous capability",
    severity: Severity::High,
    category: "pod-security",
    description: "Some Linux capabilities are enough on their own to escape a container or \
        attack the node and its neighbours: SYS_ADMIN (mounts, namespaces, cgroup release \
        agents), SYS_MODULE (kernel modules), SYS_RAWIO, DAC_READ_SEARCH (the \"shocker\" \
        escape) and ALL are critical; SYS_PTRACE, BPF, PERFMON, NET_ADMIN, NET_RAW, SYS_BOOT, \
        SYS_TIME, MAC_ADMIN, MAC_OVERRIDE, AUDIT_CONTROL, SYSLOG, LINUX_IMMUTABLE and \
        CHECKPOINT_RESTORE are high. Any other capability outside the baseline Pod Security \
        Standard's allowed set is reported as medium. Names are read as runtimes read them: \
        case-insensitive, with or without the `CAP_` prefix.",
    remediation: "Remove the capability from `add`; if the process truly needs it, run it in a \
        dedicated, isolated node pool and document why:\n\
        ```yaml\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: []\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC, CAPABILITIES_DOC],
    mappings: Mappings {
        cis: &["5.2.8", "5.2.9"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1611", "T1068"],
        pss: &["baseline: Capabilities"],
        pci_dss: &["2.2.1", "7.2.1"],
        soc2: &["CC6.1", "CC6.8"],
        iso27001: &["A.8.2", "A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static DANGEROUS_CAPS: Check = Check {
    meta: &DANGEROUS_META,
    run: CheckFn::Container(check_added),
};

/// How bad adding `cap` (normalised) is, and why; `None` when the baseline
/// standard allows it.
fn danger(cap: &str) -> Option<(Severity, &'static str)> {
    if let Some((_, sev, why)) = DANGEROUS.iter().find(|(n, _, _)| *n == cap) {
        return Some((*sev, why));
    }
    if baseline_allows_capability(cap) {
        return None;
    }
    Some((
        Severity::Medium,
        "outside the baseline Pod Security Standard's allowed set",
    ))
}

fn check_added(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    for (cap, raw, path) in listed(c, "add") {
        if let Some((sev, why)) = danger(&cap) {
            emit.at_severity(
                sev,
                path,
                format!("{} adds capability {raw} ({why})", c.label()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_normalised() {
        assert_eq!(normalize("CAP_SYS_ADMIN"), "SYS_ADMIN");
        assert_eq!(normalize("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize("Sys_Admin"), "SYS_ADMIN");
        assert_eq!(normalize("all"), "ALL");
    }

    #[test]
    fn tiers() {
        assert_eq!(danger("SYS_ADMIN").map(|d| d.0), Some(Severity::Critical));
        assert_eq!(danger("NET_RAW").map(|d| d.0), Some(Severity::High));
        assert_eq!(danger("IPC_LOCK").map(|d| d.0), Some(Severity::Medium));
        assert_eq!(danger("NET_BIND_SERVICE"), None);
        assert_eq!(danger("CHOWN"), None);
        assert!(!baseline_allows_capability("NET_RAW"));
        assert!(baseline_allows_capability("SYS_CHROOT"));
    }
}
