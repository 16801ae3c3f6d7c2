//! Where each distribution keeps the control plane's files, as kube-bench's
//! `cfg/config.yaml` (and its k3s, rke2, EKS, GKE, AKS variants) maps them,
//! and how to tell the distribution from the host.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::host::HostSnapshot;

/// A Kubernetes distribution, for its file layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distro {
    Kubeadm,
    K3s,
    Rke2,
    Eks,
    Gke,
    Aks,
}

impl Distro {
    pub fn as_str(self) -> &'static str {
        match self {
            Distro::Kubeadm => "kubeadm",
            Distro::K3s => "k3s",
            Distro::Rke2 => "rke2",
            Distro::Eks => "eks",
            Distro::Gke => "gke",
            Distro::Aks => "aks",
        }
    }

    /// Managed services run the control plane out of sight: only node
    /// checks apply on their hosts.
    pub fn managed(self) -> bool {
        matches!(self, Distro::Eks | Distro::Gke | Distro::Aks)
    }

    /// Single binary that embeds the control plane and kubelet.
    pub fn single_binary(self) -> Option<&'static str> {
        match self {
            Distro::K3s => Some("k3s"),
            _ => None,
        }
    }

    pub fn paths(self) -> Paths {
        match self {
            Distro::Kubeadm | Distro::Eks | Distro::Gke | Distro::Aks => {
                let mut p = KUBEADM;
                match self {
                    Distro::Eks => {
                        p.kubelet_config = &[
                            "/etc/kubernetes/kubelet/kubelet-config.json",
                            "/etc/kubernetes/kubelet/config.json",
                        ];
                        p.kubelet_kubeconfig = &["/var/lib/kubelet/kubeconfig"];
                        p.kubelet_svc = &[
                            "/etc/systemd/system/kubelet.service",
                            "/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf",
                        ];
                        p.kubelet_ca = &["/etc/kubernetes/pki/ca.crt"];
                        p.proxy_kubeconfig = &["/var/lib/kube-proxy/kubeconfig"];
                    }
                    Distro::Gke => {
                        p.kubelet_config = &["/home/kubernetes/kubelet-config.yaml"];
                        p.kubelet_kubeconfig = &["/var/lib/kubelet/kubeconfig"];
                        p.kubelet_svc = &["/etc/systemd/system/kubelet.service"];
                        p.kubelet_ca = &["/etc/srv/kubernetes/pki/ca-certificates.crt"];
                        p.proxy_kubeconfig = &["/var/lib/kube-proxy/kubeconfig"];
                    }
                    Distro::Aks => {
                        p.kubelet_config = &[
                            "/etc/default/kubeletconfig.json",
                            "/var/lib/kubelet/config.yaml",
                        ];
                        p.kubelet_kubeconfig = &["/var/lib/kubelet/kubeconfig"];
                        p.kubelet_svc = &["/etc/systemd/system/kubelet.service"];
                        p.kubelet_ca = &["/etc/kubernetes/certs/ca.crt"];
                    }
                    _ => {}
                }
                p
            }
            Distro::K3s => Paths {
                manifests: &[],
                admin_kubeconfig: &["/var/lib/rancher/k3s/server/cred/admin.kubeconfig"],
                scheduler_kubeconfig: &["/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig"],
                controller_manager_kubeconfig: &[
                    "/var/lib/rancher/k3s/server/cred/controller.kubeconfig",
                ],
                pki_dir: &["/var/lib/rancher/k3s/server/tls"],
                etcd_data_dir: &["/var/lib/rancher/k3s/server/db/etcd"],
                etcd_config: &["/var/lib/rancher/k3s/server/db/etcd/config"],
                kubelet_config: &["/var/lib/rancher/k3s/agent/etc/kubelet.conf.d"],
                kubelet_kubeconfig: &["/var/lib/rancher/k3s/agent/kubelet.kubeconfig"],
                kubelet_svc: &[
                    "/etc/systemd/system/k3s.service",
                    "/etc/systemd/system/k3s-agent.service",
                ],
                kubelet_ca: &["/var/lib/rancher/k3s/agent/client-ca.crt"],
                proxy_kubeconfig: &["/var/lib/rancher/k3s/agent/kubeproxy.kubeconfig"],
                distro_config: &["/etc/rancher/k3s/config.yaml"],
                cni: &[
                    "/var/lib/rancher/k3s/agent/etc/cni/net.d",
                    "/etc/cni/net.d",
                    "/var/lib/cni/networks",
                ],
            },
            Distro::Rke2 => Paths {
                manifests: &[
                    (
                        "kube-apiserver",
                        "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml",
                    ),
                    (
                        "kube-controller-manager",
                        "/var/lib/rancher/rke2/agent/pod-manifests/kube-controller-manager.yaml",
                    ),
                    (
                        "kube-scheduler",
                        "/var/lib/rancher/rke2/agent/pod-manifests/kube-scheduler.yaml",
                    ),
                    (
                        "etcd",
                        "/var/lib/rancher/rke2/agent/pod-manifests/etcd.yaml",
                    ),
                ],
                admin_kubeconfig: &["/etc/rancher/rke2/rke2.yaml"],
                scheduler_kubeconfig: &["/var/lib/rancher/rke2/server/cred/scheduler.kubeconfig"],
                controller_manager_kubeconfig: &[
                    "/var/lib/rancher/rke2/server/cred/controller.kubeconfig",
                ],
                pki_dir: &["/var/lib/rancher/rke2/server/tls"],
                etcd_data_dir: &["/var/lib/rancher/rke2/server/db/etcd"],
                etcd_config: &["/var/lib/rancher/rke2/server/db/etcd/config"],
                kubelet_config: &["/var/lib/rancher/rke2/agent/etc/kubelet.conf.d"],
                kubelet_kubeconfig: &["/var/lib/rancher/rke2/agent/kubelet.kubeconfig"],
                kubelet_svc: &[
                    "/usr/local/lib/systemd/system/rke2-server.service",
                    "/usr/local/lib/systemd/system/rke2-agent.service",
                ],
                kubelet_ca: &["/var/lib/rancher/rke2/agent/client-ca.crt"],
                proxy_kubeconfig: &["/var/lib/rancher/rke2/agent/kubeproxy.kubeconfig"],
                distro_config: &["/etc/rancher/rke2/config.yaml"],
                cni: &["/etc/cni/net.d", "/var/lib/cni/networks"],
            },
        }
    }

    /// Guesses the distribution from processes and well-known files.
    pub fn detect(snap: &HostSnapshot) -> (Distro, String) {
        for p in snap.processes() {
            let base = p
                .argv
                .first()
                .map(|a| a.rsplit('/').next().unwrap_or(a))
                .unwrap_or("");
            let first = base.split_whitespace().next().unwrap_or("");
            if first == "k3s" {
                return (Distro::K3s, format!("process {} runs k3s", p.pid));
            }
            if first == "rke2" {
                return (Distro::Rke2, format!("process {} runs rke2", p.pid));
            }
        }
        let has = |p: &str| snap.present(p).is_some();
        if has("/etc/rancher/k3s/config.yaml") || has("/var/lib/rancher/k3s/server/tls") {
            return (Distro::K3s, "found /var/lib/rancher/k3s".into());
        }
        if has("/etc/rancher/rke2/config.yaml") || has("/var/lib/rancher/rke2/server/tls") {
            return (Distro::Rke2, "found /var/lib/rancher/rke2".into());
        }
        if has("/etc/eks") || has("/etc/kubernetes/kubelet/kubelet-config.json") {
            return (
                Distro::Eks,
                "found /etc/eks or the EKS kubelet config".into(),
            );
        }
        if has("/home/kubernetes/kubelet-config.yaml") {
            return (
                Distro::Gke,
                "found /home/kubernetes/kubelet-config.yaml".into(),
            );
        }
        if has("/etc/kubernetes/azure.json") {
            return (Distro::Aks, "found /etc/kubernetes/azure.json".into());
        }
        (
            Distro::Kubeadm,
            "no other distribution's files found".into(),
        )
    }

    /// Paths worth reading before detection.
    pub const MARKERS: &[&str] = &[
        "/etc/rancher/k3s/config.yaml",
        "/var/lib/rancher/k3s/server/tls",
        "/etc/rancher/rke2/config.yaml",
        "/var/lib/rancher/rke2/server/tls",
        "/etc/eks",
        "/etc/kubernetes/kubelet/kubelet-config.json",
        "/home/kubernetes/kubelet-config.yaml",
        "/etc/kubernetes/azure.json",
    ];
}

