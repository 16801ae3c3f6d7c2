//! Checks on each container's own settings: privileged, privilege
//! escalation, capabilities, /proc mount, host ports, probe and lifecycle
//! hosts, Windows HostProcess.

use bulwark_core::FieldPath;
use serde_json::Value;

use super::{
    PodCtx, Set, containers_phrase, get, is_true, join_quote, name, pluralize, sc, sc_path, text,
    violation,
};
use crate::check::{CheckId, Violation};
use crate::evaluate::Options;

/// privileged, v1.0+: `securityContext.privileged` must not be true.
pub fn privileged(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        if is_true(sc(c, "privileged")) {
            bad.push(name(c));
            paths.push(sc_path(c, "privileged"));
        }
    }
    if bad.is_empty() {
        return None;
    }
    violation(
        CheckId::Privileged,
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
        ),
        paths,
    )
}

/// allowPrivilegeEscalation, v1.8+: every container must set it to false.
pub fn allow_privilege_escalation(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        if !matches!(sc(c, "allowPrivilegeEscalation"), Some(Value::Bool(false))) {
            bad.push(name(c));
            paths.push(sc_path(c, "allowPrivilegeEscalation"));
        }
    }
    if bad.is_empty() {
        return None;
    }
    violation(
        CheckId::AllowPrivilegeEscalation,
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
        paths,
    )
}

/// allowPrivilegeEscalation, v1.25+: Windows pods are exempt.
pub fn allow_privilege_escalation_1_25(pod: &PodCtx<'_>, o: &Options) -> Option<Violation> {
    if pod.is_windows() {
        return None;
    }
    allow_privilege_escalation(pod, o)
}

fn capability_list<'a>(c: &super::ContainerView<'a>, key: &str) -> &'a [Value] {
    sc(c, "capabilities")
        .and_then(|caps| get(caps, key))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// capabilities_baseline, v1.0+: added capabilities must be in the default set.
pub fn capabilities_baseline(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut caps = Set::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        let mut valid = true;
        for (i, cap) in capability_list(c, "add").iter().enumerate() {
            let cap = text(cap);
            if !bulwark_core::pod::baseline_allows_capability(cap.as_str()) {
                valid = false;
                paths.push(sc_path(c, "capabilities").key("add").index(i));
                caps.insert(cap);
            }
        }
        if !valid {
            bad.push(name(c));
        }
    }
    if bad.is_empty() {
        return None;
    }
    violation(
        CheckId::CapabilitiesBaseline,
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad),
            join_quote(&caps)
        ),
        paths,
    )
}

/// capabilities_restricted, v1.22+: drop ALL, add nothing but NET_BIND_SERVICE.
pub fn capabilities_restricted(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = Set::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        if sc(c, "capabilities").is_none() {
            missing_drop.push(name(c));
            paths.push(sc_path(c, "capabilities").key("drop"));
            continue;
        }
        if !capability_list(c, "drop")
            .iter()
            .any(|d| d.as_str() == Some("ALL"))
        {
            missing_drop.push(name(c));
            paths.push(sc_path(c, "capabilities").key("drop"));
        }
        let mut forbidden = false;
        for (i, cap) in capability_list(c, "add").iter().enumerate() {
            if cap.as_str() != Some("NET_BIND_SERVICE") {
                forbidden = true;
                caps.insert(text(cap));
                paths.push(sc_path(c, "capabilities").key("add").index(i));
            }
        }
        if forbidden {
            adding.push(name(c));
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&caps)
        ));
    }
    if details.is_empty() {
        return None;
    }
    violation(
        CheckId::CapabilitiesRestricted,
        "unrestricted capabilities",
        details.join("; "),
        paths,
    )
}

/// capabilities_restricted, v1.25+: Windows pods are exempt.
pub fn capabilities_restricted_1_25(pod: &PodCtx<'_>, o: &Options) -> Option<Violation> {
    if pod.is_windows() {
        return None;
    }
    capabilities_restricted(pod, o)
}

fn proc_mount(pod: &PodCtx<'_>, check: CheckId) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut types = Set::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        if let Some(v) = sc(c, "procMount")
            && v.as_str() != Some("Default")
        {
            bad.push(name(c));
            types.insert(text(v));
            paths.push(sc_path(c, "procMount"));
        }
    }
    if bad.is_empty() {
        return None;
    }
    violation(
        check,
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&types)
        ),
        paths,
    )
}

