//! kubeconfig files (`kind: Config`): TLS verification, plain HTTP, and
//! credentials written into the file.

use bulwark_core::redact::{redact, redact_url};
use bulwark_core::{FieldPath, Resource, RuleMeta, Severity};
use serde_json::Value;

use super::rule;
use crate::verdict::Verdict;

const REFS: &[&str] = &[
    "https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/",
    "https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/",
];
const CAT: &str = "kubeconfig";

pub static INSECURE_SKIP_TLS: RuleMeta = rule(
    "kubeconfig-insecure-skip-tls-verify",
    "kubeconfig skips TLS verification",
    Severity::High,
    CAT,
    &[],
    "`insecure-skip-tls-verify: true` accepts any certificate, so anyone on the path can impersonate the API server and collect the credentials sent to it.",
    "Remove it and set the cluster CA:\n```yaml\ncluster:\n  certificate-authority-data: <base64 CA>\n```",
    REFS,
);
pub static PLAIN_HTTP: RuleMeta = rule(
    "kubeconfig-plain-http-server",
    "kubeconfig talks to the server over plain HTTP",
    Severity::High,
    CAT,
    &[],
    "An http:// server sends tokens and every request and response in clear text.",
    "```yaml\ncluster:\n  server: https://api.example:6443\n```",
    REFS,
);
pub static EMBEDDED_TOKEN: RuleMeta = rule(
    "kubeconfig-embedded-token",
    "kubeconfig contains a token or password",
    Severity::Medium,
    CAT,
    &[],
    "A bearer token or basic-auth password in the file is a long-lived credential anyone who reads the file can use.",
    "Use short-lived credentials from an exec plugin (OIDC, cloud IAM):\n```yaml\nuser:\n  exec:\n    apiVersion: client.authentication.k8s.io/v1\n    command: kubelogin\n```",
    REFS,
);
pub static EMBEDDED_KEY: RuleMeta = rule(
    "kubeconfig-embedded-client-key",
    "kubeconfig contains a client private key",
    Severity::Medium,
    CAT,
    &[],
    "An embedded client key is a credential that cannot be revoked (Kubernetes has no certificate revocation) and lasts until the certificate expires.",
    "Prefer an exec plugin; where a certificate is required, keep the file mode 600, owned by its user, and the certificate short-lived.",
    REFS,
);
pub static ANONYMOUS_USER: RuleMeta = rule(
    "kubeconfig-anonymous-user",
    "kubeconfig user has no credentials",
    Severity::Low,
    CAT,
    &[],
    "`user: {}` sends requests as system:anonymous; it works only if the API server serves anonymous requests, which it should not.",
    "Give the user a credential (exec plugin or client certificate), or remove the context.",
    REFS,
);

pub static WEAK_CERT: RuleMeta = rule(
    "kubeconfig-certificate-weak-or-expired",
    "kubeconfig embeds an expired or weak certificate",
    Severity::Medium,
    CAT,
    &[],
    "An embedded CA or client certificate that is expired (or expires within 30 days), has an RSA key under 2048 bits, is signed with SHA-1, or is a CA valid for over 10 years either breaks access soon or gives weaker assurance than the cluster's PKI should.",
    "Reissue the certificate (RSA 2048+ or ECDSA P-256, SHA-256, a CA for at most 10 years) and update the kubeconfig.",
    REFS,
);

pub static RULES: &[&RuleMeta] = &[
    &INSECURE_SKIP_TLS,
    &PLAIN_HTTP,
    &EMBEDDED_TOKEN,
    &EMBEDDED_KEY,
    &ANONYMOUS_USER,
    &WEAK_CERT,
];

