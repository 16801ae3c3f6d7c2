//! `ingress-edge-unprotected`: an Ingress is where the internet meets the
//! cluster. Admin UIs behind one need authentication at the edge, and an
//! organisation may ask for authentication and a WAF on every Ingress
//! (`rule_settings.ingress`).

use bulwark_core::value::as_array;
use bulwark_core::{FieldPath, Finding, Inventory, Mappings, Resource, RuleMeta, Severity};
use serde_json::Value;

use crate::settings::{AuthScope, IngressSettings, RuleSettings};
use crate::{Check, CheckFn};

static META: RuleMeta = RuleMeta {
    id: "ingress-edge-unprotected",
    title: "Ingress exposes an application without edge authentication or WAF",
    severity: Severity::High,
    category: "network",
    description: "Grafana, Kibana, Prometheus, the Kubernetes Dashboard, Argo CD and similar \
        UIs reach into the cluster or its data; published through an Ingress without \
        authentication in front of them, anyone who finds the host gets them (exposed \
        dashboards are among the most common cloud breaches). The rule reports an Ingress \
        whose backend Service or host names such a UI (`rule_settings.ingress.admin_uis`) and \
        that has no authentication annotation of its controller: ingress-nginx `auth-url`, \
        `auth-type`, `auth-signin` or `auth-tls-verify-client: on`, AWS Load Balancer \
        Controller `auth-type: cognito|oidc`, NGINX Inc. `basic-auth-secret`/`jwt-key`, Kong \
        plugins or Traefik middlewares (taken as authenticating: their content is not in the \
        Ingress). With `rule_settings.ingress.require_auth: all` every Ingress must \
        authenticate; with `require_waf: true` every Ingress must also turn on a WAF \
        (ingress-nginx ModSecurity, an AWS WAF ACL, Azure Application Gateway WAF policy, \
        NGINX App Protect), reported at medium. An Istio AuthorizationPolicy that \
        authenticates end users in front of every backend of the Ingress counts as edge \
        authentication: `action: CUSTOM` (an external authorizer), `DENY` of \
        `notRequestPrincipals: [\"*\"]`, or `ALLOW` rules that all require \
        `requestPrincipals`, applying to the backend's pods (peer `principals` identify \
        workloads, not users, and do not count).",
    remediation: "Put authentication in front of the UI at the ingress controller (here \
        oauth2-proxy with ingress-nginx), and a WAF where the organisation asks for one:\n\
        ```yaml\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-url: \"https://auth.example.com/oauth2/auth\"\n    nginx.ingress.kubernetes.io/auth-signin: \"https://auth.example.com/oauth2/start?rd=$escaped_request_uri\"\n    nginx.ingress.kubernetes.io/enable-modsecurity: \"true\"\n    nginx.ingress.kubernetes.io/enable-owasp-core-rules: \"true\"\n```",
    references: &[
        "https://kubernetes.github.io/ingress-nginx/examples/auth/oauth-external-auth/",
        "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#modsecurity",
        "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#authentication",
        "https://www.cisa.gov/news-events/cybersecurity-advisories/aa22-137a",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Authentication and authorization: Authentication"],
        mitre: &["T1133", "T1190"],
        pss: &[],
        pci_dss: &[],
        soc2: &["CC6.1", "CC6.6"],
        iso27001: &[],
        hipaa: &["164.312(d)"],
    },
};

pub static EDGE_UNPROTECTED: Check = Check {
    meta: &META,
    run: CheckFn::Configured(check),
};

/// Annotations (exact keys, with the values that do not count) by which
/// the controllers authenticate a request before it reaches the backend.
const AUTH: &[(&str, &[&str])] = &[
    ("nginx.ingress.kubernetes.io/auth-url", &[]),
    ("nginx.ingress.kubernetes.io/auth-type", &[]),
    ("nginx.ingress.kubernetes.io/auth-signin", &[]),
    (
        "nginx.ingress.kubernetes.io/auth-tls-verify-client",
        &["off", "optional_no_ca"],
    ),
    ("alb.ingress.kubernetes.io/auth-type", &["none"]),
    ("nginx.org/basic-auth-secret", &[]),
    ("nginx.com/jwt-key", &[]),
    ("konghq.com/plugins", &[]),
    ("traefik.ingress.kubernetes.io/router.middlewares", &[]),
];

/// Annotations that turn a WAF on (exact keys, with the values that do).
const WAF: &[(&str, &[&str])] = &[
    ("nginx.ingress.kubernetes.io/enable-modsecurity", &["true"]),
    ("alb.ingress.kubernetes.io/wafv2-acl-arn", &[]),
    ("alb.ingress.kubernetes.io/waf-acl-id", &[]),
    ("appgw.ingress.kubernetes.io/waf-policy-for-path", &[]),
    ("appprotect.f5.com/app-protect-enable", &["true"]),
];

fn annotation<'a>(res: &'a Resource, key: &str) -> Option<&'a str> {
    res.annotation(key).map(str::trim).filter(|v| !v.is_empty())
}

fn authenticates(res: &Resource) -> bool {
    AUTH.iter().any(|(k, off)| {
        annotation(res, k).is_some_and(|v| !off.iter().any(|o| v.eq_ignore_ascii_case(o)))
    })
}

fn has_waf(res: &Resource) -> bool {
    WAF.iter().any(|(k, on)| {
        annotation(res, k)
            .is_some_and(|v| on.is_empty() || on.iter().any(|o| v.eq_ignore_ascii_case(o)))
    })
}

