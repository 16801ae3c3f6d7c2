//! `unsafe-sysctls`.

use bulwark_core::{Mappings, PodView, RuleMeta, Severity};
use serde_json::Value;

use super::{NSA_HARDENING, PSS_DOC};
use crate::{Check, CheckFn, Emit};

/// The safe set of the baseline Pod Security Standard, newest version
/// (v1.37: tcp_notsent_lowat and tcp_slow_start_after_idle joined it).
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_notsent_lowat",
    "net.ipv4.tcp_slow_start_after_idle",
];

static META: RuleMeta = RuleMeta {
    id: "unsafe-sysctls",
    title: "Pod sets an unsafe sysctl",
    severity: Severity::Medium,
    category: "pod-security",
    description: "Sysctls set in a pod's securityContext change kernel parameters of the pod's \
        namespaces, and some are not namespaced or not isolated: they can change the behaviour \
        of the whole node, its neighbours, or exhaust kernel resources. Kubernetes lets only a \
        safe set through by default (the baseline Pod Security Standard's list, newest version: \
        kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, ip_unprivileged_port_start, \
        tcp_syncookies, ping_group_range, ip_local_reserved_ports, tcp_keepalive_time, \
        tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes, tcp_rmem, tcp_wmem, \
        tcp_notsent_lowat, tcp_slow_start_after_idle); \
        anything else needs the kubelet's `--allowed-unsafe-sysctls` and is reported. Names in \
        the slash form (`net/ipv4/tcp_syncookies`) are read as the kubelet reads them.",
    remediation: "Keep to the safe sysctls, or move the tuning to the node configuration:\n\
        ```yaml\nspec:\n  securityContext:\n    sysctls:\n    - name: net.ipv4.ip_local_port_range\n      \
        value: \"1024 65535\"\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/",
    ],
    mappings: Mappings {
        cis: &["5.6.3"],
        nsa: &[NSA_HARDENING],
        mitre: &["T1611", "T1499"],
        pss: &["baseline: Sysctls"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.8"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static UNSAFE_SYSCTLS: Check = Check {
    meta: &META,
    run: CheckFn::Pod(check),
};

/// A sysctl name in dotted form: in the slash form, `/` separates and `.`
/// is part of a name (`net/ipv4/conf/eth0.100/rp_filter`), so the two swap.
fn dotted(name: &str) -> String {
    if !name.contains('/') {
        return name.to_string();
    }
    name.chars()
        .map(|ch| match ch {
            '/' => '.',
            '.' => '/',
            other => other,
        })
        .collect()
}

fn check(p: &PodView<'_>, emit: &mut Emit<'_>) {
    let (list, base) = p.pod_sc("sysctls");
    let list = list.and_then(Value::as_array).into_iter().flatten();
    for (i, sysctl) in list.enumerate() {
        let Some(name) = sysctl.get("name").and_then(Value::as_str) else {
            continue;
        };
        if !SAFE.contains(&dotted(name).as_str()) {
            emit.at(
                base.index(i).key("name"),
                format!("the pod sets unsafe sysctl {name}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_form_is_read_as_the_kubelet_does() {
        assert_eq!(dotted("net/ipv4/tcp_syncookies"), "net.ipv4.tcp_syncookies");
        assert_eq!(
            dotted("net/ipv4/conf/eth0.100/rp_filter"),
            "net.ipv4.conf.eth0/100.rp_filter"
        );
        assert_eq!(dotted("kernel.msgmax"), "kernel.msgmax");
    }
}
