//! `credential-in-env` and `credential-in-configmap`: credentials written
//! into a manifest where anyone who can read it sees them.

use std::borrow::Cow;

use bulwark_core::redact::redact;
use bulwark_core::{ContainerView, FieldPath, Mappings, Resource, RuleMeta, Severity};
use serde_json::Value;

use super::patterns::{AWS_KEY_ID, Hit, aws_secret_key, scan};
use crate::{Check, CheckFn, Emit};

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/configuration/secret/",
    "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
    "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
];

const MAPPINGS: Mappings = Mappings {
    cis: &["5.4.1", "5.4.2"],
    nsa: &["Network separation and hardening: Secrets"],
    mitre: &["T1552.001", "T1552.007"],
    pss: &[],
    pci_dss: &["8.3.2", "8.6.2"],
    soc2: &["CC6.1", "CC6.7"],
    iso27001: &["A.5.17", "A.8.24"],
    hipaa: &["164.312(a)(1)", "164.312(d)"],
};

/// One named value that may hold a credential.
struct Entry<'a> {
    key: &'a str,
    value: Cow<'a, str>,
    path: FieldPath,
}

/// Kubernetes wants strings here, but a YAML number (`password: 12345`) is
/// still a literal the author meant.
fn text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// Reports each entry that holds a credential, values redacted. A
/// 40-character value counts as an AWS secret key only beside an access key
/// id (in the same container env or ConfigMap).
fn report(entries: &[Entry<'_>], emit: &mut Emit<'_>, describe: impl Fn(&Entry<'_>) -> String) {
    let scanned: Vec<Vec<Hit<'_>>> = entries.iter().map(|e| scan(e.key, &e.value)).collect();
    let aws_id_nearby = scanned.iter().flatten().any(|h| h.what == AWS_KEY_ID);
    for (e, mut hits) in entries.iter().zip(scanned) {
        if aws_id_nearby
            && !hits.iter().any(|h| h.known_format)
            && let Some(s) = aws_secret_key(&e.value).filter(|s| *s == e.value.trim())
        {
            hits = vec![Hit {
                what: "an AWS secret access key (beside an access key id)",
                secret: s,
                known_format: true,
            }];
        }
        if hits.is_empty() {
            continue;
        }
        let shown: Vec<String> = hits
            .iter()
            .map(|h| format!("{} ({})", h.what, redact(h.secret)))
            .collect();
        let message = format!("{} holds {}", describe(e), shown.join(" and "));
        if hits.iter().any(|h| h.known_format) {
            emit.at(e.path.clone(), message);
        } else {
            emit.at_severity(Severity::Medium, e.path.clone(), message);
        }
    }
}

static ENV_META: RuleMeta = RuleMeta {
    id: "credential-in-env",
    title: "Credential in a container environment variable",
    severity: Severity::High,
    category: "secrets",
    description: "A literal `value` in a container's env is part of the pod spec: it is stored \
        unencrypted in etcd, shown by `kubectl get -o yaml` and `kubectl describe` to anyone who \
        can read the workload, kept in Git history and CI logs, and inherited by every process \
        in the container. This rule finds known token formats (AWS, GCP, GitHub, GitLab, Slack, \
        Stripe, Google API keys, npm, JWTs, private keys, URLs with passwords) anywhere in a \
        value, and literal values under password-like names (`DB_PASSWORD`, `apiKey`, \
        `client-secret`). References (`$(VAR)`, `${VAR}`, templates, file paths) are not \
        credentials; weak literals such as `changeme` are. Known formats are high; a \
        password-like name alone is medium.",
    remediation: "Keep the value in a Secret (created out of band or by an external secrets \
        operator) and mount it as a file:\n\
        ```yaml\ncontainers:\n- name: api\n  env:\n  - name: DB_PASSWORD_FILE\n    value: /run/secrets/db/password\n  volumeMounts:\n  - name: db\n    mountPath: /run/secrets/db\n    readOnly: true\nvolumes:\n- name: db\n  secret:\n    secretName: db-credentials\n```",
    references: REFERENCES,
    mappings: MAPPINGS,
};

pub static CREDENTIAL_IN_ENV: Check = Check {
    meta: &ENV_META,
    run: CheckFn::Container(check_env),
};

fn check_env(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let Some(env) = c.value.get("env").and_then(Value::as_array) else {
        return;
    };
    let base = c.path.key("env");
    let entries: Vec<Entry<'_>> = env
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            Some(Entry {
                key: item.get("name").and_then(Value::as_str).unwrap_or(""),
                value: text(item.get("value")?)?,
                path: base.index(i).key("value"),
            })
        })
        .collect();
    let label = c.label();
    report(&entries, emit, |e| format!("{label} env var {}", e.key));
}

static CONFIGMAP_META: RuleMeta = RuleMeta {
    id: "credential-in-configmap",
    title: "Credential in a ConfigMap",
    severity: Severity::High,
    category: "secrets",
    description: "ConfigMaps are meant for non-confidential settings: RBAC grants read access to \
        them widely, they are never encrypted at rest, and they are printed in full by kubectl \
        and most dashboards. A credential in one is readable by everyone who can read the \
        namespace's configuration. This rule applies the same detection as \
        `credential-in-env` to each key and value of `data`, and also reads multi-line values \
        (properties, YAML, JSON, INI files) line by line for password-like settings with \
        literal values.",
    remediation: "Move the credential into a Secret managed outside the manifests, and keep \
        only its reference in the ConfigMap:\n\
        ```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  DB_PASSWORD_FILE: /run/secrets/db/password\n```",
    references: REFERENCES,
    mappings: MAPPINGS,
};

pub static CREDENTIAL_IN_CONFIGMAP: Check = Check {
    meta: &CONFIGMAP_META,
    run: CheckFn::Object(check_configmap),
};

fn check_configmap(res: &Resource, emit: &mut Emit<'_>) {
    if res.kind() != "ConfigMap" || res.group() != "" {
        return;
    }
    let Some(data) = res.value.get("data").and_then(Value::as_object) else {
        return;
    };
    let base = FieldPath::root().key("data");
    let entries: Vec<Entry<'_>> = data
        .iter()
        .filter_map(|(k, v)| {
            Some(Entry {
                key: k,
                value: text(v)?,
                path: base.key(k.as_str()),
            })
        })
        .collect();
    report(&entries, emit, |e| format!("ConfigMap key \"{}\"", e.key));
}
