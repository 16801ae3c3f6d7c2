//! Flag checks of kube-apiserver, kube-controller-manager, kube-scheduler
//! and etcd (CIS 1.2, 1.3, 1.4, 2, 3.2.1). Each reads the flags in effect,
//! with the component's default where a flag is absent.

use bulwark_core::{RuleMeta, Severity};

use super::{APISERVER_STRONG_CIPHERS, CIS_DOC, cipher_verdict, rule};
use crate::component::Component;
use crate::defaults::DEFAULT_ADMISSION_PLUGINS;
use crate::flags::{Flags, split_list};
use crate::verdict::{Status, Verdict};

/// What a flag check tests.
#[derive(Clone, Copy, Debug)]
pub enum FlagTest {
    /// The boolean in effect must be this.
    Bool(&'static str, bool),
    NotSet(&'static str),
    /// Every flag must be set (non-empty).
    Set(&'static [&'static str]),
    /// The comma list in effect must contain the item.
    ListHas(&'static str, &'static str),
    ListLacks(&'static str, &'static str),
    /// The admission plugin must be in the effective set; the status when
    /// it is not.
    PluginOn(&'static str, Status),
    PluginOff(&'static str),
    AtLeast(&'static str, i64),
    Equals(&'static str, &'static str),
    Ciphers(&'static str, &'static [&'static str]),
    /// `--feature-gates` must not turn the gate off.
    GateNotOff(&'static str),
    /// Set: pass; unset: warn with the default (a judgement call).
    Advisory(&'static str),
}

/// One CIS flag check; `meta` is its `scan` rule when it can fail.
#[derive(Debug)]
pub struct FlagCheck {
    pub cis: &'static str,
    pub component: Component,
    pub test: FlagTest,
    pub meta: Option<RuleMeta>,
}

/// The admission plugins in effect: the defaults, plus
/// `--enable-admission-plugins`, minus `--disable-admission-plugins`.
pub fn admission_plugins(flags: &Flags) -> (Vec<String>, String) {
    let mut set: Vec<String> = DEFAULT_ADMISSION_PLUGINS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut ev = Vec::new();
    if let Some(e) = flags.get("enable-admission-plugins") {
        set.extend(split_list(&e.value));
        ev.push(format!(
            "--enable-admission-plugins={} at {}",
            e.value, e.source
        ));
    } else {
        ev.push("--enable-admission-plugins not set".to_string());
    }
    if let Some(d) = flags.get("disable-admission-plugins") {
        let off = split_list(&d.value);
        set.retain(|p| !off.contains(p));
        ev.push(format!(
            "--disable-admission-plugins={} at {}",
            d.value, d.source
        ));
    }
    set.sort();
    set.dedup();
    (set, ev.join("; "))
}

impl FlagCheck {
    pub fn eval(&self, flags: &Flags) -> Verdict {
        let c = flags.component;
        let anchor = |name: &str| {
            flags
                .get(name)
                .and_then(|v| match &v.source {
                    crate::flags::Source::Manifest { path, .. } => Some(path.clone()),
                    _ => None,
                })
                .or_else(|| flags.anchor.clone())
        };
        match self.test {
            FlagTest::Bool(name, want) => {
                let e = flags.effective(name);
                // A structured AuthenticationConfiguration (v1.32 beta) may
                // configure anonymous access instead of the flag.
                if name == "anonymous-auth"
                    && c == Component::ApiServer
                    && e.set.is_none()
                    && let Some(ac) = flags.get("authentication-config")
                {
                    return Verdict::warn(format!(
                        "--authentication-config={} at {}: check its `anonymous` section (enabled: false, or only health endpoints)",
                        ac.value, ac.source
                    ))
                    .at(anchor("authentication-config"));
                }
                let d = e.describe(c);
                let v = match e.as_bool() {
                    Some(b) if b == want => Verdict::pass(d),
                    Some(_) => Verdict::fail(d),
                    None => Verdict::fail(format!("{d}: not a boolean")),
                };
                v.at(anchor(name))
            }
            FlagTest::NotSet(name) => match flags.get(name) {
                Some(v) => Verdict::fail(format!("--{name}={} at {}", v.value, v.source)),
                None => Verdict::pass(format!("--{name} not set")),
            }
            .at(anchor(name)),
            FlagTest::Set(names) => Verdict::all(
                names
                    .iter()
                    .map(|n| match flags.get(n) {
                        Some(v) if !v.value.trim().is_empty() => {
                            Verdict::pass(format!("--{n}={} at {}", v.value, v.source))
                        }
                        _ => Verdict::fail(format!("--{n} not set")).at(anchor(n)),
                    })
                    .collect(),
            ),
            FlagTest::ListHas(name, item) | FlagTest::ListLacks(name, item) => {
                let e = flags.effective(name);
                let has = e.list().iter().any(|x| x == item);
                let want = matches!(self.test, FlagTest::ListHas(..));
                let d = e.describe(c);
                // Structured authorization replaces --authorization-mode.
                if name == "authorization-mode"
                    && e.set.is_none()
                    && let Some(ac) = flags.get("authorization-config")
                {
                    return Verdict::warn(format!(
                        "--authorization-config={} at {}: check its authorizers",
                        ac.value, ac.source
                    ))
                    .at(anchor("authorization-config"));
                }
                if has == want {
                    Verdict::pass(d)
                } else {
                    Verdict::fail(d)
                }
                .at(anchor(name))
            }
            FlagTest::PluginOn(p, missing) => {
                let (set, ev) = admission_plugins(flags);
                if set.iter().any(|x| x == p) {
                    Verdict::pass(format!("{p} is enabled ({ev})"))
                } else {
                    Verdict::new(missing, format!("{p} is not enabled ({ev})"))
                }
                .at(anchor("enable-admission-plugins"))
            }
            FlagTest::PluginOff(p) => {
                let (set, ev) = admission_plugins(flags);
                if set.iter().any(|x| x == p) {
                    Verdict::fail(format!("{p} is enabled ({ev})"))
                } else {
                    Verdict::pass(format!("{p} is not enabled ({ev})"))
                }
                .at(anchor("enable-admission-plugins"))
            }
            FlagTest::AtLeast(name, min) => {
                let e = flags.effective(name);
                let d = e.describe(c);
                match e.value.as_deref().map(|v| v.trim().parse::<i64>()) {
                    Some(Ok(n)) if n >= min => Verdict::pass(d),
                    Some(Ok(_)) => Verdict::fail(format!("{d}; at least {min} expected")),
                    _ => Verdict::fail(format!("{d}; a number >= {min} expected")),
                }
                .at(anchor(name))
            }
            FlagTest::Equals(name, want) => {
                let e = flags.effective(name);
                let d = e.describe(c);
                if e.value.as_deref().map(str::trim) == Some(want) {
                    Verdict::pass(d)
                } else {
                    Verdict::fail(format!("{d}; {want} expected"))
                }
                .at(anchor(name))
            }
            FlagTest::Ciphers(name, allowed) => {
                let e = flags.effective(name);
                let list = e.set.map(|_| e.list());
                cipher_verdict(list, allowed, e.describe(c)).at(anchor(name))
            }
            FlagTest::GateNotOff(gate) => match flags.get("feature-gates") {
                Some(fg) => {
                    let off = split_list(&fg.value).iter().any(|i| {
                        i.split_once('=').is_some_and(|(k, v)| {
                            k.trim() == gate && crate::flags::parse_bool(v) == Some(false)
                        })
                    });
                    let d = format!("--feature-gates={} at {}", fg.value, fg.source);
                    if off {
                        Verdict::fail(d)
                    } else {
                        Verdict::pass(d)
                    }
                }
                None => Verdict::pass(format!(
                    "--feature-gates not set: {gate} keeps its default (on)"
                )),
            }
            .at(anchor("feature-gates")),
            FlagTest::Advisory(name) => {
                let e = flags.effective(name);
                let d = e.describe(c);
                if e.set.is_some() {
                    Verdict::pass(d)
                } else {
                    Verdict::warn(format!("{d}; set a value that suits the cluster"))
                }
                .at(anchor(name))
            }
        }
    }
}

const API: Component = Component::ApiServer;
const CM: Component = Component::ControllerManager;
const SCHED: Component = Component::Scheduler;
const ETCD: Component = Component::Etcd;
const REFS_API: &[&str] = &[
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/",
    CIS_DOC,
];
const REFS_CM: &[&str] = &[
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/",
    CIS_DOC,
];
const REFS_SCHED: &[&str] = &[
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/",
    CIS_DOC,
];
const REFS_ETCD: &[&str] = &[
    "https://etcd.io/docs/v3.5/op-guide/security/",
    "https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/",
    CIS_DOC,
];
const CP: &str = "control-plane";

macro_rules! check {
    ($cis:literal, $comp:expr, $test:expr) => {
        FlagCheck {
            cis: $cis,
            component: $comp,
            test: $test,
            meta: None,
        }
    };
    ($cis:literal, $comp:expr, $test:expr, $id:literal, $sev:ident, $title:literal, $desc:literal, $fix:literal, $refs:expr) => {
        FlagCheck {
            cis: $cis,
            component: $comp,
            test: $test,
            meta: Some(rule(
                $id,
                $title,
                Severity::$sev,
                CP,
                &[$cis],
                $desc,
                $fix,
                $refs,
            )),
        }
    };
}

/// Every flag check of the control plane, in CIS order.
pub static FLAG_CHECKS: &[FlagCheck] = &[
    check!(
        "1.2.1",
        API,
        FlagTest::Bool("anonymous-auth", false),
        "apiserver-anonymous-auth",
        High,
        "API server accepts anonymous requests",
        "With --anonymous-auth left at its default (true) every request without credentials is served as system:anonymous; any RBAC grant to that user or to system:unauthenticated is open to the network.",
        "Add `--anonymous-auth=false` to the kube-apiserver command (health checks can use /livez and /readyz with authentication or the AuthenticationConfiguration anonymous endpoints):\n```yaml\n- --anonymous-auth=false\n```",
        REFS_API
    ),
    check!(
        "1.2.2",
        API,
        FlagTest::NotSet("token-auth-file"),
        "apiserver-token-auth-file",
        High,
        "API server uses a static token file",
        "Static tokens never expire, cannot be revoked without a restart and sit in plain text on the control plane node.",
        "Remove `--token-auth-file` and use client certificates, OIDC or webhook token authentication instead.",
        REFS_API
    ),
    check!(
        "1.2.3",
        API,
        FlagTest::PluginOn("DenyServiceExternalIPs", Status::Warn)
    ),
    check!(
        "1.2.4",
        API,
        FlagTest::Set(&["kubelet-client-certificate", "kubelet-client-key"]),
        "apiserver-kubelet-client-cert",
        Medium,
        "API server has no client certificate for kubelets",
        "Without a client certificate the API server cannot authenticate to kubelets, which then must allow unauthenticated access for logs, exec and port-forward.",
        "Set both flags:\n```yaml\n- --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt\n- --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key\n```",
        REFS_API
    ),
    check!(
        "1.2.5",
        API,
        FlagTest::Set(&["kubelet-certificate-authority"]),
        "apiserver-kubelet-certificate-authority",
        Medium,
        "API server does not verify kubelet serving certificates",
        "Without --kubelet-certificate-authority the API server connects to kubelets without verifying who answers, so a node-level attacker can intercept exec and log streams.",
        "Issue kubelet serving certificates from the cluster CA (serverTLSBootstrap) and set:\n```yaml\n- --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n```",
        REFS_API
    ),
    check!(
        "1.2.6",
        API,
        FlagTest::ListLacks("authorization-mode", "AlwaysAllow"),
        "apiserver-authorization-always-allow",
        Critical,
        "API server authorizes every request (AlwaysAllow)",
        "AlwaysAllow (also the default when --authorization-mode is absent) lets every authenticated request do anything.",
        "```yaml\n- --authorization-mode=Node,RBAC\n```",
        REFS_API
    ),
    check!(
        "1.2.7",
        API,
        FlagTest::ListHas("authorization-mode", "Node"),
        "apiserver-authorization-node",
        Medium,
        "API server does not use the Node authorizer",
        "The Node authorizer limits each kubelet to the objects of its own pods; without it a compromised node can read every secret its RBAC grants allow.",
        "```yaml\n- --authorization-mode=Node,RBAC\n```",
        REFS_API
    ),
    check!(
        "1.2.8",
        API,
        FlagTest::ListHas("authorization-mode", "RBAC"),
        "apiserver-authorization-rbac",
        High,
        "API server does not use RBAC",
        "Without RBAC, Roles and bindings have no effect and access is decided by the other, coarser authorizers.",
        "```yaml\n- --authorization-mode=Node,RBAC\n```",
        REFS_API
    ),
    check!(
        "1.2.9",
        API,
        FlagTest::PluginOn("EventRateLimit", Status::Warn)
    ),
    check!(
        "1.2.10",
        API,
        FlagTest::PluginOff("AlwaysAdmit"),
        "apiserver-admission-always-admit",
        Critical,
        "API server enables the AlwaysAdmit admission plugin",
        "AlwaysAdmit admits every request, including those other plugins would reject; it is deprecated and only for testing.",
        "Remove AlwaysAdmit from `--enable-admission-plugins`.",
        REFS_API
    ),
    check!(
        "1.2.11",
        API,
        FlagTest::PluginOn("AlwaysPullImages", Status::Warn)
    ),
    check!(
        "1.2.12",
        API,
        FlagTest::PluginOn("ServiceAccount", Status::Fail),
        "apiserver-admission-service-account-disabled",
        Medium,
        "API server disables the ServiceAccount admission plugin",
        "The ServiceAccount plugin assigns service accounts and their projected tokens to pods; disabling it breaks the identity model RBAC relies on.",
        "Remove ServiceAccount from `--disable-admission-plugins`.",
        REFS_API
    ),
    check!(
        "1.2.13",
        API,
        FlagTest::PluginOn("NamespaceLifecycle", Status::Fail),
        "apiserver-admission-namespace-lifecycle-disabled",
        Medium,
        "API server disables the NamespaceLifecycle admission plugin",
        "NamespaceLifecycle stops objects being created in terminating or non-existent namespaces, which otherwise escape namespace policies.",
        "Remove NamespaceLifecycle from `--disable-admission-plugins`.",
        REFS_API
    ),
    check!(
        "1.2.14",
        API,
        FlagTest::PluginOn("NodeRestriction", Status::Fail),
        "apiserver-admission-node-restriction",
        High,
        "API server does not enable NodeRestriction",
        "NodeRestriction limits a kubelet to modifying its own Node and its own pods; without it a compromised node can relabel other nodes and attract workloads.",
        "```yaml\n- --enable-admission-plugins=NodeRestriction\n```",
        REFS_API
    ),
    check!(
        "1.2.15",
        API,
        FlagTest::Bool("profiling", false),
        "apiserver-profiling",
        Low,
        "API server exposes profiling endpoints",
        "Profiling (on by default) serves /debug/pprof, which reveals internals and can be used to load the server.",
        "```yaml\n- --profiling=false\n```",
        REFS_API
    ),
    check!(
        "1.2.16",
        API,
        FlagTest::Set(&["audit-log-path"]),
        "apiserver-audit-log-path",
        High,
        "API server writes no audit log",
        "Without --audit-log-path (or an audit webhook) nobody can reconstruct who did what in the cluster.",
        "```yaml\n- --audit-log-path=/var/log/kubernetes/audit/audit.log\n- --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n```",
        REFS_API
    ),
    check!(
        "1.2.17",
        API,
        FlagTest::AtLeast("audit-log-maxage", 30),
        "apiserver-audit-log-maxage",
        Low,
        "API server keeps audit logs for less than 30 days",
        "Audit logs rotated away too soon are not there when an incident is investigated.",
        "```yaml\n- --audit-log-maxage=30\n```",
        REFS_API
    ),
    check!(
        "1.2.18",
        API,
        FlagTest::AtLeast("audit-log-maxbackup", 10),
        "apiserver-audit-log-maxbackup",
        Low,
        "API server keeps fewer than 10 audit log files",
        "Too few rotated files lose audit history under load.",
        "```yaml\n- --audit-log-maxbackup=10\n```",
        REFS_API
    ),
    check!(
        "1.2.19",
        API,
        FlagTest::AtLeast("audit-log-maxsize", 100),
        "apiserver-audit-log-maxsize",
        Low,
        "API server rotates audit logs below 100 MB",
        "Small audit files rotate quickly and, with a limited backup count, lose history.",
        "```yaml\n- --audit-log-maxsize=100\n```",
        REFS_API
    ),
    check!("1.2.20", API, FlagTest::Advisory("request-timeout")),
    check!(
        "1.2.21",
        API,
        FlagTest::Bool("service-account-lookup", true),
        "apiserver-service-account-lookup",
        Medium,
        "API server accepts tokens of deleted service accounts",
        "With --service-account-lookup=false a token stays valid after its service account is deleted.",
        "Remove `--service-account-lookup=false` (the default is true).",
        REFS_API
    ),
    check!(
        "1.2.22",
        API,
        FlagTest::Set(&["service-account-key-file"]),
        "apiserver-service-account-key-file",
        Medium,
        "API server has no service account verification key",
        "The public key that verifies service account tokens should be set explicitly so keys can be rotated.",
        "```yaml\n- --service-account-key-file=/etc/kubernetes/pki/sa.pub\n```",
        REFS_API
    ),
    check!(
        "1.2.23",
        API,
        FlagTest::Set(&["etcd-certfile", "etcd-keyfile"]),
        "apiserver-etcd-client-cert",
        High,
        "API server talks to etcd without a client certificate",
        "etcd holds every secret of the cluster; the API server must authenticate to it with a client certificate.",
        "```yaml\n- --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt\n- --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key\n```",
        REFS_API
    ),
    check!(
        "1.2.24",
        API,
        FlagTest::Set(&["tls-cert-file", "tls-private-key-file"]),
        "apiserver-tls-cert",
        High,
        "API server has no explicit serving certificate",
        "Without a serving certificate from the cluster CA clients cannot verify the API server.",
        "```yaml\n- --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n- --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n```",
        REFS_API
    ),
    check!(
        "1.2.25",
        API,
        FlagTest::Set(&["client-ca-file"]),
        "apiserver-client-ca-file",
        High,
        "API server does not verify client certificates",
        "Without --client-ca-file no client certificate is accepted, and kubelets and controllers fall back to weaker credentials.",
        "```yaml\n- --client-ca-file=/etc/kubernetes/pki/ca.crt\n```",
        REFS_API
    ),
    check!(
        "1.2.26",
        API,
        FlagTest::Set(&["etcd-cafile"]),
        "apiserver-etcd-cafile",
        High,
        "API server does not verify etcd's certificate",
        "Without --etcd-cafile the API server cannot tell etcd from an impostor.",
        "```yaml\n- --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt\n```",
        REFS_API
    ),
    check!(
        "1.2.27",
        API,
        FlagTest::Set(&["encryption-provider-config"]),
        "apiserver-encryption-provider-config",
        High,
        "Secrets are not encrypted at rest",
        "Without an encryption provider config Secrets are stored in etcd in plain text, readable from any etcd backup or disk.",
        "Write an EncryptionConfiguration (KMS v2, or secretbox/aesgcm) and set:\n```yaml\n- --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml\n```",
        REFS_API
    ),
    check!(
        "1.2.29",
        API,
        FlagTest::Ciphers("tls-cipher-suites", APISERVER_STRONG_CIPHERS),
        "apiserver-weak-tls-ciphers",
        Medium,
        "API server allows weak TLS cipher suites",
        "Unset, Go's default list applies, which includes CBC suites; an explicit list of AEAD suites removes downgrade options.",
        "```yaml\n- --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305\n```",
        REFS_API
    ),
    check!(
        "1.2.30",
        API,
        FlagTest::Bool("service-account-extend-token-expiration", false),
        "apiserver-extend-token-expiration",
        Low,
        "API server extends service account token lifetimes",
        "With the default (true) projected tokens are issued for a year to ease migration, so a stolen token stays useful far longer than its requested lifetime.",
        "```yaml\n- --service-account-extend-token-expiration=false\n```",
        REFS_API
    ),
    check!(
        "1.3.1",
        CM,
        FlagTest::Advisory("terminated-pod-gc-threshold")
    ),
    check!(
        "1.3.2",
        CM,
        FlagTest::Bool("profiling", false),
        "controller-manager-profiling",
        Low,
        "Controller manager exposes profiling endpoints",
        "Profiling (on by default) serves /debug/pprof, which reveals internals.",
        "```yaml\n- --profiling=false\n```",
        REFS_CM
    ),
    check!(
        "1.3.3",
        CM,
        FlagTest::Bool("use-service-account-credentials", true),
        "controller-manager-sa-credentials",
        Medium,
        "Controllers share the controller manager's credential",
        "Without --use-service-account-credentials every controller acts with the controller manager's own, broad identity instead of a least-privilege service account each.",
        "```yaml\n- --use-service-account-credentials=true\n```",
        REFS_CM
    ),
    check!(
        "1.3.4",
        CM,
        FlagTest::Set(&["service-account-private-key-file"]),
        "controller-manager-sa-private-key",
        Medium,
        "Controller manager has no service account signing key",
        "The key that signs service account tokens should be set explicitly so it can be rotated.",
        "```yaml\n- --service-account-private-key-file=/etc/kubernetes/pki/sa.key\n```",
        REFS_CM
    ),
    check!(
        "1.3.5",
        CM,
        FlagTest::Set(&["root-ca-file"]),
        "controller-manager-root-ca-file",
        Medium,
        "Controller manager does not publish the root CA to pods",
        "Without --root-ca-file pods cannot verify the API server's certificate and may skip verification.",
        "```yaml\n- --root-ca-file=/etc/kubernetes/pki/ca.crt\n```",
        REFS_CM
    ),
    check!(
        "1.3.6",
        CM,
        FlagTest::GateNotOff("RotateKubeletServerCertificate"),
        "controller-manager-kubelet-cert-rotation-off",
        Medium,
        "Kubelet serving certificate rotation is turned off",
        "With RotateKubeletServerCertificate=false kubelet serving certificates are not renewed through the API and expire or stay self-signed.",
        "Remove `RotateKubeletServerCertificate=false` from `--feature-gates`.",
        REFS_CM
    ),
    check!(
        "1.3.7",
        CM,
        FlagTest::Equals("bind-address", "127.0.0.1"),
        "controller-manager-bind-address",
        Medium,
        "Controller manager serves on every interface",
        "The default bind address 0.0.0.0 exposes the controller manager's health and metrics endpoints to the network.",
        "```yaml\n- --bind-address=127.0.0.1\n```",
        REFS_CM
    ),
    check!(
        "1.4.1",
        SCHED,
        FlagTest::Bool("profiling", false),
        "scheduler-profiling",
        Low,
        "Scheduler exposes profiling endpoints",
        "Profiling (on by default) serves /debug/pprof, which reveals internals.",
        "```yaml\n- --profiling=false\n```",
        REFS_SCHED
    ),
    check!(
        "1.4.2",
        SCHED,
        FlagTest::Equals("bind-address", "127.0.0.1"),
        "scheduler-bind-address",
        Medium,
        "Scheduler serves on every interface",
        "The default bind address 0.0.0.0 exposes the scheduler's health and metrics endpoints to the network.",
        "```yaml\n- --bind-address=127.0.0.1\n```",
        REFS_SCHED
    ),
    check!(
        "2.1",
        ETCD,
        FlagTest::Set(&["cert-file", "key-file"]),
        "etcd-client-tls",
        High,
        "etcd serves clients without TLS",
        "Without a serving certificate etcd talks plain HTTP and every secret crosses the network in clear.",
        "```yaml\n- --cert-file=/etc/kubernetes/pki/etcd/server.crt\n- --key-file=/etc/kubernetes/pki/etcd/server.key\n```",
        REFS_ETCD
    ),
    check!(
        "2.2",
        ETCD,
        FlagTest::Bool("client-cert-auth", true),
        "etcd-client-cert-auth",
        High,
        "etcd does not require client certificates",
        "Without --client-cert-auth any client that reaches etcd's port can read and write the whole cluster state.",
        "```yaml\n- --client-cert-auth=true\n- --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n```",
        REFS_ETCD
    ),
    check!(
        "2.3",
        ETCD,
        FlagTest::Bool("auto-tls", false),
        "etcd-auto-tls",
        Medium,
        "etcd uses self-signed client certificates (auto-tls)",
        "--auto-tls makes etcd generate a self-signed certificate that clients cannot verify.",
        "Remove `--auto-tls` and give etcd certificates from its CA.",
        REFS_ETCD
    ),
    check!(
        "2.4",
        ETCD,
        FlagTest::Set(&["peer-cert-file", "peer-key-file"]),
        "etcd-peer-tls",
        High,
        "etcd peers talk without TLS",
        "Without peer certificates etcd members replicate the cluster state in clear.",
        "```yaml\n- --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n- --peer-key-file=/etc/kubernetes/pki/etcd/peer.key\n```",
        REFS_ETCD
    ),
    check!(
        "2.5",
        ETCD,
        FlagTest::Bool("peer-client-cert-auth", true),
        "etcd-peer-client-cert-auth",
        High,
        "etcd does not authenticate its peers",
        "Without --peer-client-cert-auth any host that reaches the peer port can join or impersonate a member.",
        "```yaml\n- --peer-client-cert-auth=true\n- --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n```",
        REFS_ETCD
    ),
    check!(
        "2.6",
        ETCD,
        FlagTest::Bool("peer-auto-tls", false),
        "etcd-peer-auto-tls",
        Medium,
        "etcd uses self-signed peer certificates (peer-auto-tls)",
        "--peer-auto-tls makes peers use self-signed certificates that cannot be verified.",
        "Remove `--peer-auto-tls` and give etcd peer certificates from its CA.",
        REFS_ETCD
    ),
    check!(
        "3.2.1",
        API,
        FlagTest::Set(&["audit-policy-file"]),
        "apiserver-audit-policy-file",
        Medium,
        "API server has no audit policy",
        "Without --audit-policy-file nothing is audited, even with an audit log path.",
        "Write a policy (see `bulwark explain audit-policy-no-catch-all`) and set:\n```yaml\n- --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n```",
        REFS_API
    ),
];

/// The flag check of a CIS id.
pub fn by_cis(id: &str) -> Option<&'static FlagCheck> {
    FLAG_CHECKS.iter().find(|c| c.cis == id)
}
