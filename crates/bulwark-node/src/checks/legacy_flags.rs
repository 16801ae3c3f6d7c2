//! API server flags that older CIS benchmarks check and CIS 1.12 dropped,
//! because the flag was removed or its default became safe. Clusters on
//! those releases still run them, so each check knows the release where
//! the default changed and judges an absent flag by the component's
//! release (the image tag), assuming a current one when it is unknown.

use bulwark_core::{RuleMeta, Severity};

use super::{CIS_DOC, rule};
use crate::component::Component;
use crate::flags::Flags;
use crate::verdict::Verdict;

/// A flag check whose answer depends on the component's release.
#[derive(Debug)]
pub struct LegacyCheck {
    pub component: Component,
    pub meta: RuleMeta,
    pub eval: fn(&Flags) -> Verdict,
}

fn release(flags: &Flags) -> String {
    match flags.version {
        Some((a, b)) => format!("v{a}.{b} (image tag)"),
        None => "release unknown, judged as a current one".to_string(),
    }
}

/// `true` when the component is known to be older than `major.minor`.
fn before(flags: &Flags, major: u32, minor: u32) -> bool {
    flags.version.is_some_and(|v| v < (major, minor))
}

/// The flag's own item in a manifest, else the argument list.
fn at(flags: &Flags, name: &str) -> Option<bulwark_core::FieldPath> {
    match flags.get(name).map(|v| &v.source) {
        Some(crate::flags::Source::Manifest { path, .. }) => Some(path.clone()),
        _ => flags.anchor.clone(),
    }
}