/// Problems of the certificates in a base64 `*-data` field. Data that does
/// not decode to a certificate is not this rule's business (kubectl
/// rejects it on use).
fn cert_problems(b64: &str, now: i64) -> Vec<String> {
    use base64::Engine as _;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    match crate::certs::parse_pem(&text) {
        Err(_) => Vec::new(),
        Ok(certs) => certs
            .iter()
            .flat_map(|c| crate::certs::problems(c, now))
            .map(|(_, _, m)| m)
            .collect(),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn is_kubeconfig(res: &Resource) -> bool {
    res.kind() == "Config" && res.id.api_version == "v1"
}

fn named(res: &Resource, list: &str) -> Vec<(FieldPath, String, Value)> {
    res.value
        .get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, e)| {
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let inner = if list == "clusters" {
                "cluster"
            } else {
                "user"
            };
            (
                FieldPath::root().key(list).index(i).key(inner),
                name,
                e.get(inner).cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// Whether a name (an env variable, a flag, a config key) holds a secret.
fn secret_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase().replace(['-', '_'], "");
    [
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "credential",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// Secrets written into an `exec` plugin (its `env` values and
/// `--flag=value` / `--flag value` arguments) or an `auth-provider`'s
/// `config` (`client-secret`, `id-token`, `refresh-token`, ...): the same
/// long-lived credential in the file as a `token`.
fn plugin_secrets(u: &Value, path: &FieldPath) -> Vec<(FieldPath, String, String)> {
    let mut out = Vec::new();
    let exec = path.key("exec");
    for (i, e) in u
        .pointer("/exec/env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = e.get("name").and_then(Value::as_str).unwrap_or("");
        if let Some(v) = e
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            && secret_name(name)
        {
            out.push((
                exec.key("env").index(i).key("value"),
                format!("exec env {name}"),
                v.to_string(),
            ));
        }
    }
    let args: Vec<&str> = u
        .pointer("/exec/args")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| a.as_str().unwrap_or(""))
        .collect();
    for (i, a) in args.iter().enumerate() {
        let Some(flag) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) else {
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, args.get(i + 1).map(|v| v.to_string())),
        };
        if let Some(v) = value.filter(|v| !v.is_empty() && !v.starts_with('-'))
            && secret_name(name)
        {
            out.push((
                exec.key("args").index(i),
                format!("exec argument --{name}"),
                v,
            ));
        }
    }
    if let Some(cfg) = u
        .pointer("/auth-provider/config")
        .and_then(Value::as_object)
    {
        for (k, v) in cfg {
            if let Some(v) = v.as_str().filter(|v| !v.is_empty())
                && secret_name(k)
            {
                out.push((
                    path.key("auth-provider").key("config").key(k.clone()),
                    format!("auth-provider config {k}"),
                    v.to_string(),
                ));
            }
        }
    }
    out
}

/// Every failing check of one kubeconfig.
pub fn findings(res: &Resource) -> Vec<(&'static RuleMeta, Verdict)> {
    let mut out = Vec::new();
    let now = now();
    for (list, key) in [
        ("clusters", "certificate-authority-data"),
        ("users", "client-certificate-data"),
    ] {
        for (path, name, v) in named(res, list) {
            if let Some(b64) = v.get(key).and_then(Value::as_str) {
                for p in cert_problems(b64, now) {
                    out.push((
                        &WEAK_CERT,
                        Verdict::fail(format!("{name:?} {key}: {p}")).at(Some(path.key(key))),
                    ));
                }
            }
        }
    }
    for (path, name, c) in named(res, "clusters") {
        if c.get("insecure-skip-tls-verify").and_then(Value::as_bool) == Some(true) {
            out.push((
                &INSECURE_SKIP_TLS,
                Verdict::fail(format!(
                    "cluster {name:?} sets insecure-skip-tls-verify: true"
                ))
                .at(Some(path.key("insecure-skip-tls-verify"))),
            ));
        }
        if let Some(s) = c.get("server").and_then(Value::as_str)
            && s.trim().to_ascii_lowercase().starts_with("http://")
        {
            out.push((
                &PLAIN_HTTP,
                Verdict::fail(format!("cluster {name:?} server {}", redact_url(s)))
                    .at(Some(path.key("server"))),
            ));
        }
    }
    for (path, name, u) in named(res, "users") {
        for key in ["token", "password"] {
            if let Some(s) = u.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                out.push((
                    &EMBEDDED_TOKEN,
                    Verdict::fail(format!("user {name:?} {key}: {}", redact(s)))
                        .at(Some(path.key(key))),
                ));
            }
        }
        for (at, what, s) in plugin_secrets(&u, &path) {
            out.push((
                &EMBEDDED_TOKEN,
                Verdict::fail(format!("user {name:?} {what}: {}", redact(&s))).at(Some(at)),
            ));
        }
        if let Some(s) = u
            .get("client-key-data")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            out.push((
                &EMBEDDED_KEY,
                Verdict::fail(format!("user {name:?} client-key-data: {}", redact(s)))
                    .at(Some(path.key("client-key-data"))),
            ));
        }
        let empty = match &u {
            Value::Null => true,
            Value::Object(m) => m.values().all(|v| v.is_null()),
            _ => false,
        };
        if empty {
            out.push((
                &ANONYMOUS_USER,
                Verdict::fail(format!("user {name:?} has no credentials")).at(Some(path)),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn kubeconfig(v: Value) -> Resource {
        Resource::new(v, Origin::default(), None)
    }

    #[test]
    fn a_plain_http_server_url_never_shows_its_password() {
        let r = kubeconfig(json!({"apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": "http://admin:CanaryPassw0rd42@10.0.0.1:8080"}}]}));
        let f = findings(&r);
        let ev: Vec<&String> = f.iter().flat_map(|(_, v)| &v.evidence).collect();
        assert!(f.iter().any(|(m, _)| m.id == PLAIN_HTTP.id), "{ev:?}");
        assert!(ev.iter().all(|e| !e.contains("CanaryPassw0rd42")), "{ev:?}");
    }

    #[test]
    fn secrets_in_exec_and_auth_provider_blocks_are_flagged_redacted() {
        let r = kubeconfig(json!({"apiVersion": "v1", "kind": "Config", "users": [
            {"name": "e", "user": {"exec": {"command": "aws", "apiVersion": "client.authentication.k8s.io/v1",
                "args": ["--region", "eu-west-1", "--token=CanaryExecArgTok1", "--client-secret", "CanaryExecArgTok2"],
                "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "CanaryEnvSecretXyz"},
                        {"name": "AWS_REGION", "value": "eu-west-1"}]}}},
            {"name": "o", "user": {"auth-provider": {"name": "oidc", "config": {
                "client-id": "kubernetes", "client-secret": "CanaryOidcSecret99",
                "id-token": "CanaryIdTokenAbc", "refresh-token": "CanaryRefreshXyz",
                "idp-issuer-url": "https://issuer"}}}},
            {"name": "clean", "user": {"exec": {"command": "kubelogin", "args": ["get-token"]}}}]}));
        let f = findings(&r);
        let tok: Vec<String> = f
            .iter()
            .filter(|(m, _)| m.id == EMBEDDED_TOKEN.id)
            .flat_map(|(_, v)| v.evidence.clone())
            .collect();
        assert_eq!(tok.len(), 6, "{tok:?}");
        for canary in [
            "CanaryExecArgTok1",
            "CanaryExecArgTok2",
            "CanaryEnvSecretXyz",
            "CanaryOidcSecret99",
            "CanaryIdTokenAbc",
            "CanaryRefreshXyz",
        ] {
            assert!(tok.iter().all(|e| !e.contains(canary)), "{canary}: {tok:?}");
        }
        assert!(tok.iter().all(|e| !e.contains("\"clean\"")), "{tok:?}");
    }
}
