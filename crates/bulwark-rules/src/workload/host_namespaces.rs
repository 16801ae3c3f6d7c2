//! `host-network`, `host-pid` and `host-ipc`: a pod sharing one of the
//! node's namespaces.

use bulwark_core::{Mappings, PodView, RuleMeta, Severity};

use super::shape::forbid_pod_flag;
use super::{NSA_ENFORCEMENT, PSS_DOC};
use crate::{Check, CheckFn, Emit};

const PSS_CONTROL: &[&str] = &["baseline: Host Namespaces"];

static NETWORK_META: RuleMeta = RuleMeta {
    id: "host-network",
    title: "Pod uses the node's network namespace",
    severity: Severity::High,
    category: "pod-security",
    description: "With `hostNetwork: true` the pod sees and uses the node's interfaces: it can \
        bind any node port, sniff traffic on the node, reach services bound to localhost on the \
        node (the kubelet's read-only port, cloud metadata endpoints, node-local daemons) and \
        bypass NetworkPolicy, which does not apply to host-network pods. Only node agents (CNI \
        plugins, node-exporter) need it.",
    remediation: "Remove `hostNetwork: true`; expose the workload through a Service instead:\n\
        ```yaml\nspec:\n  hostNetwork: false\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/concepts/services-networking/",
    ],
    mappings: Mappings {
        cis: &["5.2.5"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1040", "T1557", "T1611"],
        pss: PSS_CONTROL,
        pci_dss: &["1.3.1", "2.2.1"],
        soc2: &["CC6.1", "CC6.6"],
        iso27001: &["A.8.20", "A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

static PID_META: RuleMeta = RuleMeta {
    id: "host-pid",
    title: "Pod uses the node's process namespace",
    severity: Severity::High,
    category: "pod-security",
    description: "With `hostPID: true` the containers see every process on the node, read their \
        environment and command lines (which often hold secrets) through /proc, and with \
        SYS_PTRACE or root can inject into them; `nsenter -t 1` from such a pod is a classic \
        escape to the node.",
    remediation: "Remove `hostPID: true`; use `shareProcessNamespace` to share processes \
        between the pod's own containers only:\n\
        ```yaml\nspec:\n  hostPID: false\n```",
    references: &[PSS_DOC],
    mappings: Mappings {
        cis: &["5.2.3"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1611", "T1057"],
        pss: PSS_CONTROL,
        pci_dss: &["2.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

static IPC_META: RuleMeta = RuleMeta {
    id: "host-ipc",
    title: "Pod uses the node's IPC namespace",
    severity: Severity::High,
    category: "pod-security",
    description: "With `hostIPC: true` the containers share System V shared memory, semaphores \
        and message queues with every process on the node, so they can read or corrupt the \
        memory other workloads and node daemons exchange through them.",
    remediation: "Remove `hostIPC: true`:\n```yaml\nspec:\n  hostIPC: false\n```",
    references: &[PSS_DOC],
    mappings: Mappings {
        cis: &["5.2.4"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1611"],
        pss: PSS_CONTROL,
        pci_dss: &["2.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static HOST_NETWORK: Check = Check {
    meta: &NETWORK_META,
    run: CheckFn::Pod(|p: &PodView<'_>, e: &mut Emit<'_>| {
        forbid_pod_flag(p, e, "hostNetwork", "shares the node's network namespace")
    }),
};

pub static HOST_PID: Check = Check {
    meta: &PID_META,
    run: CheckFn::Pod(|p: &PodView<'_>, e: &mut Emit<'_>| {
        forbid_pod_flag(p, e, "hostPID", "shares the node's process namespace")
    }),
};

pub static HOST_IPC: Check = Check {
    meta: &IPC_META,
    run: CheckFn::Pod(|p: &PodView<'_>, e: &mut Emit<'_>| {
        forbid_pod_flag(p, e, "hostIPC", "shares the node's IPC namespace")
    }),
};
