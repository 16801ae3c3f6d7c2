//! `host-port`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::{NSA_ENFORCEMENT, PSS_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "host-port",
    title: "Container binds a port on the node",
    severity: Severity::Medium,
    category: "pod-security",
    description: "A `hostPort` opens the port on the node's own address, outside the Service \
        abstraction: it is reachable by anyone who can reach the node, it bypasses \
        NetworkPolicy on many CNI plugins, and it ties the pod to nodes where the port is free. \
        Any non-zero `hostPort` is reported, as the baseline Pod Security Standard forbids it \
        (a pod with `hostNetwork: true` is reported by `host-network` instead).",
    remediation: "Remove `hostPort` and expose the port through a Service:\n\
        ```yaml\nports:\n- containerPort: 8080\n---\napiVersion: v1\nkind: Service\nspec:\n  \
        ports:\n  - port: 80\n    targetPort: 8080\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/concepts/configuration/overview/#services",
    ],
    mappings: Mappings {
        cis: &["5.2.12"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &[],
        pss: &["baseline: Host Ports"],
        pci_dss: &["1.3.1", "1.4.2"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.20", "A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

pub static HOST_PORT: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let (ports, base) = c.field("ports");
    let ports = ports.and_then(Value::as_array).into_iter().flatten();
    for (i, port) in ports.enumerate() {
        let host = port.get("hostPort").and_then(Value::as_i64).unwrap_or(0);
        if host == 0 {
            continue;
        }
        let inner = match port.get("containerPort").and_then(Value::as_i64) {
            Some(cp) if cp != host => format!(" (container port {cp})"),
            _ => String::new(),
        };
        emit.at(
            base.index(i).key("hostPort"),
            format!("{} binds host port {host}{inner}", c.label()),
        );
    }
}
