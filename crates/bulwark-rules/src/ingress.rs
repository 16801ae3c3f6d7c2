//! Rules on Ingresses: hosts served without TLS, and ingress-nginx snippet
//! annotations.

use bulwark_core::value::as_array;
use bulwark_core::{FieldPath, Mappings, Resource, RuleMeta, Severity};
use serde_json::Value;

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&NO_TLS, &SNIPPETS, &WEAK_TLS];

/// Ingress in any API group that served it (`networking.k8s.io`, the
/// removed `extensions/v1beta1`): the fields read here kept their shape.
fn is_ingress(res: &Resource) -> bool {
    res.kind() == "Ingress"
}

static NO_TLS_META: RuleMeta = RuleMeta {
    id: "ingress-without-tls",
    title: "Ingress serves hosts without TLS",
    severity: Severity::Medium,
    category: "network",
    description: "Without a `tls` entry covering a host, the Ingress controller serves it over \
        plain HTTP: credentials, session cookies and data cross the network readable and \
        alterable by anyone on the path. The rule fires when `spec.tls` is missing, or when a \
        rule's host is covered by no `tls[].hosts` entry (a wildcard covers one label; a `tls` \
        entry without hosts, and any `tls` entry for a rule without a host, is taken to cover \
        it through the controller's default certificate).",
    remediation: "Add a `tls` section listing every host, with a certificate Secret (cert-manager \
        can issue it):\n\
        ```yaml\nspec:\n  tls:\n  - hosts:\n    - shop.example.com\n    secretName: shop-tls\n  rules:\n  - host: shop.example.com\n    http:\n      paths: [...]\n```",
    references: &["https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"],
    mappings: Mappings {
        cis: &[],
        nsa: &["Network separation and hardening: Encryption"],
        mitre: &["T1040", "T1557"],
        pss: &[],
        pci_dss: &["4.2.1"],
        soc2: &["CC6.7"],
        iso27001: &["A.8.20", "A.8.24"],
        hipaa: &["164.312(e)(1)", "164.312(e)(2)(ii)"],
    },
};

pub static NO_TLS: Check = Check {
    meta: &NO_TLS_META,
    run: CheckFn::Object(check_tls),
};

/// Whether a TLS host (maybe `*.example.com`) covers a rule host.
fn host_covers(tls_host: &str, host: &str) -> bool {
    let (t, h) = (tls_host.to_ascii_lowercase(), host.to_ascii_lowercase());
    if t == h {
        return true;
    }
    match t.strip_prefix("*.") {
        Some(suffix) => h
            .split_once('.')
            .is_some_and(|(label, rest)| rest == suffix && label != "*"),
        None => false,
    }
}

fn check_tls(res: &Resource, emit: &mut Emit<'_>) {
    if !is_ingress(res) {
        return;
    }
    let tls_path = FieldPath::parse("spec.tls");
    let tls = as_array(res.get(&tls_path));
    let name = &res.id.name;
    if tls.is_empty() {
        emit.at(
            tls_path,
            format!("Ingress \"{name}\" has no tls section: it serves plain HTTP"),
        );
        return;
    }
    let mut tls_hosts: Vec<&str> = Vec::new();
    for entry in tls {
        let hosts = as_array(entry.get("hosts"));
        if hosts.is_empty() {
            // No hosts: the controller's default certificate covers all.
            return;
        }
        tls_hosts.extend(hosts.iter().filter_map(Value::as_str));
    }
    let rules_path = FieldPath::parse("spec.rules");
    for (i, rule) in as_array(res.get(&rules_path)).iter().enumerate() {
        let Some(host) = rule.get("host").and_then(Value::as_str) else {
            continue;
        };
        if !tls_hosts.iter().any(|t| host_covers(t, host)) {
            emit.at(
                rules_path.index(i).key("host"),
                format!(
                    "Ingress \"{name}\" serves host {host} without TLS: no tls entry covers it"
                ),
            );
        }
    }
}

static SNIPPET_META: RuleMeta = RuleMeta {
    id: "ingress-nginx-snippet-annotation",
    title: "Ingress uses an NGINX configuration snippet annotation",
    severity: Severity::High,
    category: "network",
    description: "Snippet annotations (`nginx.ingress.kubernetes.io/configuration-snippet`, \
        `server-snippet`, `auth-snippet`, `stream-snippet`, `modsecurity-snippet`, and \
        NGINX Inc.'s `nginx.org/*-snippets`) paste raw text into the controller's nginx.conf. \
        Whoever can create an Ingress can then read files of the controller pod, including its \
        service account token, which in ingress-nginx can read every Secret in the cluster \
        (CVE-2021-25742, CVE-2023-5043), or inject configuration the admission webhook \
        executes (the CVE-2025-1974 \"IngressNightmare\" class). ingress-nginx disables them by \
        default since v1.9 (`allow-snippet-annotations: false`); an Ingress that relies on \
        them forces the controller to re-enable them for everyone.",
    remediation: "Express the behaviour with the dedicated annotations (or a global ConfigMap \
        setting the cluster admin reviews), and keep snippets disabled in the controller:\n\
        ```yaml\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-body-size: 8m\n    nginx.ingress.kubernetes.io/ssl-redirect: \"true\"\n```",
    references: &[
        "https://github.com/kubernetes/ingress-nginx/issues/7837",
        "https://github.com/kubernetes/kubernetes/issues/131009",
        "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations-risk/",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Upgrading and application security practices"],
        mitre: &["T1190", "T1552.007"],
        pss: &[],
        pci_dss: &["6.2.4", "6.3.3"],
        soc2: &["CC6.1", "CC7.1"],
        iso27001: &["A.8.9", "A.8.28"],
        hipaa: &[],
    },
};

