//! The checks, each written once: `scan` runs them on config files found
//! among its inputs, `node` runs them on what it collected from a host.

pub mod audit_policy;
pub mod control_plane;
pub mod encryption;
pub mod kubeconfig;
pub mod kubelet;
pub mod legacy_flags;

use bulwark_core::{Mappings, RuleMeta, Severity};

pub(crate) const CIS_DOC: &str = "https://www.cisecurity.org/benchmark/kubernetes";

/// The NSA-CISA Kubernetes Hardening Guidance (v1.2) section a node rule
/// belongs to, by the rule's category.
const fn nsa_section(category: &str) -> &'static [&'static str] {
    const fn eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    if eq(category, "encryption") {
        &["Network separation and hardening: Secrets"]
    } else if eq(category, "audit") {
        &["Audit logging and threat detection: Kubernetes native audit logging configuration"]
    } else if eq(category, "kubeconfig") {
        &["Network separation and hardening: Kubeconfig files"]
    } else {
        &["Network separation and hardening: Control plane hardening"]
    }
}

/// Metadata of a node rule; the CIS id is its mapping.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    category: &'static str,
    cis: &'static [&'static str],
    description: &'static str,
    remediation: &'static str,
    references: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        severity,
        category,
        description,
        remediation,
        references,
        mappings: Mappings {
            cis,
            nsa: nsa_section(category),
            mitre: &[],
            pss: &[],
            pci_dss: &["2.2.1"],
            soc2: &["CC6.1"],
            iso27001: &["A.8.9"],
            hipaa: &[],
        },
    }
}

/// Cipher suites the benchmark accepts for the API server (1.2.29).
pub const APISERVER_STRONG_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// Cipher suites the benchmark accepts for the kubelet (4.2.12).
pub const KUBELET_STRONG_CIPHERS: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];

/// Judges a cipher list; `None` (unset) means Go's defaults, which include
/// CBC suites outside the accepted set.
pub(crate) fn cipher_verdict(
    list: Option<Vec<String>>,
    allowed: &[&str],
    shown: String,
) -> crate::verdict::Verdict {
    use crate::verdict::Verdict;
    match list {
        None => Verdict::fail(format!(
            "{shown}: Go's default suites apply, which include CBC suites outside the accepted set"
        )),
        Some(l) if l.is_empty() => {
            Verdict::fail(format!("{shown}: empty list, Go's default suites apply"))
        }
        Some(l) => {
            let weak: Vec<_> = l
                .iter()
                .filter(|c| !allowed.contains(&c.as_str()))
                .collect();
            if weak.is_empty() {
                Verdict::pass(shown)
            } else {
                Verdict::fail(format!("{shown}: weak or unlisted suites {weak:?}"))
            }
        }
    }
}
