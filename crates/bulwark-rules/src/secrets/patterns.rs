//! What a credential looks like: well-known token formats, password-like
//! names with literal values, and what is only a placeholder or a reference.
//!
//! Placeholders (not reported): empty or blank values, references resolved
//! elsewhere (`$(VAR)`, `${VAR}`, `$VAR`, `{{ template }}`, `<your-token>`,
//! sops `ENC[…]`, `vault:…`, `ref+…`, AWS Secrets Manager / SSM ARNs),
//! absolute file paths (the value names a file, it is not the secret),
//! all-asterisk masks, and boolean or null words (`true`, `off`, `none`).
//! A token that contains `EXAMPLE` (as AWS's documented sample keys do) is
//! not taken as a known format, though a password-like name still reports
//! it at the lower severity.
//! Weak literals such as `changeme`, `password` or `xxx` **are** reported:
//! whatever a manifest holds is what gets deployed, and default passwords are
//! the first ones an attacker tries.

use std::sync::LazyLock;

use regex::Regex;

/// One credential-looking piece of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit<'a> {
    /// What it looks like, for the message (`an AWS access key id`).
    pub what: &'static str,
    /// The secret text itself: only ever shown through `redact`.
    pub secret: &'a str,
    /// A known token format (true), or a password-like name with a literal
    /// value (false, less certain).
    pub known_format: bool,
}

/// How an AWS access key id is named in messages (other rules look for it).
pub const AWS_KEY_ID: &str = "an AWS access key id";

struct Format {
    what: &'static str,
    re: Regex,
}

fn format(what: &'static str, re: &str) -> Format {
    Format {
        what,
        // The patterns are literals of this file, tested below.
        re: Regex::new(re).unwrap_or_else(|e| panic!("bad pattern for {what}: {e}")),
    }
}

/// Token formats, most specific first.
static FORMATS: LazyLock<Vec<Format>> = LazyLock::new(|| {
    vec![
        format(
            "a GCP service account key",
            r#""type"\s*:\s*"service_account"[\s\S]*"private_key"|"private_key"[\s\S]*"type"\s*:\s*"service_account""#,
        ),
        format(
            "a private key",
            r"(?i)-{2,}\s*BEGIN[ A-Z0-9]*PRIVATE KEY[ A-Z]*-{2,}",
        ),
        format(
            AWS_KEY_ID,
            r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        ),
        format(
            "a GitHub token",
            r"\b(?:(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        ),
        format("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        format("a Slack token", r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
        format(
            "a Slack webhook URL",
            r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
        ),
        format(
            "a Stripe API key",
            r"\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}\b",
        ),
        format("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        format("an npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        format(
            "a JSON Web Token",
            r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        ),
    ]
});

/// `scheme://user:password@host`: the password is group 1.
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:([^\s@/]+)@")
        .unwrap_or_else(|e| panic!("bad URL pattern: {e}"))
});

/// `key = value` / `key: value` / `"key": "value",` lines of a config file.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:export\s+)?["']?([A-Za-z0-9_.\-]+)["']?\s*[:=]\s*(.*?)\s*,?\s*$"#)
        .unwrap_or_else(|e| panic!("bad assignment pattern: {e}"))
});

/// A 40-character AWS secret access key, anywhere in a value.
static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])")
        .unwrap_or_else(|e| panic!("bad AWS secret pattern: {e}"))
});

/// Every known token format found in `value`.
pub fn token_hits(value: &str) -> Vec<Hit<'_>> {
    let mut hits = Vec::new();
    for f in FORMATS.iter() {
        for m in f.re.find_iter(value) {
            // AWS documents its example keys with an `EXAMPLE` suffix.
            if m.as_str().contains("EXAMPLE") {
                continue;
            }
            let secret = match f.what {
                // Headers are not secret; the key material follows them.
                "a private key" | "a GCP service account key" => &value[m.start()..],
                _ => m.as_str(),
            };
            hits.push(Hit {
                what: f.what,
                secret,
                known_format: true,
            });
            break;
        }
    }
    // A GCP key file holds a private key: one finding names it once.
    if hits.iter().any(|h| h.what == "a GCP service account key") {
        hits.retain(|h| h.what != "a private key");
    }
    for c in URL_PASSWORD.captures_iter(value) {
        if let Some(pw) = c.get(1).filter(|pw| !is_placeholder(pw.as_str())) {
            hits.push(Hit {
                what: "a URL with an inline password",
                secret: pw.as_str(),
                known_format: false,
            });
        }
    }
    hits
}

