//! What a cluster scan reads: every resource type the analyzers look at.

/// One resource type to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// Listed only when the cluster serves it (a CRD found by discovery);
    /// its absence is not a gap in the scan.
    pub optional: bool,
}

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `rolebindings.rbac.authorization.k8s.io`, as the API names it in errors.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn api_resource(&self) -> kube::core::ApiResource {
        kube::core::ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version: self.api_version(),
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }

    /// Pods are listed last, streamed page by page and folded into their
    /// owners; everything else first, so the owners are known.
    pub fn is_pod(&self) -> bool {
        self.group.is_empty() && self.plural == "pods"
    }

    pub fn is_secret(&self) -> bool {
        self.group.is_empty() && self.plural == "secrets"
    }
}

const fn k(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> Kind {
    Kind {
        group,
        version,
        kind,
        plural,
        namespaced,
        optional: false,
    }
}

const fn crd(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
) -> Kind {
    Kind {
        group,
        version,
        kind,
        plural,
        namespaced: true,
        optional: true,
    }
}

/// Every resource type a cluster scan lists, in listing order.
pub const KINDS: &[Kind] = &[
    k("", "v1", "Namespace", "namespaces", false),
    k("", "v1", "Node", "nodes", false),
    k("", "v1", "ServiceAccount", "serviceaccounts", true),
    k("", "v1", "Service", "services", true),
    k("", "v1", "ConfigMap", "configmaps", true),
    k("", "v1", "Secret", "secrets", true),
    k("", "v1", "ResourceQuota", "resourcequotas", true),
    k("", "v1", "LimitRange", "limitranges", true),
    k("apps", "v1", "Deployment", "deployments", true),
    k("apps", "v1", "ReplicaSet", "replicasets", true),
    k("apps", "v1", "StatefulSet", "statefulsets", true),
    k("apps", "v1", "DaemonSet", "daemonsets", true),
    k("batch", "v1", "Job", "jobs", true),
    k("batch", "v1", "CronJob", "cronjobs", true),
    k("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    k(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    k("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    k(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    k(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    crd(
        "security.istio.io",
        "v1",
        "PeerAuthentication",
        "peerauthentications",
    ),
    crd(
        "security.istio.io",
        "v1",
        "AuthorizationPolicy",
        "authorizationpolicies",
    ),
    crd(
        "networking.istio.io",
        "v1",
        "DestinationRule",
        "destinationrules",
    ),
    k("", "v1", "Pod", "pods", true),
];

/// Rule categories whose verdicts need objects of `kind`: when `kind` could
/// not be listed, rules of these categories that did not fire were not
/// evaluated (not passed).
pub fn dependent_categories(kind: &str) -> &'static [&'static str] {
    const WORKLOAD: &[&str] = &[
        "pod-security",
        "pod-security-standards",
        "images",
        "resources",
        "reliability",
        "service-accounts",
        "secrets",
        "network",
        "namespaces",
        "control-plane",
        // component images (kube-proxy, ingress-nginx, static pods)
        "versions",
        // Linkerd's proxy annotations on pod templates
        "service-mesh",
    ];
    match kind {
        "Pod" | "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => {
            WORKLOAD
        }
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => &["rbac"],
        "ServiceAccount" => &["rbac", "service-accounts"],
        "Namespace" => &["namespaces", "pod-security-standards", "network"],
        "NetworkPolicy" | "Service" | "Ingress" => &["network"],
        // ingress controllers' TLS settings live in a ConfigMap
        "ConfigMap" => &["secrets", "network"],
        "Secret" => &["secrets"],
        "PeerAuthentication" | "AuthorizationPolicy" | "DestinationRule" => &["service-mesh"],
        // namespace-without-resource-quota / -limit-range are "namespaces".
        "ResourceQuota" | "LimitRange" => &["namespaces", "resources"],
        // kubeletVersion and kubeProxyVersion are in the Node's status.
        "Node" => &["node", "versions"],
        "KubeletConfiguration" => &["node"],
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => &["admission"],
        _ => &[],
    }
}
