//! Checks on pod-wide settings: host namespaces, volumes, sysctls.

use super::{PodCtx, Set, get, is_true, join_quote, pluralize, text, violation};
use crate::check::{CheckId, Violation};
use crate::evaluate::Options;

/// hostNamespaces, v1.0+: no hostNetwork, hostPID or hostIPC.
pub fn host_namespaces(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut set = Set::new();
    let mut paths = Vec::new();
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if is_true(pod.field(key)) {
            set.insert(key.to_string());
            paths.push(pod.spec_path.key(key));
        }
    }
    if set.is_empty() {
        return None;
    }
    violation(
        CheckId::HostNamespaces,
        "host namespaces",
        set.into_iter().collect::<Vec<_>>().join(", "),
        paths,
    )
}

fn volume_name(v: &serde_json::Value) -> String {
    get(v, "name").map(text).unwrap_or_default()
}

/// hostPathVolumes, v1.0+: no hostPath volume.
pub fn host_path_volumes(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for (v, path) in pod.view.volumes() {
        if get(v, "hostPath").is_some() {
            names.push(volume_name(v));
            paths.push(path.key("hostPath"));
        }
    }
    if names.is_empty() {
        return None;
    }
    violation(
        CheckId::HostPathVolumes,
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        paths,
    )
}

/// The volume sources restricted allows.
const ALLOWED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Every other volume source of the core API (the plugin allows only the
/// list above, so each of these is restricted).
const OTHER_VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "image",
];

/// restrictedVolumes, v1.0+: only the volume types in
/// `ALLOWED_VOLUME_SOURCES`.
///
/// A volume that names no source is what the API server defaults to an
/// `emptyDir` before admission, so it is allowed, as upstream's fixture
/// `restrictedvolumes0` (a volume with only a name) expects.
pub fn restricted_volumes(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut names = Set::new();
    let mut paths = Vec::new();
    for (v, path) in pod.view.volumes() {
        let set = |k: &str| get(v, k).is_some();
        if ALLOWED_VOLUME_SOURCES.iter().any(|k| set(k)) {
            continue;
        }
        if let Some(src) = OTHER_VOLUME_SOURCES.iter().find(|k| set(k)) {
            names.insert(volume_name(v));
            paths.push(path.key(*src));
        }
    }
    if names.is_empty() {
        return None;
    }
    // Go prints the list with %q: ["a" "b"].
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    violation(
        CheckId::RestrictedVolumes,
        "restricted volume types",
        format!("volumes [{}] have restricted types", quoted.join(" ")),
        paths,
    )
}

/// The sysctls baseline allows, by the version that first allowed them.
const SYSCTLS: &[(u32, &str)] = &[
    (0, "kernel.shm_rmid_forced"),
    (0, "net.ipv4.ip_local_port_range"),
    (0, "net.ipv4.tcp_syncookies"),
    (0, "net.ipv4.ping_group_range"),
    (0, "net.ipv4.ip_unprivileged_port_start"),
    (27, "net.ipv4.ip_local_reserved_ports"),
    (29, "net.ipv4.tcp_keepalive_time"),
    (29, "net.ipv4.tcp_fin_timeout"),
    (29, "net.ipv4.tcp_keepalive_intvl"),
    (29, "net.ipv4.tcp_keepalive_probes"),
    (32, "net.ipv4.tcp_rmem"),
    (32, "net.ipv4.tcp_wmem"),
    (37, "net.ipv4.tcp_slow_start_after_idle"),
    (37, "net.ipv4.tcp_notsent_lowat"),
];

fn sysctls(pod: &PodCtx<'_>, since: u32) -> Option<Violation> {
    let mut forbidden = Vec::new();
    let mut paths = Vec::new();
    let list = pod.pod_sc("sysctls").and_then(serde_json::Value::as_array);
    for (i, s) in list.into_iter().flatten().enumerate() {
        let name = get(s, "name").map(text).unwrap_or_default();
        let allowed = SYSCTLS.iter().any(|(v, n)| *v <= since && *n == name);
        if !allowed {
            forbidden.push(name);
            paths.push(pod.pod_sc_path("sysctls").index(i).key("name"));
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    violation(
        CheckId::Sysctls,
        "forbidden sysctls",
        forbidden.join(", "),
        paths,
    )
}

/// sysctls, v1.0+: the five namespaced, isolated sysctls.
pub fn sysctls_1_0(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    sysctls(pod, 0)
}

/// sysctls, v1.27+: adds net.ipv4.ip_local_reserved_ports.
pub fn sysctls_1_27(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    sysctls(pod, 27)
}

/// sysctls, v1.29+: adds the TCP keepalive and fin_timeout sysctls.
pub fn sysctls_1_29(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    sysctls(pod, 29)
}

/// sysctls, v1.32+: adds net.ipv4.tcp_rmem and tcp_wmem.
pub fn sysctls_1_32(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    sysctls(pod, 32)
}

/// sysctls, v1.37+: adds tcp_slow_start_after_idle and tcp_notsent_lowat.
pub fn sysctls_1_37(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    sysctls(pod, 37)
}