impl fmt::Display for Distro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Distro {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "kubeadm" => Distro::Kubeadm,
            "k3s" => Distro::K3s,
            "rke2" => Distro::Rke2,
            "eks" => Distro::Eks,
            "gke" => Distro::Gke,
            "aks" => Distro::Aks,
            other => {
                return Err(format!(
                    "unknown distro {other:?} (kubeadm, k3s, rke2, eks, gke, aks)"
                ));
            }
        })
    }
}

/// Candidate paths per file role, first existing wins.
#[derive(Clone, Copy, Debug)]
pub struct Paths {
    /// `(component binary, static pod manifest)`.
    pub manifests: &'static [(&'static str, &'static str)],
    pub admin_kubeconfig: &'static [&'static str],
    pub scheduler_kubeconfig: &'static [&'static str],
    pub controller_manager_kubeconfig: &'static [&'static str],
    pub pki_dir: &'static [&'static str],
    pub etcd_data_dir: &'static [&'static str],
    /// etcd's YAML `--config-file`.
    pub etcd_config: &'static [&'static str],
    /// A file, or a drop-in directory.
    pub kubelet_config: &'static [&'static str],
    pub kubelet_kubeconfig: &'static [&'static str],
    pub kubelet_svc: &'static [&'static str],
    pub kubelet_ca: &'static [&'static str],
    pub proxy_kubeconfig: &'static [&'static str],
    /// k3s/rke2 `config.yaml` with `*-arg` lists.
    pub distro_config: &'static [&'static str],
    pub cni: &'static [&'static str],
}

