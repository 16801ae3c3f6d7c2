//! `secret-in-manifest` and `secret-as-env-var`: how Secret objects are kept
//! and consumed.

use bulwark_core::{ContainerView, FieldPath, Mappings, Resource, RuleMeta, Severity};
use serde_json::Value;

use super::patterns::is_placeholder;
use crate::{Check, CheckFn, Emit};

static MANIFEST_META: RuleMeta = RuleMeta {
    id: "secret-in-manifest",
    title: "Secret values committed in a manifest",
    severity: Severity::Medium,
    category: "secrets",
    description: "A Secret's `data` is base64, an encoding anyone can reverse, and `stringData` \
        is plain text. A Secret with values in a manifest puts the credential in Git history, \
        in every clone, CI log and artifact that holds the file, out of reach of rotation. \
        Keep manifests free of values and create Secrets from a secret manager (External \
        Secrets Operator, Secrets Store CSI driver) or commit them encrypted (Sealed Secrets, \
        SOPS). Empty values and unrendered placeholders in `stringData` are not counted.",
    remediation: "Replace the Secret by a reference to an external store, for example:\n\
        ```yaml\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db-credentials\nspec:\n  secretStoreRef:\n    name: vault\n    kind: ClusterSecretStore\n  target:\n    name: db-credentials\n  data:\n  - secretKey: password\n    remoteRef:\n      key: shop/db\n      property: password\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
        "https://kubernetes.io/docs/concepts/configuration/secret/#information-security-for-secrets",
    ],
    mappings: Mappings {
        cis: &["5.4.2"],
        nsa: &["Network separation and hardening: Secrets"],
        mitre: &["T1552.001"],
        pss: &[],
        pci_dss: &["3.5.1", "8.3.2"],
        soc2: &["CC6.1", "CC6.7"],
        iso27001: &["A.5.17", "A.8.24"],
        hipaa: &["164.312(a)(2)(iv)"],
    },
};

pub static SECRET_IN_MANIFEST: Check = Check {
    meta: &MANIFEST_META,
    run: CheckFn::Object(check_manifest),
};

fn check_manifest(res: &Resource, emit: &mut Emit<'_>) {
    if res.kind() != "Secret" || res.group() != "" {
        return;
    }
    let mut keys: Vec<&str> = Vec::new();
    let mut first: Option<&str> = None;
    for field in ["data", "stringData"] {
        let Some(map) = res.value.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (k, v) in map {
            let filled = match v {
                Value::String(s) if field == "data" => !s.trim().is_empty(),
                Value::String(s) => !is_placeholder(s),
                Value::Null => false,
                _ => true,
            };
            if filled {
                keys.push(k);
                first.get_or_insert(field);
            }
        }
    }
    let Some(field) = first else {
        return;
    };
    let n = keys.len();
    let mut names = keys
        .iter()
        .take(5)
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if n > 5 {
        names.push_str(&format!(" and {} more", n - 5));
    }
    emit.at(
        FieldPath::root().key(field),
        format!(
            "Secret \"{}\" holds {n} value{} in the manifest ({names}); base64 is not encryption",
            res.id.name,
            if n == 1 { "" } else { "s" }
        ),
    );
}

static ENV_META: RuleMeta = RuleMeta {
    id: "secret-as-env-var",
    title: "Secret passed as an environment variable",
    severity: Severity::Low,
    category: "secrets",
    description: "Environment variables leak more easily than files: they are inherited by \
        every child process, dumped in crash reports and debug endpoints, visible in \
        `/proc/<pid>/environ` to anyone sharing the PID namespace, and never updated when the \
        Secret is rotated. Mounted Secret files can be read-only, limited to the containers \
        that need them, and are refreshed by the kubelet.",
    remediation: "Mount the Secret as a file and point the application at it:\n\
        ```yaml\ncontainers:\n- name: api\n  volumeMounts:\n  - name: db\n    mountPath: /run/secrets/db\n    readOnly: true\nvolumes:\n- name: db\n  secret:\n    secretName: db-credentials\n    defaultMode: 0400\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod",
        "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
    ],
    mappings: Mappings {
        cis: &["5.4.1"],
        nsa: &["Network separation and hardening: Secrets"],
        mitre: &["T1552.001"],
        pss: &[],
        pci_dss: &["8.3.2"],
        soc2: &["CC6.1"],
        iso27001: &["A.5.17"],
        hipaa: &[],
    },
};

pub static SECRET_AS_ENV_VAR: Check = Check {
    meta: &ENV_META,
    run: CheckFn::Container(check_env_refs),
};

fn check_env_refs(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let s = |v: Option<&Value>, k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let list = |field: &str| {
        c.value
            .get(field)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    };
    for (i, item) in list("env").iter().enumerate() {
        let r = item.pointer("/valueFrom/secretKeyRef");
        if r.is_some() {
            emit.at(
                c.path.key("env").index(i).join("valueFrom.secretKeyRef"),
                format!(
                    "{} reads key \"{}\" of Secret \"{}\" into env var {}",
                    c.label(),
                    s(r, "key"),
                    s(r, "name"),
                    s(Some(item), "name")
                ),
            );
        }
    }
    for (i, item) in list("envFrom").iter().enumerate() {
        let r = item.get("secretRef");
        if r.is_some() {
            emit.at(
                c.path.key("envFrom").index(i).key("secretRef"),
                format!(
                    "{} loads every key of Secret \"{}\" into its environment",
                    c.label(),
                    s(r, "name")
                ),
            );
        }
    }
}
