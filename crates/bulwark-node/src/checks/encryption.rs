//! EncryptionConfiguration (`apiserver.config.k8s.io/v1`): are Secrets
//! encrypted at rest, with what, and are the keys sitting in the file.
//!
//! The API server uses the first `resources` entry that matches a resource
//! and writes with that entry's first provider; `identity` first means
//! nothing new is encrypted.

use bulwark_core::redact::redact;
use bulwark_core::{FieldPath, Resource, RuleMeta, Severity};
use serde_json::Value;

use super::{CIS_DOC, rule};
use crate::verdict::Verdict;

const REFS: &[&str] = &[
    "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/",
    "https://kubernetes.io/docs/tasks/administer-cluster/kms-provider/",
    CIS_DOC,
];
const CAT: &str = "encryption";

pub static NOT_COVERED: RuleMeta = rule(
    "encryption-secrets-not-covered",
    "Encryption config does not cover Secrets",
    Severity::High,
    CAT,
    &["1.2.28"],
    "No `resources` entry names `secrets` (or `*.*`), so Secrets are written to etcd in plain text even though encryption is configured.",
    "```yaml\nresources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: kms, endpoint: unix:///run/kms.sock}\n  - identity: {}\n```",
    REFS,
);
pub static IDENTITY_FIRST: RuleMeta = rule(
    "encryption-identity-first",
    "Secrets are written unencrypted (identity provider first)",
    Severity::High,
    CAT,
    &["1.2.28"],
    "The first provider encrypts new writes; with `identity` first, Secrets are stored in plain text and the later providers only read old data.",
    "Put the encrypting provider first and keep `identity` last (only while migrating):\n```yaml\nproviders:\n- secretbox: {keys: [...]}\n- identity: {}\n```",
    REFS,
);
pub static WEAK_PROVIDER: RuleMeta = rule(
    "encryption-weak-provider",
    "Secrets are encrypted with a weak or deprecated provider",
    Severity::Medium,
    CAT,
    &["1.2.28"],
    "aescbc is prone to padding-oracle attacks and is not recommended upstream; KMS v1 is deprecated and off by default since v1.29. KMS v2, secretbox or aesgcm (with key rotation) are preferred.",
    "```yaml\nproviders:\n- kms:\n    apiVersion: v2\n    name: my-kms\n    endpoint: unix:///var/run/kms.sock\n- identity: {}\n```",
    REFS,
);
pub static KEY_IN_FILE: RuleMeta = rule(
    "encryption-key-in-file",
    "Encryption key stored in the config file",
    Severity::Medium,
    CAT,
    &["1.2.28"],
    "aescbc, aesgcm and secretbox keys sit in plain text on the control plane node, next to etcd's data: whoever copies the disk or a backup has both. A KMS keeps the key encryption key elsewhere.",
    "Move to a KMS v2 provider; until then keep the file mode 600, owned by root, and out of backups.",
    REFS,
);

pub static RULES: &[&RuleMeta] = &[&NOT_COVERED, &IDENTITY_FIRST, &WEAK_PROVIDER, &KEY_IN_FILE];

pub fn is_encryption_config(res: &Resource) -> bool {
    res.kind() == "EncryptionConfiguration"
}

fn covers_secrets(entry: &Value) -> bool {
    entry
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|r| matches!(r, "secrets" | "*.*" | "*." | "secrets."))
}

fn provider_name(p: &Value) -> Option<&str> {
    p.as_object()?.keys().next().map(String::as_str)
}

/// The verdict on how Secrets are encrypted, and the rule that fails.
pub fn secrets_verdict(res: &Resource) -> (Option<&'static RuleMeta>, Verdict) {
    let root = FieldPath::root().key("resources");
    let entries = res
        .value
        .get("resources")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let Some((i, entry)) = entries.iter().enumerate().find(|(_, e)| covers_secrets(e)) else {
        return (
            Some(&NOT_COVERED),
            Verdict::fail("no resources entry names secrets: Secrets are stored unencrypted")
                .at(Some(root)),
        );
    };
    let ppath = root.index(i).key("providers");
    let first = entry
        .get("providers")
        .and_then(Value::as_array)
        .and_then(|p| p.first());
    let Some(first) = first else {
        return (
            Some(&NOT_COVERED),
            Verdict::fail("the entry for secrets has no providers").at(Some(ppath)),
        );
    };
    let at = Some(ppath.index(0));
    match provider_name(first) {
        Some("identity") => (
            Some(&IDENTITY_FIRST),
            Verdict::fail("first provider for secrets is identity: new Secrets are stored in plain text").at(at),
        ),
        Some("aescbc") => (
            Some(&WEAK_PROVIDER),
            Verdict::warn("first provider for secrets is aescbc (CBC, padding-oracle prone; the benchmark accepts it, upstream does not recommend it)").at(at),
        ),
        Some("kms") => {
            let v2 = first.pointer("/kms/apiVersion").and_then(Value::as_str) == Some("v2");
            if v2 {
                (None, Verdict::pass("first provider for secrets is kms (v2)").at(at))
            } else {
                (
                    Some(&WEAK_PROVIDER),
                    Verdict::warn("first provider for secrets is kms v1 (deprecated, disabled by default since v1.29)").at(at),
                )
            }
        }
        Some(p @ ("secretbox" | "aesgcm")) => {
            (None, Verdict::pass(format!("first provider for secrets is {p}")).at(at))
        }
        Some(other) => (
            Some(&WEAK_PROVIDER),
            Verdict::fail(format!("unknown provider {other:?} for secrets")).at(at),
        ),
        None => (
            Some(&NOT_COVERED),
            Verdict::fail("first provider for secrets is empty").at(at),
        ),
    }
}

/// Keys written in the file, redacted, with their paths.
pub fn keys_in_file(res: &Resource) -> Vec<(FieldPath, String)> {
    let mut out = Vec::new();
    let root = FieldPath::root().key("resources");
    for (i, entry) in res
        .value
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, p) in entry
            .get("providers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for name in ["aescbc", "aesgcm", "secretbox"] {
                for (k, key) in p
                    .pointer(&format!("/{name}/keys"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if let Some(secret) = key.get("secret").and_then(Value::as_str) {
                        let kname = key.get("name").and_then(Value::as_str).unwrap_or("?");
                        let path = root
                            .index(i)
                            .key("providers")
                            .index(j)
                            .key(name)
                            .key("keys")
                            .index(k)
                            .key("secret");
                        out.push((path, format!("{name} key {kname:?} = {}", redact(secret))));
                    }
                }
            }
        }
    }
    out
}

/// Every failing check of one EncryptionConfiguration.
pub fn findings(res: &Resource) -> Vec<(&'static RuleMeta, Verdict)> {
    let mut out = Vec::new();
    if let (Some(m), v) = secrets_verdict(res) {
        out.push((m, v));
    }
    for (path, what) in keys_in_file(res) {
        out.push((
            &KEY_IN_FILE,
            Verdict::fail(format!("{what} is stored in the file")).at(Some(path)),
        ));
    }
    out
}