/// procMount (baseline), v1.0 to v1.34: only the default /proc mask.
pub fn proc_mount_strict(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    proc_mount(pod, CheckId::ProcMount)
}

/// procMount (baseline), v1.35+: a pod in a user namespace
/// (`hostUsers: false`) may unmask /proc.
pub fn proc_mount_baseline_1_35(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    if pod.in_user_namespace() {
        return None;
    }
    proc_mount(pod, CheckId::ProcMount)
}

/// procMount_restricted, v1.35+: only the default /proc mask, user namespace or not.
pub fn proc_mount_strict_restricted(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    proc_mount(pod, CheckId::ProcMountRestricted)
}

/// hostPorts, v1.0+: no container port may set a non-zero hostPort.
///
/// The plugin sees a Pod after defaulting, and a `hostNetwork` Pod gets
/// `hostPort = containerPort` on every port of its containers and init
/// containers that sets none; so such ports count here too (for Pods only:
/// pod templates are not defaulted that way since Kubernetes 1.28).
pub fn host_ports(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let defaulted = pod.view.resource.kind() == "Pod" && is_true(pod.field("hostNetwork"));
    let mut bad = Vec::new();
    let mut ports = Set::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        let mut valid = true;
        let list = get(c.value, "ports").and_then(Value::as_array);
        let defaults_here = defaulted && c.kind != bulwark_core::ContainerKind::EphemeralContainer;
        for (i, p) in list.into_iter().flatten().enumerate() {
            let hp = match get(p, "hostPort") {
                Some(hp) => hp,
                None if defaults_here => match get(p, "containerPort") {
                    Some(cp) => cp,
                    None => continue,
                },
                None => continue,
            };
            if hp.as_f64() == Some(0.0) {
                continue;
            }
            valid = false;
            paths.push(c.path.key("ports").index(i).key("hostPort"));
            ports.insert(text(hp));
        }
        if !valid {
            bad.push(name(c));
        }
    }
    if bad.is_empty() {
        return None;
    }
    violation(
        CheckId::HostPorts,
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.into_iter().collect::<Vec<_>>().join(", ")
        ),
        paths,
    )
}

/// The handler fields whose `host` the probe/lifecycle check restricts.
const PROBES: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe"];
const LIFECYCLE: &[&str] = &["postStart", "preStop"];
const HANDLERS: &[&str] = &["httpGet", "tcpSocket"];

/// hostProbesAndHostLifecycle, v1.34+: probes and lifecycle handlers must
/// not name a `host` (which would let the kubelet reach other hosts).
pub fn host_probes_and_lifecycle(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut bad = Set::new();
    let mut hosts = Set::new();
    let mut paths = Vec::new();
    for c in &pod.containers {
        let mut handlers: Vec<(&Value, FieldPath)> = Vec::new();
        for p in PROBES {
            if let Some(v) = get(c.value, p) {
                handlers.push((v, c.path.key(*p)));
            }
        }
        if let Some(lc) = get(c.value, "lifecycle") {
            for h in LIFECYCLE {
                if let Some(v) = get(lc, h) {
                    handlers.push((v, c.path.key("lifecycle").key(*h)));
                }
            }
        }
        for (handler, path) in handlers {
            for kind in HANDLERS {
                let host = get(handler, kind).and_then(|a| get(a, "host"));
                if let Some(h) = host.map(text).filter(|h| !h.is_empty()) {
                    bad.insert(name(c).to_string());
                    hosts.insert(h);
                    paths.push(path.key(*kind).key("host"));
                }
            }
        }
    }
    if bad.is_empty() {
        return None;
    }
    violation(
        CheckId::HostProbesAndHostLifecycle,
        "probe or lifecycle host",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad.iter().collect::<Vec<_>>()),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        paths,
    )
}

/// windowsHostProcess, v1.0+: neither pod nor container may set
/// `windowsOptions.hostProcess: true`.
pub fn windows_host_process(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let host_process = |wo: Option<&Value>| is_true(wo.and_then(|w| get(w, "hostProcess")));
    let mut setters = Vec::new();
    let mut paths = Vec::new();
    if host_process(pod.pod_sc("windowsOptions")) {
        setters.push("pod".to_string());
        paths.push(pod.pod_sc_path("windowsOptions").key("hostProcess"));
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if host_process(sc(c, "windowsOptions")) {
            bad.push(name(c));
            paths.push(sc_path(c, "windowsOptions").key("hostProcess"));
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        CheckId::WindowsHostProcess,
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
        paths,
    )
}
