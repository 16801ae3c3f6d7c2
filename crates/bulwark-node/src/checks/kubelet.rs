//! Kubelet checks (CIS 4.2) on the merged settings: config file, drop-ins
//! and flags, with the defaults that apply.

use bulwark_core::{RuleMeta, Severity};

use super::{CIS_DOC, KUBELET_STRONG_CIPHERS, cipher_verdict, rule};
use crate::kubelet::{self as k, KubeletView, Setting};
use crate::verdict::Verdict;

/// One kubelet check; `meta` is its `scan` rule.
pub struct KubeletCheck {
    /// CIS id; empty for checks the benchmark no longer lists.
    pub cis: &'static [&'static str],
    pub meta: RuleMeta,
    pub eval: fn(&KubeletView<'_>) -> Verdict,
}

fn judged(s: &Setting<'_>, ok: bool) -> Verdict {
    let d = s.describe();
    if ok {
        Verdict::pass(d)
    } else {
        Verdict::fail(d)
    }
    .at(s.path())
}

fn bool_is(v: &KubeletView<'_>, f: k::Field, want: bool) -> Verdict {
    let s = v.get(f);
    let ok = s.as_bool() == Some(want);
    judged(&s, ok)
}

fn anonymous(v: &KubeletView<'_>) -> Verdict {
    bool_is(v, k::ANONYMOUS, false)
}
fn webhook_authn(v: &KubeletView<'_>) -> Verdict {
    bool_is(v, k::WEBHOOK_AUTHN, true)
}
fn authz(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::AUTHZ_MODE);
    let ok = s.as_str().is_some_and(|m| m != "AlwaysAllow");
    judged(&s, ok)
}
fn client_ca(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::CLIENT_CA);
    let ok = s.as_str().is_some_and(|p| !p.trim().is_empty());
    judged(&s, ok)
}
fn read_only_port(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::READ_ONLY_PORT);
    let ok = s.as_i64() == Some(0);
    judged(&s, ok)
}
/// A Go duration of zero (`0`, `0s`, `0m0s`).
fn is_zero_duration(d: &str) -> bool {
    let t = d.trim();
    !t.is_empty() && t.chars().all(|c| matches!(c, '0' | 'h' | 'm' | 's' | '.'))
}
fn streaming_idle(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::STREAMING_IDLE);
    let ok = s.as_str().is_some_and(|d| !is_zero_duration(&d));
    judged(&s, ok)
}
fn iptables(v: &KubeletView<'_>) -> Verdict {
    bool_is(v, k::IPTABLES_CHAINS, true)
}
fn event_qps(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::EVENT_QPS);
    let d = s.describe();
    match s.as_i64() {
        Some(n) if n > 0 => Verdict::pass(d),
        Some(0) => Verdict::warn(format!(
            "{d}: 0 means no limit, so an event storm can overload the kubelet and API server"
        )),
        _ => Verdict::fail(format!("{d}: not a non-negative number")),
    }
    .at(s.path())
}
fn tls_cert(v: &KubeletView<'_>) -> Verdict {
    let c = v.get(k::TLS_CERT);
    let key = v.get(k::TLS_KEY);
    let boot = v.get(k::SERVER_TLS_BOOTSTRAP);
    let set = |s: &Setting<'_>| s.as_str().is_some_and(|x| !x.trim().is_empty());
    if set(&c) && set(&key) {
        let mut out = Verdict::pass(c.describe());
        out.evidence.push(key.describe());
        out
    } else if boot.as_bool() == Some(true) {
        Verdict::pass(format!(
            "{}: the serving certificate is requested from the cluster CA",
            boot.describe()
        ))
    } else {
        let mut out = Verdict::fail(format!(
            "{}; {}: the kubelet serves with a self-signed certificate nobody can verify",
            c.describe(),
            boot.describe()
        ))
        .at(c.path());
        out.evidence.push(key.describe());
        out
    }
}
fn rotate_certs(v: &KubeletView<'_>) -> Verdict {
    bool_is(v, k::ROTATE_CERTS, true)
}
fn server_cert_rotation(v: &KubeletView<'_>) -> Verdict {
    if let Some((false, ev)) = v.feature_gate("RotateKubeletServerCertificate") {
        return Verdict::fail(ev).at(Some(bulwark_core::FieldPath::parse(
            "featureGates.RotateKubeletServerCertificate",
        )));
    }
    let boot = v.get(k::SERVER_TLS_BOOTSTRAP);
    if boot.as_bool() == Some(true) {
        return Verdict::pass(boot.describe());
    }
    let cert = v.get(k::TLS_CERT);
    if cert.as_str().is_some_and(|x| !x.trim().is_empty()) {
        return Verdict::warn(format!(
            "{}; {}: the serving certificate is managed outside the kubelet; check how it is renewed",
            boot.describe(),
            cert.describe()
        ))
        .at(boot.path());
    }
    Verdict::fail(format!(
        "{}: the kubelet does not request or rotate its serving certificate",
        boot.describe()
    ))
    .at(boot.path())
}
fn ciphers(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::TLS_CIPHERS);
    let list = if s.is_default() { None } else { s.as_list() };
    cipher_verdict(list, KUBELET_STRONG_CIPHERS, s.describe()).at(s.path())
}
fn pod_pids(v: &KubeletView<'_>) -> Verdict {
    let s = v.get(k::POD_PIDS);
    let ok = s.as_i64().is_some_and(|n| n > 0);
    let mut out = judged(&s, ok);
    if !ok {
        out.evidence[0].push_str(": pods may create processes without limit (fork bomb)");
    }
    out
}
fn seccomp_default(v: &KubeletView<'_>) -> Verdict {
    bool_is(v, k::SECCOMP_DEFAULT, true)
}
fn protect_kernel(v: &KubeletView<'_>) -> Verdict {
    bool_is(v, k::PROTECT_KERNEL, true)
}