/// The Service names the Ingress routes to (default backend and paths).
fn backends(res: &Resource) -> Vec<&str> {
    fn name(b: &Value) -> Option<&str> {
        b.pointer("/service/name").and_then(Value::as_str)
    }
    let mut out: Vec<&str> = Vec::new();
    if let Some(n) = res
        .get(&FieldPath::parse("spec.defaultBackend"))
        .and_then(name)
    {
        out.push(n);
    }
    for rule in as_array(res.get(&FieldPath::parse("spec.rules"))) {
        for p in as_array(rule.pointer("/http/paths")) {
            if let Some(n) = p.get("backend").and_then(name) {
                out.push(n);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether an Istio policy authenticates the users of every backend.
fn mesh_authenticates(inv: &Inventory, res: &Resource) -> bool {
    let ns = res.namespace().unwrap_or("default");
    let b = backends(res);
    !b.is_empty()
        && b.iter()
            .all(|s| crate::ingress_mesh::authenticating_policy(inv, ns, s).is_some())
}

/// The first admin UI the Ingress routes to: its name and where.
fn admin_ui(res: &Resource, s: &IngressSettings) -> Option<(String, FieldPath)> {
    let is_ui = |name: &str| {
        let n = name.to_ascii_lowercase();
        s.admin_uis
            .iter()
            .find(|ui| n.contains(&ui.to_ascii_lowercase()))
    };
    fn backend(b: &Value) -> Option<&str> {
        b.pointer("/service/name").and_then(Value::as_str)
    }
    let default = FieldPath::parse("spec.defaultBackend");
    if let Some(ui) = res.get(&default).and_then(backend).and_then(is_ui) {
        return Some((ui.clone(), default.key("service").key("name")));
    }
    let rules = FieldPath::parse("spec.rules");
    for (i, rule) in as_array(res.get(&rules)).iter().enumerate() {
        let host = rule.get("host").and_then(Value::as_str).unwrap_or("");
        if let Some(ui) = host.split('.').next().and_then(is_ui) {
            return Some((ui.clone(), rules.index(i).key("host")));
        }
        let paths = as_array(rule.pointer("/http/paths"));
        for (j, p) in paths.iter().enumerate() {
            if let Some(ui) = p.get("backend").and_then(backend).and_then(is_ui) {
                let at = rules.index(i).key("http").key("paths").index(j);
                return Some((ui.clone(), at.key("backend").key("service").key("name")));
            }
        }
    }
    None
}

fn check(
    inv: &Inventory,
    settings: &RuleSettings,
    meta: &'static RuleMeta,
    out: &mut Vec<Finding>,
) {
    let s = &settings.ingress;
    for res in inv.of_kind("Ingress") {
        let name = &res.id.name;
        if !authenticates(res) && !mesh_authenticates(inv, res) {
            let ui = admin_ui(res, s);
            let message = match (&ui, s.require_auth) {
                (Some((ui, _)), AuthScope::AdminUis | AuthScope::All) => Some(format!(
                    "Ingress \"{name}\" exposes {ui}, an admin UI, with no authentication at the edge"
                )),
                (None, AuthScope::All) => Some(format!(
                    "Ingress \"{name}\" has no authentication at the edge \
                     (rule_settings.ingress.require_auth: all)"
                )),
                _ => None,
            };
            if let Some(m) = message {
                let path = ui.map_or_else(|| FieldPath::parse("metadata"), |(_, p)| p);
                out.push(Finding::new(meta.id, meta.severity, res, path, m));
            }
        }
        if s.require_waf && !has_waf(res) {
            out.push(Finding::new(
                meta.id,
                Severity::Medium,
                res,
                FieldPath::parse("metadata"),
                format!(
                    "Ingress \"{name}\" turns on no web application firewall \
                     (rule_settings.ingress.require_waf)"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn ingress(annotations: Value, host: &str) -> Inventory {
        Inventory::new(vec![Resource::new(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": {"name": "i", "namespace": "n", "annotations": annotations},
                "spec": {"rules": [{"host": host, "http": {"paths": [{"path": "/",
                    "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
            Origin::default(),
            None,
        )])
    }

    fn run(inv: &Inventory, s: &RuleSettings) -> Vec<(Severity, String)> {
        let mut out = Vec::new();
        check(inv, s, &META, &mut out);
        out.into_iter().map(|f| (f.severity, f.message)).collect()
    }

    #[test]
    fn settings_widen_the_rule_to_every_ingress_and_to_wafs() {
        let plain = ingress(json!({}), "shop.example.com");
        assert!(run(&plain, &RuleSettings::default()).is_empty());
        let mut s = RuleSettings::default();
        s.ingress.require_auth = AuthScope::All;
        s.ingress.require_waf = true;
        let got = run(&plain, &s);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].0, Severity::Medium);
        let guarded = ingress(
            json!({"nginx.ingress.kubernetes.io/auth-url": "https://auth/x",
                   "nginx.ingress.kubernetes.io/enable-modsecurity": "true"}),
            "shop.example.com",
        );
        assert!(run(&guarded, &s).is_empty());
        let off = ingress(
            json!({"alb.ingress.kubernetes.io/auth-type": "none",
                   "nginx.ingress.kubernetes.io/enable-modsecurity": "false"}),
            "grafana.example.com",
        );
        assert_eq!(
            run(&off, &s).len(),
            2,
            "auth-type none and modsecurity false protect nothing"
        );
        s.ingress.require_auth = AuthScope::None;
        assert_eq!(run(&off, &s).len(), 1, "only the WAF is asked for");
    }
}