fn number(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

/// CIS 1.6 1.2.19: the unauthenticated, unencrypted port. Default 8080
/// (bound to 127.0.0.1) before v1.20; v1.20 disabled it and v1.24 removed
/// the flag.
fn insecure_port(flags: &Flags) -> Verdict {
    let at = at(flags, "insecure-port");
    match flags.get("insecure-port") {
        Some(v) if number(&v.value) == Some(0) => {
            Verdict::pass(format!("--insecure-port=0 at {}", v.source))
        }
        Some(v) => Verdict::fail(format!(
            "--insecure-port={} at {}: serves the API without authentication or TLS ({})",
            v.value,
            v.source,
            release(flags)
        ))
        .at(at),
        None if before(flags, 1, 20) => Verdict::fail(format!(
            "--insecure-port not set: defaults to 8080 before v1.20 ({})",
            release(flags)
        ))
        .at(at),
        None => Verdict::pass(format!(
            "--insecure-port not set: disabled since v1.20 ({})",
            release(flags)
        )),
    }
}

/// CIS 1.5 1.2.18: where the insecure port listens (removed in v1.24).
fn insecure_bind_address(flags: &Flags) -> Verdict {
    match flags.get("insecure-bind-address") {
        Some(v) if matches!(v.value.trim(), "127.0.0.1" | "localhost" | "::1") => {
            Verdict::pass(format!("--insecure-bind-address={} at {}", v.value, v.source))
        }
        Some(v) => Verdict::fail(format!(
            "--insecure-bind-address={} at {}: the insecure port is reachable from the network ({})",
            v.value,
            v.source,
            release(flags)
        ))
        .at(at(flags, "insecure-bind-address")),
        None => Verdict::pass("--insecure-bind-address not set"),
    }
}

/// CIS 1.6 1.2.20: `--secure-port=0` turns HTTPS off (refused since
/// v1.24, where 0 is no longer a valid value).
fn secure_port(flags: &Flags) -> Verdict {
    match flags.get("secure-port") {
        Some(v) if number(&v.value) == Some(0) => Verdict::fail(format!(
            "--secure-port=0 at {}: the API server does not serve HTTPS ({})",
            v.source,
            release(flags)
        ))
        .at(at(flags, "secure-port")),
        Some(v) => Verdict::pass(format!("--secure-port={} at {}", v.value, v.source)),
        None => Verdict::pass("--secure-port not set: 6443"),
    }
}

/// CIS 1.5 1.2.4: HTTPS to kubelets (default true; the flag was removed
/// in v1.22, after which the connection is always HTTPS).
fn kubelet_https(flags: &Flags) -> Verdict {
    match flags.get("kubelet-https") {
        Some(v) if crate::flags::parse_bool(&v.value) == Some(false) => Verdict::fail(format!(
            "--kubelet-https={} at {}: exec, logs and port-forward travel to kubelets in plain HTTP ({})",
            v.value,
            v.source,
            release(flags)
        ))
        .at(at(flags, "kubelet-https")),
        Some(v) => Verdict::pass(format!("--kubelet-https={} at {}", v.value, v.source)),
        None => Verdict::pass("--kubelet-https not set: HTTPS (the default)"),
    }
}

const REFS: &[&str] = &[
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/",
    CIS_DOC,
];

/// The release-aware API server checks.
pub static LEGACY_CHECKS: &[LegacyCheck] = &[
    LegacyCheck {
        component: Component::ApiServer,
        eval: insecure_port,
        meta: rule(
            "apiserver-insecure-port",
            "API server serves an insecure port",
            Severity::Critical,
            "control-plane",
            &[],
            "The insecure port takes requests without authentication, authorization or TLS: anyone who reaches it is cluster-admin. Before v1.20 it defaults to 8080 (CIS 1.6 1.2.19 asks for --insecure-port=0); v1.20 disabled it and v1.24 removed the flag.",
            "```yaml\n- --insecure-port=0\n```\nOn v1.24 and later remove the flag (the API server refuses to start with it), and upgrade releases older than v1.20.",
            REFS,
        ),
    },
    LegacyCheck {
        component: Component::ApiServer,
        eval: insecure_bind_address,
        meta: rule(
            "apiserver-insecure-bind-address",
            "API server binds its insecure port to the network",
            Severity::Critical,
            "control-plane",
            &[],
            "--insecure-bind-address other than localhost exposes the unauthenticated port to every host that can reach the node (CIS 1.5 1.2.18). The flag was removed in v1.24.",
            "Remove `--insecure-bind-address` (and set `--insecure-port=0` on releases before v1.20).",
            REFS,
        ),
    },
    LegacyCheck {
        component: Component::ApiServer,
        eval: secure_port,
        meta: rule(
            "apiserver-secure-port-disabled",
            "API server does not serve HTTPS",
            Severity::High,
            "control-plane",
            &[],
            "--secure-port=0 turns the authenticated HTTPS port off, leaving only the insecure one (CIS 1.6 1.2.20). Since v1.24 the value 0 is refused.",
            "Remove `--secure-port=0` (the default is 6443) or set a port, e.g. `--secure-port=6443`.",
            REFS,
        ),
    },
    LegacyCheck {
        component: Component::ApiServer,
        eval: kubelet_https,
        meta: rule(
            "apiserver-kubelet-https-disabled",
            "API server talks to kubelets over plain HTTP",
            Severity::High,
            "control-plane",
            &[],
            "--kubelet-https=false sends exec, attach, logs and port-forward traffic, and the credentials with it, to kubelets unencrypted (CIS 1.5 1.2.4). The flag was removed in v1.22.",
            "Remove `--kubelet-https=false` (the default is true).",
            REFS,
        ),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Source;
    use crate::verdict::Status;

    fn api(version: Option<(u32, u32)>, args: &[(&str, &str)]) -> Flags {
        let mut f = Flags::new(Component::ApiServer, "t");
        f.version = version;
        for (k, v) in args {
            f.set(k, *v, Source::Cmdline { pid: 1 });
        }
        f
    }

    #[test]
    fn an_absent_insecure_port_is_judged_by_release() {
        assert_eq!(insecure_port(&api(Some((1, 19)), &[])).status, Status::Fail);
        assert_eq!(insecure_port(&api(Some((1, 20)), &[])).status, Status::Pass);
        assert_eq!(insecure_port(&api(None, &[])).status, Status::Pass);
        assert_eq!(
            insecure_port(&api(Some((1, 18)), &[("insecure-port", "0")])).status,
            Status::Pass
        );
        assert_eq!(
            insecure_port(&api(None, &[("insecure-port", "8080")])).status,
            Status::Fail
        );
    }

    #[test]
    fn set_flags_fail_whatever_the_release() {
        for v in [Some((1, 16)), Some((1, 30)), None] {
            let f = api(
                v,
                &[
                    ("insecure-bind-address", "0.0.0.0"),
                    ("secure-port", "0"),
                    ("kubelet-https", "false"),
                ],
            );
            assert_eq!(insecure_bind_address(&f).status, Status::Fail);
            assert_eq!(secure_port(&f).status, Status::Fail);
            assert_eq!(kubelet_https(&f).status, Status::Fail);
        }
        let ok = api(
            None,
            &[
                ("insecure-bind-address", "127.0.0.1"),
                ("secure-port", "6443"),
                ("kubelet-https", "true"),
            ],
        );
        assert_eq!(insecure_bind_address(&ok).status, Status::Pass);
        assert_eq!(secure_port(&ok).status, Status::Pass);
        assert_eq!(kubelet_https(&ok).status, Status::Pass);
    }
}