const KUBEADM: Paths = Paths {
    manifests: &[
        (
            "kube-apiserver",
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
        ),
        (
            "kube-controller-manager",
            "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        ),
        (
            "kube-scheduler",
            "/etc/kubernetes/manifests/kube-scheduler.yaml",
        ),
        ("etcd", "/etc/kubernetes/manifests/etcd.yaml"),
    ],
    admin_kubeconfig: &[
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/super-admin.conf",
    ],
    scheduler_kubeconfig: &["/etc/kubernetes/scheduler.conf"],
    controller_manager_kubeconfig: &["/etc/kubernetes/controller-manager.conf"],
    pki_dir: &["/etc/kubernetes/pki"],
    etcd_data_dir: &["/var/lib/etcd"],
    etcd_config: &[],
    kubelet_config: &["/var/lib/kubelet/config.yaml"],
    kubelet_kubeconfig: &["/etc/kubernetes/kubelet.conf"],
    kubelet_svc: &[
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "/etc/systemd/system/kubelet.service",
        "/lib/systemd/system/kubelet.service",
    ],
    kubelet_ca: &["/etc/kubernetes/pki/ca.crt"],
    proxy_kubeconfig: &[
        "/var/lib/kube-proxy/kubeconfig.conf",
        "/etc/kubernetes/proxy.conf",
    ],
    distro_config: &[],
    cni: &["/etc/cni/net.d", "/var/lib/cni/networks"],
};