const REFS: &[&str] = &[
    "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
    "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/",
    CIS_DOC,
];
const N: &str = "node";

macro_rules! kcheck {
    ([$($cis:literal)?], $eval:ident, $id:literal, $sev:ident, $title:literal, $desc:literal, $fix:literal) => {
        KubeletCheck {
            cis: &[$($cis)?],
            eval: $eval,
            meta: rule(
                $id,
                $title,
                Severity::$sev,
                N,
                &[$($cis)?],
                $desc,
                $fix,
                REFS,
            ),
        }
    };
}

/// Every kubelet check.
pub static KUBELET_CHECKS: &[KubeletCheck] = &[
    kcheck!(
        ["4.2.1"],
        anonymous,
        "kubelet-anonymous-auth",
        High,
        "Kubelet accepts anonymous requests",
        "Anonymous requests to the kubelet API (port 10250) can list pods and, with a permissive authorizer, exec into them.",
        "```yaml\nauthentication:\n  anonymous:\n    enabled: false\n```"
    ),
    kcheck!(
        [],
        webhook_authn,
        "kubelet-webhook-authn-disabled",
        High,
        "Kubelet does not authenticate bearer tokens",
        "Without webhook authentication the kubelet cannot verify service account and user tokens, so callers fall back to anonymous access or client certificates only.",
        "```yaml\nauthentication:\n  webhook:\n    enabled: true\n```"
    ),
    kcheck!(
        ["4.2.2"],
        authz,
        "kubelet-authorization-always-allow",
        Critical,
        "Kubelet authorizes every request (AlwaysAllow)",
        "AlwaysAllow lets any caller that authenticates (or any anonymous caller) run commands in every pod on the node.",
        "```yaml\nauthorization:\n  mode: Webhook\n```"
    ),
    kcheck!(
        ["4.2.3"],
        client_ca,
        "kubelet-client-ca-file",
        High,
        "Kubelet does not verify client certificates",
        "Without a client CA the kubelet cannot authenticate the API server or other clients by certificate.",
        "```yaml\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n```"
    ),
    kcheck!(
        ["4.2.4"],
        read_only_port,
        "kubelet-read-only-port",
        Medium,
        "Kubelet serves the unauthenticated read-only port",
        "The read-only port (10255) serves pod specs, environment variables and metrics with no authentication at all.",
        "```yaml\nreadOnlyPort: 0\n```"
    ),
    kcheck!(
        ["4.2.5"],
        streaming_idle,
        "kubelet-streaming-idle-timeout-disabled",
        Low,
        "Kubelet never times out idle streams",
        "With streamingConnectionIdleTimeout 0, exec and port-forward connections stay open forever, holding resources and access.",
        "```yaml\nstreamingConnectionIdleTimeout: 5m\n```"
    ),
    kcheck!(
        ["4.2.6"],
        iptables,
        "kubelet-iptables-util-chains",
        Low,
        "Kubelet does not manage its iptables chains",
        "With makeIPTablesUtilChains false the kubelet does not keep the chains that drop invalid and marked packets up to date.",
        "```yaml\nmakeIPTablesUtilChains: true\n```"
    ),
    kcheck!(
        ["4.2.8"],
        event_qps,
        "kubelet-event-qps-unlimited",
        Low,
        "Kubelet event rate is unlimited or invalid",
        "eventRecordQPS 0 removes the limit on events, so a flood can overload the kubelet and the API server; too low a value drops events.",
        "```yaml\neventRecordQPS: 50\n```"
    ),
    kcheck!(
        ["4.2.9"],
        tls_cert,
        "kubelet-tls-cert",
        Medium,
        "Kubelet serves with a self-signed certificate",
        "Without tlsCertFile/tlsPrivateKeyFile or serverTLSBootstrap the kubelet generates a self-signed certificate that the API server cannot verify.",
        "```yaml\nserverTLSBootstrap: true\n```\nor set `tlsCertFile` and `tlsPrivateKeyFile`."
    ),
    kcheck!(
        ["4.2.10"],
        rotate_certs,
        "kubelet-rotate-certificates",
        Medium,
        "Kubelet does not rotate its client certificate",
        "rotateCertificates defaults to false in kubelet.config.k8s.io/v1beta1; without it the client certificate expires and is replaced by hand, if at all.",
        "```yaml\nrotateCertificates: true\n```"
    ),
    kcheck!(
        ["4.2.11"],
        server_cert_rotation,
        "kubelet-server-cert-rotation",
        Medium,
        "Kubelet serving certificate is not rotated",
        "The serving certificate is renewed through the API only with serverTLSBootstrap (and the RotateKubeletServerCertificate gate on).",
        "```yaml\nserverTLSBootstrap: true\n```\nand approve the kubelet-serving CSRs."
    ),
    kcheck!(
        ["4.2.12"],
        ciphers,
        "kubelet-weak-tls-ciphers",
        Medium,
        "Kubelet allows weak TLS cipher suites",
        "Unset, Go's default list applies, which includes CBC suites; an explicit list of AEAD suites removes downgrade options.",
        "```yaml\ntlsCipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305]\n```"
    ),
    kcheck!(
        ["4.2.13"],
        pod_pids,
        "kubelet-pod-pids-limit",
        Low,
        "Pods may create unlimited processes",
        "podPidsLimit defaults to -1 (no limit): one pod can exhaust the node's PIDs and starve the kubelet.",
        "```yaml\npodPidsLimit: 4096\n```"
    ),
    kcheck!(
        ["4.2.14"],
        seccomp_default,
        "kubelet-seccomp-default",
        Low,
        "Kubelet does not default pods to RuntimeDefault seccomp",
        "seccompDefault false leaves containers without a seccomp profile unconfined, with the whole syscall surface of the kernel.",
        "```yaml\nseccompDefault: true\n```"
    ),
    kcheck!(
        [],
        protect_kernel,
        "kubelet-protect-kernel-defaults",
        Low,
        "Kubelet may change kernel settings",
        "With protectKernelDefaults false the kubelet tunes kernel parameters itself instead of failing when they differ from what it expects, hiding drift.",
        "```yaml\nprotectKernelDefaults: true\n```"
    ),
];

pub fn by_cis(id: &str) -> Option<&'static KubeletCheck> {
    KUBELET_CHECKS.iter().find(|c| c.cis.contains(&id))
}
