//! The control plane and node components the benchmark looks at.

use std::fmt;

use serde::Serialize;

/// A Kubernetes component whose flags and files are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
    Kubelet,
    Proxy,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
        Component::Kubelet,
        Component::Proxy,
    ];

    /// The upstream binary name.
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
            Component::Kubelet => "kubelet",
            Component::Proxy => "kube-proxy",
        }
    }

    /// Recognises a binary (or `hyperkube` sub-command) name.
    pub fn from_binary(name: &str) -> Option<Self> {
        let base = name.rsplit('/').next().unwrap_or(name);
        Some(match base {
            "kube-apiserver" | "apiserver" => Component::ApiServer,
            "kube-controller-manager" | "controller-manager" => Component::ControllerManager,
            "kube-scheduler" | "scheduler" => Component::Scheduler,
            "etcd" => Component::Etcd,
            "kubelet" => Component::Kubelet,
            "kube-proxy" | "proxy" => Component::Proxy,
            _ => return None,
        })
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.binary())
    }
}