/// A value shaped like an AWS secret access key: 40 characters of base64
/// with upper case, lower case and a digit, `/` or `+`. Only meaningful next
/// to an access key id: alone, the shape matches too much.
pub fn aws_secret_key(value: &str) -> Option<&str> {
    AWS_SECRET.captures_iter(value).find_map(|c| {
        let s = c.get(1)?.as_str();
        let upper = s.bytes().any(|b| b.is_ascii_uppercase());
        let lower = s.bytes().any(|b| b.is_ascii_lowercase());
        let other = s
            .bytes()
            .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+');
        (upper && lower && other).then_some(s)
    })
}

/// The words of a key: split at separators and at lower→upper case steps,
/// lower-cased (`dbPassword` → `db`, `password`).
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in key.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a key names a credential: its last word is (or ends with) a
/// credential word (`DB_PASSWORD`, `dbPassword`, `apikey`, `client-secret`),
/// or its last two words are one (`API_KEY`, `AWS_SECRET_ACCESS_KEY`), plus
/// the provider names Polaris lists (`AZURE_*_KEY`, `OCI_CLI_KEY_CONTENT`).
/// Only the end counts: `PASSWORD_FILE` and `TOKEN_TTL` are not credentials,
/// and neither is a switch about one (`MYSQL_ALLOW_EMPTY_PASSWORD=1`,
/// `MYSQL_RANDOM_ROOT_PASSWORD=yes`, as the database images document them).
pub fn is_credential_key(key: &str) -> bool {
    const ENDS: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "credentials",
    ];
    const WHOLE: &[&str] = &["pwd", "pass", "bearer", "credential"];
    const PAIRS: &[(&str, &str)] = &[
        ("api", "key"),
        ("access", "key"),
        ("secret", "key"),
        ("private", "key"),
        ("auth", "key"),
        ("account", "key"),
        ("master", "key"),
        ("signing", "key"),
        ("encryption", "key"),
    ];
    /// Words that make the key a setting about the credential.
    const SWITCHES: &[&str] = &["allow", "empty", "random", "generate", "require"];
    let w = words(key);
    let Some(last) = w.last() else {
        return false;
    };
    if w[..w.len() - 1]
        .iter()
        .any(|x| SWITCHES.contains(&x.as_str()))
    {
        return false;
    }
    if ENDS.iter().any(|e| last.ends_with(e)) || WHOLE.contains(&last.as_str()) {
        return true;
    }
    if let [.., a, b] = w.as_slice()
        && PAIRS.iter().any(|(x, y)| a == x && b == y)
    {
        return true;
    }
    (w[0] == "azure" && last == "key" && w.len() > 2) || w == ["oci", "cli", "key", "content"]
}

/// Whether a value is a placeholder or a reference rather than a credential
/// (see the module documentation for the list).
pub fn is_placeholder(value: &str) -> bool {
    let t = value.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(t)
        .trim();
    if t.is_empty() || t.bytes().all(|b| b == b'*') {
        return true;
    }
    let whole_ref = |open: &str, close: &str| {
        t.starts_with(open) && t.ends_with(close) && !t[open.len()..].contains(open)
    };
    if whole_ref("$(", ")") || whole_ref("${", "}") || whole_ref("<", ">") || t.contains("{{") {
        return true;
    }
    if let Some(var) = t.strip_prefix('$')
        && !var.is_empty()
        && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return true;
    }
    const REFS: &[&str] = &[
        "ENC[",
        "vault:",
        "ref+",
        "arn:aws:secretsmanager:",
        "arn:aws:ssm:",
        "file://",
    ];
    if REFS.iter().any(|p| t.starts_with(p)) {
        return true;
    }
    if t.starts_with('/') && !t.contains(char::is_whitespace) {
        return true;
    }
    const WORDS: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null", "nil",
        "~",
    ];
    WORDS.iter().any(|w| t.eq_ignore_ascii_case(w))
}

