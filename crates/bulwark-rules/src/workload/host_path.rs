//! `host-path-volume`.

use bulwark_core::{Mappings, PodView, RuleMeta, Severity};
use serde_json::Value;

use super::{NSA_ENFORCEMENT, PSS_DOC};
use crate::{Check, CheckFn, Emit};

/// Host paths whose exposure hands over the node: the path itself, or any
/// ancestor of it (mounting `/var` exposes `/var/run/docker.sock`), is
/// critical.
const SENSITIVE: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/etc/kubernetes",
];

/// Trees whose every descendant is sensitive too: kubelet credentials and
/// pod secrets, cluster PKI, etcd data, runtime state, root's home.
const SENSITIVE_TREES: &[&str] = &[
    "/var/lib/kubelet",
    "/etc/kubernetes",
    "/var/lib/etcd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/run/containerd",
    "/var/run/containerd",
    "/root",
];

static META: RuleMeta = RuleMeta {
    id: "host-path-volume",
    title: "Pod mounts a path of the node",
    severity: Severity::High,
    category: "pod-security",
    description: "A hostPath volume gives the pod a directory or file of the node, outside any \
        isolation: writing to it changes the node, reading it exposes whatever is there. Some \
        paths hand over the node outright and are reported as critical: `/`, `/etc`, `/proc`, \
        `/sys`, `/dev`, `/boot`, `/root`, the container runtime sockets (docker, containerd, \
        CRI-O: the API to start a privileged container), `/var/lib/kubelet` (every pod's \
        secrets and the kubelet's credentials), `/etc/kubernetes`, `/var/lib/etcd`, the \
        runtimes' state directories, and any ancestor of those (`/var`, `/run`). Paths are \
        compared after removing trailing and repeated slashes and `.`/`..` steps. Other host \
        paths are high; mounting them read-only limits but does not remove the risk.",
    remediation: "Use a PersistentVolumeClaim, `emptyDir`, a ConfigMap or a projected volume \
        instead; node agents that truly need host files should mount the narrowest path, \
        read-only, in a dedicated namespace:\n\
        ```yaml\nvolumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
    ],
    mappings: Mappings {
        cis: &["5.2.11"],
        nsa: &[NSA_ENFORCEMENT],
        mitre: &["T1611", "T1552.001"],
        pss: &["baseline: HostPath Volumes"],
        pci_dss: &["2.2.1", "7.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.2", "A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static HOST_PATH_VOLUME: Check = Check {
    meta: &META,
    run: CheckFn::Pod(check),
};

/// A Unix path with repeated and trailing slashes and `.`/`..` steps
/// resolved lexically; other paths (Windows drive paths) are returned as
/// they are.
fn normalize(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `ancestor` is `path` or one of its parent directories.
fn within(path: &str, ancestor: &str) -> bool {
    ancestor == "/"
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether mounting the (normalised) host path hands over the node.
fn is_critical(path: &str) -> bool {
    SENSITIVE.iter().any(|s| within(s, path)) || SENSITIVE_TREES.iter().any(|t| within(path, t))
}

/// `, mounted by container "a" (read-only) and init container "b"`.
fn mounted_by(p: &PodView<'_>, volume: &str) -> String {
    let users: Vec<String> = p
        .containers()
        .flat_map(|c| {
            let mounts = c.value.get("volumeMounts").and_then(Value::as_array);
            let label = c.label();
            mounts
                .into_iter()
                .flatten()
                .filter(|m| m.get("name").and_then(Value::as_str) == Some(volume))
                .map(move |m| match m.get("readOnly") {
                    Some(Value::Bool(true)) => format!("{label} (read-only)"),
                    _ => label.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if users.is_empty() {
        String::new()
    } else {
        format!(", mounted by {}", users.join(", "))
    }
}

fn check(p: &PodView<'_>, emit: &mut Emit<'_>) {
    for (vol, path) in p.volumes() {
        let Some(host) = vol.get("hostPath").filter(|h| !h.is_null()) else {
            continue;
        };
        let name = vol
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        let users = mounted_by(p, name);
        let Some(raw) = host.get("path").and_then(Value::as_str) else {
            let msg = format!("volume \"{name}\" is a hostPath volume{users}");
            emit.at(path.key("hostPath"), msg);
            continue;
        };
        let norm = normalize(raw);
        let (severity, note) = if is_critical(&norm) {
            (Severity::Critical, " (gives control over the node)")
        } else {
            (META.severity, "")
        };
        let msg = format!("volume \"{name}\" mounts host path {raw}{note}{users}");
        emit.at_severity(severity, path.key("hostPath").key("path"), msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize("/etc/"), "/etc");
        assert_eq!(
            normalize("//var//run/./docker.sock"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize("/var/log/../lib/kubelet/"), "/var/lib/kubelet");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("///"), "/");
        assert_eq!(normalize("/.."), "/");
        assert_eq!(normalize("C:\\Windows"), "C:\\Windows");
    }

    #[test]
    fn critical_paths_their_ancestors_and_sensitive_trees() {
        for p in [
            "/",
            "/etc",
            "/var",
            "/var/run",
            "/run",
            "/run/containerd",
            "/var/lib",
            "/var/run/docker.sock",
            "/var/lib/kubelet/pods",
            "/etc/kubernetes/pki",
            "/root/.ssh",
            "/dev",
        ] {
            assert!(is_critical(p), "{p} should be critical");
        }
        for p in [
            "/var/log",
            "/data",
            "/etc/ssl/certs",
            "/var/run/docker", // a sibling, not the socket
            "/etcd",           // shares a prefix string, not a path
            "/sys/fs/cgroup",
            "/usr/share/zoneinfo",
        ] {
            assert!(!is_critical(p), "{p} should not be critical");
        }
    }
}
