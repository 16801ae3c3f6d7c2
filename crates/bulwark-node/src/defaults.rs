//! Defaults of the components when a flag is absent, and which flags are
//! booleans (a bare `--flag` means true and takes no value).
//!
//! Taken from the `--help` of Kubernetes v1.32 (kube-apiserver,
//! kube-controller-manager, kube-scheduler, kubelet, kube-proxy) and etcd
//! v3.5. Only flags some check reads are listed.

use crate::component::Component;

/// The versions the defaults come from, quoted in evidence.
pub const VERSION: &str = "Kubernetes v1.32 / etcd v3.5 defaults";

/// The release whose defaults apply to `c`, for evidence.
pub fn version_of(c: Component) -> &'static str {
    match c {
        Component::Etcd => "etcd v3.5",
        _ => "Kubernetes v1.32",
    }
}

/// Admission plugins kube-apiserver v1.32 enables when
/// `--enable-admission-plugins` does not name them.
pub const DEFAULT_ADMISSION_PLUGINS: &[&str] = &[
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "ClusterTrustBundleAttest",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "LimitRanger",
    "MutatingAdmissionWebhook",
    "NamespaceLifecycle",
    "PersistentVolumeClaimResize",
    "PodSecurity",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
];

/// The default of `--name` for `c`, when it has one a check cares about.
/// The kubelet's values are its command-line defaults, used when it runs
/// without `--config` (see [`crate::kubelet`] for the config-file ones).
pub fn flag_default(c: Component, name: &str) -> Option<&'static str> {
    use Component::*;
    Some(match (c, name) {
        (ApiServer, "anonymous-auth") => "true",
        (ApiServer, "authorization-mode") => "AlwaysAllow",
        (ApiServer, "profiling") => "true",
        (ApiServer, "service-account-lookup") => "true",
        (ApiServer, "service-account-extend-token-expiration") => "true",
        (ApiServer, "audit-log-maxage") => "0",
        (ApiServer, "audit-log-maxbackup") => "0",
        (ApiServer, "audit-log-maxsize") => "0",
        (ApiServer, "request-timeout") => "1m0s",
        (ApiServer, "bind-address") => "0.0.0.0",
        (ControllerManager, "profiling") => "true",
        (ControllerManager, "use-service-account-credentials") => "false",
        (ControllerManager, "bind-address") => "0.0.0.0",
        (ControllerManager, "terminated-pod-gc-threshold") => "12500",
        (Scheduler, "profiling") => "true",
        (Scheduler, "bind-address") => "0.0.0.0",
        (Etcd, "client-cert-auth") => "false",
        (Etcd, "peer-client-cert-auth") => "false",
        (Etcd, "auto-tls") => "false",
        (Etcd, "peer-auto-tls") => "false",
        (Etcd, "data-dir") => "${name}.etcd",
        (Kubelet, "anonymous-auth") => "true",
        (Kubelet, "authentication-token-webhook") => "false",
        (Kubelet, "authorization-mode") => "AlwaysAllow",
        (Kubelet, "read-only-port") => "10255",
        (Kubelet, "streaming-connection-idle-timeout") => "4h0m0s",
        (Kubelet, "make-iptables-util-chains") => "true",
        (Kubelet, "event-qps") => "50",
        (Kubelet, "rotate-certificates") => "false",
        (Kubelet, "protect-kernel-defaults") => "false",
        (Kubelet, "pod-max-pids") => "-1",
        (Kubelet, "seccomp-default") => "false",
        (Proxy, "metrics-bind-address") => "127.0.0.1:10249",
        _ => return None,
    })
}

/// Flags that are booleans (so `--flag value` does not consume `value`).
pub fn is_bool_flag(c: Component, name: &str) -> bool {
    use Component::*;
    matches!(
        (c, name),
        (
            ApiServer,
            "anonymous-auth"
                | "profiling"
                | "service-account-lookup"
                | "service-account-extend-token-expiration"
                | "allow-privileged"
                | "enable-bootstrap-token-auth"
        ) | (
            ControllerManager | Scheduler,
            "profiling" | "use-service-account-credentials" | "leader-elect"
        ) | (
            Etcd,
            "client-cert-auth" | "peer-client-cert-auth" | "auto-tls" | "peer-auto-tls"
        ) | (
            Kubelet,
            "anonymous-auth"
                | "authentication-token-webhook"
                | "make-iptables-util-chains"
                | "rotate-certificates"
                | "rotate-server-certificates"
                | "protect-kernel-defaults"
                | "seccomp-default"
        )
    ) || name == "help"
        || name == "version"
}