/// Credential-looking content of one key/value pair: known token formats
/// anywhere in the value; a password-like key with a literal value; and, in
/// multi-line values (config files kept in a ConfigMap or an env var),
/// password-like `key = value` lines.
pub fn scan<'a>(key: &str, value: &'a str) -> Vec<Hit<'a>> {
    let mut hits = token_hits(value);
    if hits.iter().any(|h| h.what == AWS_KEY_ID)
        && let Some(s) = aws_secret_key(value)
    {
        hits.push(Hit {
            what: "an AWS secret access key",
            secret: s,
            known_format: true,
        });
    }
    if hits.is_empty() && is_credential_key(key) && !value.contains('\n') && !is_placeholder(value)
    {
        hits.push(Hit {
            what: "a literal value under a password-like name",
            secret: value.trim(),
            known_format: false,
        });
    }
    if value.contains('\n') {
        let known: Vec<&str> = hits.iter().map(|h| h.secret).collect();
        for line in value.lines() {
            let l = line.trim_start();
            if l.starts_with('#') || l.starts_with("//") || l.starts_with(';') {
                continue;
            }
            let Some(c) = ASSIGNMENT.captures(line) else {
                continue;
            };
            let (Some(k), Some(v)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let v = v.as_str().trim_matches(|c| c == '"' || c == '\'');
            if !is_credential_key(k.as_str())
                || is_placeholder(v)
                || v.starts_with(['{', '[', '|', '>'])
                || known.iter().any(|s| s.contains(v))
            {
                continue;
            }
            hits.push(Hit {
                what: "a password-like setting with a literal value",
                secret: v,
                known_format: false,
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(key: &str, value: &str) -> Vec<&'static str> {
        scan(key, value).into_iter().map(|h| h.what).collect()
    }

    #[test]
    fn credential_key_names() {
        for k in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "db.password",
            "my_password",
            "MYSQL_ROOT_PASSWD",
            "api_key",
            "apiKey",
            "APIKEY",
            "STRIPE_SECRET_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "client-secret",
            "GITHUB_TOKEN",
            "authToken",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "AZURE_BATCH_KEY",
            "OCI_CLI_KEY_CONTENT",
            "private_key",
            "REDIS_PASS",
        ] {
            assert!(is_credential_key(k), "{k} should be a credential key");
        }
        for k in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "SECRET_NAME",
            "user_name",
            "CACHE_KEY",
            "BYPASS",
            "greeting",
            "",
            "AZURE_KEY_VAULT_URL",
            "PUBLIC_KEY",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "ALLOW_EMPTY_PASSWORD",
        ] {
            assert!(!is_credential_key(k), "{k} should not be a credential key");
        }
    }

    #[test]
    fn placeholders_and_references() {
        for v in [
            "",
            "  ",
            "$(DB_PASSWORD)",
            "${DB_PASSWORD}",
            "${DB_PASSWORD:-x}",
            "$DB_PASSWORD",
            "{{ .Values.password }}",
            "<your-password>",
            "ENC[AES256_GCM,data:abc,type:str]",
            "vault:secret/data/db#password",
            "/var/run/secrets/db/password",
            "********",
            "true",
            "\"\"",
        ] {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        for v in [
            "changeme",
            "hunter2",
            "xxx",
            "password",
            "$(A)$(B)x",
            "12345",
        ] {
            assert!(!is_placeholder(v), "{v:?} should be a literal");
        }
    }

    #[test]
    fn token_formats() {
        assert_eq!(
            whats("x", "AKIAZ7Q2MN4KX5RT3WVB"),
            vec!["an AWS access key id"]
        );
        // AWS documentation examples are not credentials.
        assert!(whats("x", "AKIAIOSFODNN7EXAMPLE").is_empty());
        assert_eq!(
            whats("x", "ghp_Zq8r2KLm4Np7Xy1Ab3Cd5Ef9Gh0Ij6Kl2Mn8P"),
            vec!["a GitHub token"]
        );
        assert_eq!(
            whats(
                "x",
                "xoxb-2048123456-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
            ),
            vec!["a Slack token"]
        );
        assert_eq!(
            whats(
                "hook",
                "https://hooks.slack.com/services/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"
            ),
            vec!["a Slack webhook URL"]
        );
        assert_eq!(
            whats("x", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            vec!["a Stripe API key"]
        );
        assert_eq!(
            whats(
                "x",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
            ),
            vec!["a JSON Web Token"]
        );
        assert_eq!(
            whats(
                "blob",
                "---BEGIN OPENSSH PRIVATE KEY---\nxxxx\n---END OPENSSH PRIVATE KEY---\n"
            ),
            vec!["a private key"]
        );
        assert!(
            whats(
                "cert",
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            )
            .is_empty()
        );
        let gcp = "{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\"\n}\n";
        let w = whats("key.json", gcp);
        assert_eq!(w[0], "a GCP service account key", "{w:?}");
    }

    #[test]
    fn urls_with_passwords() {
        let h = scan("DATABASE_URL", "postgres://app:Sup3rS3cret@db:5432/shop");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].secret, "Sup3rS3cret");
        assert!(scan("DATABASE_URL", "postgres://app:$(DB_PASSWORD)@db:5432/shop").is_empty());
        assert!(scan("DATABASE_URL", "postgres://db:5432/shop").is_empty());
        assert!(scan("UPSTREAM", "http://registry:5000/v2/").is_empty());
    }

    #[test]
    fn password_like_names_need_literal_values() {
        assert_eq!(
            whats("DB_PASSWORD", "hunter2"),
            vec!["a literal value under a password-like name"]
        );
        assert!(whats("DB_PASSWORD", "${DB_PASSWORD}").is_empty());
        assert!(whats("DB_PASSWORD_FILE", "/run/secrets/db").is_empty());
        assert!(whats("greeting", "hello").is_empty());
    }

    #[test]
    fn aws_secret_beside_key_id_in_a_credentials_file() {
        let file = "[default]\naws_access_key_id = AKIAZ7Q2MN4KX5RT3WVB\naws_secret_access_key = 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\n";
        let h = scan("credentials", file);
        let w: Vec<_> = h.iter().map(|h| h.what).collect();
        assert!(w.contains(&"an AWS access key id"), "{w:?}");
        assert!(w.contains(&"an AWS secret access key"), "{w:?}");
        // The secret is not reported a second time as a password-like line.
        assert_eq!(h.len(), 2, "{w:?}");
        assert_eq!(
            aws_secret_key("q7Lm2Np8Xr4Kt1Vb9Zc3Wd6Fh0Jg5Hs2Ty8Ue4Ri"),
            Some("q7Lm2Np8Xr4Kt1Vb9Zc3Wd6Fh0Jg5Hs2Ty8Ue4Ri")
        );
        assert_eq!(aws_secret_key(&"a".repeat(40)), None);
    }

    #[test]
    fn config_file_lines() {
        let props = "spring.datasource.url=jdbc:postgresql://db/shop\nspring.datasource.password=S3cr3tPa55\n# admin.password=old\nlog.level=info\n";
        let h = scan("application.properties", props);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].secret, "S3cr3tPa55");
        let yaml =
            "database:\n  user: app\n  password: \"${DB_PASSWORD}\"\n  token:\n    file: /x\n";
        assert!(scan("config.yaml", yaml).is_empty());
        let json = "{\n  \"apiKey\": \"k-29f8a7c6e5\",\n  \"name\": \"x\"\n}\n";
        let h = scan("config.json", json);
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].secret, "k-29f8a7c6e5");
    }
}
