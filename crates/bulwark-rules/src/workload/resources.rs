//! `missing-cpu-requests`, `missing-memory-requests`, `missing-cpu-limits`
//! and `missing-memory-limits`: one shape, four rules, so each can be
//! tuned or skipped on its own.

use bulwark_core::{ContainerKind, ContainerView, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::NSA_RESOURCES;
use crate::{Check, CheckFn, Emit};

const REMEDIATION: &str = "Set requests and limits on every container (a namespace \
    LimitRange can supply defaults):\n\
    ```yaml\nresources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n  limits:\n    \
    memory: 256Mi\n    cpu: 500m\n```";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
    "https://kubernetes.io/docs/concepts/policy/limit-range/",
];

const MAPPINGS: Mappings = Mappings {
    cis: &[],
    nsa: &[NSA_RESOURCES],
    mitre: &["T1499", "T1496"],
    pss: &[],
    pci_dss: &[],
    soc2: &["A1.1"],
    iso27001: &["A.8.6"],
    hipaa: &["164.308(a)(7)(i)"],
};

/// Metadata of one of the four rules; they differ in id, title, severity
/// and why the missing value matters.
const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    description: &'static str,
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        severity,
        category: "resources",
        description,
        remediation: REMEDIATION,
        references: REFERENCES,
        mappings: MAPPINGS,
    }
}

/// A description followed by which containers the rules look at, said
/// once for all four.
macro_rules! with_scope {
    ($why:literal) => {
        concat!(
            $why,
            " Containers and init containers (whose requests and limits count toward the \
            pod's) are checked; ephemeral containers cannot set resources. A namespace \
            LimitRange outside the scan may still fill the value in at admission."
        )
    };
}

static CPU_REQUESTS_META: RuleMeta = meta(
    "missing-cpu-requests",
    "Container has no CPU request",
    Severity::Low,
    with_scope!(
        "Without a CPU request the scheduler places the pod as if it needed no CPU, and under \
        contention the container gets the smallest share: noisy neighbours starve it and the \
        node is overcommitted. A CPU limit without a request is not reported: Kubernetes copies \
        the limit into the request."
    ),
);

static MEMORY_REQUESTS_META: RuleMeta = meta(
    "missing-memory-requests",
    "Container has no memory request",
    Severity::Low,
    with_scope!(
        "Without a memory request the scheduler places the pod as if it needed no memory, so \
        nodes get overcommitted and, under memory pressure, the kubelet evicts this pod first. \
        A memory limit without a request is not reported: Kubernetes copies the limit into the \
        request."
    ),
);

static CPU_LIMITS_META: RuleMeta = meta(
    "missing-cpu-limits",
    "Container has no CPU limit",
    Severity::Low,
    with_scope!(
        "Without a CPU limit a compromised or runaway container (a cryptominer is the common \
        case) can use every spare CPU cycle of the node, slowing its neighbours. Some teams \
        deliberately run without CPU limits to avoid throttling; skip this rule if so."
    ),
);

static MEMORY_LIMITS_META: RuleMeta = meta(
    "missing-memory-limits",
    "Container has no memory limit",
    Severity::Medium,
    with_scope!(
        "Without a memory limit a leaking, compromised or attacked container (a decompression \
        bomb, an unbounded cache) can take the node's memory until the kernel's OOM killer \
        starts killing other pods and node daemons: a denial of service beyond the workload."
    ),
);

pub static CPU_REQUESTS: Check = Check {
    meta: &CPU_REQUESTS_META,
    run: CheckFn::Container(|c, e| missing(c, e, "requests", "cpu")),
};

pub static MEMORY_REQUESTS: Check = Check {
    meta: &MEMORY_REQUESTS_META,
    run: CheckFn::Container(|c, e| missing(c, e, "requests", "memory")),
};

pub static CPU_LIMITS: Check = Check {
    meta: &CPU_LIMITS_META,
    run: CheckFn::Container(|c, e| missing(c, e, "limits", "cpu")),
};

pub static MEMORY_LIMITS: Check = Check {
    meta: &MEMORY_LIMITS_META,
    run: CheckFn::Container(|c, e| missing(c, e, "limits", "memory")),
};

/// Whether `resources.<section>.<resource>` holds a value.
fn is_set(c: &ContainerView<'_>, section: &str, resource: &str) -> bool {
    let (v, _) = c.field(&format!("resources.{section}.{resource}"));
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

/// Reports a container whose `resources.<section>` lacks `resource`.
fn missing(c: &ContainerView<'_>, emit: &mut Emit<'_>, section: &str, resource: &str) {
    if c.kind == ContainerKind::EphemeralContainer || is_set(c, section, resource) {
        return;
    }
    // The API server defaults a missing request to the limit.
    if section == "requests" && is_set(c, "limits", resource) {
        return;
    }
    let what = match (resource, section) {
        ("cpu", "requests") => "CPU request",
        ("cpu", _) => "CPU limit",
        (_, "requests") => "memory request",
        _ => "memory limit",
    };
    let (_, path) = c.field(&format!("resources.{section}.{resource}"));
    emit.at(path, format!("{} has no {what}", c.label()));
}