pub static SNIPPETS: Check = Check {
    meta: &SNIPPET_META,
    run: CheckFn::Object(check_snippets),
};

/// Annotations whose value the controller copies into its configuration.
fn is_snippet_annotation(key: &str) -> bool {
    match key.split_once('/') {
        Some(("nginx.ingress.kubernetes.io", name)) => name.ends_with("-snippet"),
        Some(("nginx.org", name)) => name.ends_with("-snippets"),
        _ => false,
    }
}

fn check_snippets(res: &Resource, emit: &mut Emit<'_>) {
    if !is_ingress(res) {
        return;
    }
    let Some(annotations) = res.annotations() else {
        return;
    };
    let base = FieldPath::parse("metadata.annotations");
    for key in annotations.keys().filter(|k| is_snippet_annotation(k)) {
        emit.at(
            base.key(key.as_str()),
            format!(
                "Ingress \"{}\" injects raw NGINX configuration through {key}",
                res.id.name
            ),
        );
    }
}

static WEAK_TLS_META: RuleMeta = RuleMeta {
    id: "ingress-weak-tls-protocols",
    title: "Ingress controller accepts old TLS versions",
    severity: Severity::Medium,
    category: "network",
    description: "The NGINX ingress controllers read the protocols they accept from the \
        `ssl-protocols` key of their ConfigMap (ingress-nginx's default is `TLSv1.2 TLSv1.3`). \
        Adding `TLSv1` or `TLSv1.1` (deprecated by RFC 8996, broken by BEAST/POODLE-class \
        attacks and weak ciphers), let alone `SSLv3` or `SSLv2`, lets an attacker on the path \
        downgrade every Ingress of the controller, not one application. PCI DSS forbids them \
        for cardholder data.",
    remediation: "Accept TLS 1.2 and 1.3 only (or leave the key out for the default):\n\
        ```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n  ssl-protocols: \"TLSv1.2 TLSv1.3\"\n```",
    references: &[
        "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#ssl-protocols",
        "https://www.rfc-editor.org/rfc/rfc8996",
    ],
    mappings: crate::mesh::TRANSIT_ENCRYPTION,
};

pub static WEAK_TLS: Check = Check {
    meta: &WEAK_TLS_META,
    run: CheckFn::Object(check_weak_tls),
};

/// Protocol names nginx accepts that are older than TLS 1.2.
const WEAK_PROTOCOLS: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];

fn check_weak_tls(res: &Resource, emit: &mut Emit<'_>) {
    if res.kind() != "ConfigMap" || res.group() != "" {
        return;
    }
    let Some(v) = res
        .value
        .pointer("/data/ssl-protocols")
        .and_then(|v| v.as_str())
    else {
        return;
    };
    let weak: Vec<&str> = v
        .split_whitespace()
        .filter(|p| WEAK_PROTOCOLS.contains(p))
        .collect();
    if !weak.is_empty() {
        emit.at(
            FieldPath::parse("data").key("ssl-protocols"),
            format!(
                "ConfigMap \"{}\" lets the ingress controller accept {}",
                res.id.name,
                weak.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(host_covers("shop.example.com", "Shop.Example.com"));
        assert!(host_covers("*.example.com", "shop.example.com"));
        assert!(!host_covers("*.example.com", "example.com"));
        assert!(!host_covers("*.example.com", "a.shop.example.com"));
        assert!(host_covers("*.example.com", "*.example.com"));
        assert!(!host_covers("shop.example.com", "*.example.com"));
    }

    #[test]
    fn snippet_annotation_names() {
        assert!(is_snippet_annotation(
            "nginx.ingress.kubernetes.io/configuration-snippet"
        ));
        assert!(is_snippet_annotation(
            "nginx.ingress.kubernetes.io/server-snippet"
        ));
        assert!(is_snippet_annotation(
            "nginx.ingress.kubernetes.io/stream-snippet"
        ));
        assert!(is_snippet_annotation("nginx.org/location-snippets"));
        assert!(!is_snippet_annotation(
            "nginx.ingress.kubernetes.io/rewrite-target"
        ));
        assert!(!is_snippet_annotation("example.com/server-snippet"));
    }
}
