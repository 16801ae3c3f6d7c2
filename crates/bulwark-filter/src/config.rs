//! The typed `.bulwark.yaml`: defaults for the scan, ignore entries and
//! strict rules. Parsing the file (and finding it) is the loader's job; this
//! module only says what a valid config is.

use std::collections::BTreeSet;

use bulwark_core::{Catalog, FieldPath, Severity};
use jiff::civil::Date;
use serde::{Deserialize, Deserializer};

use crate::suggest::unknown_rule;

/// The whole config file. Every field is optional; unknown fields are errors.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Default for `--fail-on`.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Default for `--severity`: report findings at or above this.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Default for `--rule`: report only these rules.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Default for `--skip-rule`.
    #[serde(default)]
    pub skip_rules: Vec<String>,
    /// Default for `--category`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Rules that no `bulwark.dev/ignore` annotation can waive. Config
    /// `ignore` entries and the baseline still can: they are reviewed in one
    /// place by whoever owns this file.
    #[serde(default)]
    pub strict: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<IgnoreEntry>,
    /// The Pod Security Admission configuration (a PodSecurityConfiguration:
    /// defaults and exemptions). Not a filter setting: it is carried here so
    /// one file configures a scan, and read by the Pod Security analyzer.
    #[serde(default)]
    pub pss: Option<serde_json::Value>,
    /// How a scan is split into independent contexts (`auto`, `single`,
    /// `directory`); read by the scan pipeline, like `pss`.
    #[serde(default)]
    pub context: Option<String>,
    /// The `audit:` section (noise exclusions, Falco lists, windows), read by
    /// `bulwark audit` as bulwark-audit's `AuditConfig`; not a filter setting.
    #[serde(default)]
    pub audit: Option<serde_json::Value>,
    /// The `admission:` section (modes, exemptions, mutations), read by
    /// `bulwark admit` as bulwark-admission's `AdmissionConfig`.
    #[serde(default)]
    pub admission: Option<serde_json::Value>,
    /// The `rule_settings:` section (which workloads must be sandboxed, …),
    /// read by bulwark-rules as its `RuleSettings`; not a filter setting.
    #[serde(default)]
    pub rule_settings: Option<serde_json::Value>,
}

/// One waiver: findings of `rule` on objects matching every given selector.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    /// A rule id or a glob over rule ids (`image-*`).
    pub rule: String,
    /// Glob over `metadata.namespace` as written (an object without one is `""`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Glob over the object's kind (`Deployment`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Glob over `metadata.name`.
    #[serde(default)]
    pub name: Option<String>,
    /// Glob over the file path, relative to the config file's directory
    /// (`*` stays within one directory, `**` crosses them).
    #[serde(default)]
    pub file: Option<String>,
    /// Why the finding is accepted. Required: a waiver nobody can explain is
    /// a finding.
    pub reason: String,
    /// The last day (UTC) the entry applies; after it, the findings come back
    /// and the user is told the entry expired.
    #[serde(default, deserialize_with = "date")]
    pub expires: Option<Date>,
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s).map(Some).map_err(serde::de::Error::custom)
}

/// Parses a `YYYY-MM-DD` calendar date, and nothing looser.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(format!("invalid date '{s}': expected YYYY-MM-DD"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("invalid date '{s}': no such day (expected YYYY-MM-DD)"))
}

/// A problem in a config that parsed, at a field path inside the file
/// (`ignore[2].rule`) so the caller can point at the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub path: FieldPath,
    pub message: String,
}

impl Config {
    /// Checks every rule id, rule glob, category and glob against the rules
    /// that exist: a misspelt id is an error, never a silent no-op.
    pub fn validate(&self, catalog: &Catalog) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        let root = FieldPath::root();
        for (field, ids) in [
            ("rules", &self.rules),
            ("skip_rules", &self.skip_rules),
            ("strict", &self.strict),
        ] {
            for (i, id) in ids.iter().enumerate() {
                if catalog.get(id).is_none() {
                    out.push(ConfigProblem {
                        path: root.key(field).index(i),
                        message: unknown_rule(id, catalog),
                    });
                }
            }
        }
        let cats: BTreeSet<&str> = catalog.iter().map(|r| r.category).collect();
        for (i, c) in self.categories.iter().enumerate() {
            if !cats.contains(c.as_str()) {
                out.push(ConfigProblem {
                    path: root.key("categories").index(i),
                    message: crate::suggest::unknown_category(c, catalog),
                });
            }
        }
        for (i, e) in self.ignore.iter().enumerate() {
            let at = root.key("ignore").index(i);
            if let Err(m) = crate::ignore::rule_matcher(&e.rule, catalog) {
                out.push(ConfigProblem {
                    path: at.key("rule"),
                    message: m,
                });
            }
            for (field, glob) in [
                ("namespace", &e.namespace),
                ("kind", &e.kind),
                ("name", &e.name),
                ("file", &e.file),
            ] {
                if let Some(g) = glob
                    && let Err(m) = crate::ignore::glob(g)
                {
                    out.push(ConfigProblem {
                        path: at.key(field),
                        message: m,
                    });
                }
            }
            if e.reason.trim().is_empty() {
                out.push(ConfigProblem {
                    path: at.key("reason"),
                    message: "reason must not be empty: say why the finding is accepted".into(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2025-06-30").map(|d| d.to_string()),
            Ok("2025-06-30".into())
        );
        assert!(parse_date("2025-6-30").is_err());
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("30/06/2025").is_err());
        assert!(parse_date("2025-06-30T00:00:00").is_err());
    }
}
