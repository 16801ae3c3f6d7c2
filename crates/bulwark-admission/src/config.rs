//! The `admission:` section of `.bulwark.yaml`: what a finding does at the
//! door. Which findings exist is the scan's business (the same rules,
//! ignores and strict rules); this only says deny, warn or record.

use std::collections::{BTreeMap, BTreeSet};

use bulwark_core::{Catalog, Severity};
use serde::Deserialize;
use serde_json::Value;

/// What a finding does to the request.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Deny the request, naming the rule, the field and the fix.
    #[default]
    Enforce,
    /// Admit, and return the finding as a warning (kubectl prints it).
    Warn,
    /// Admit silently; the finding goes into the audit annotations and
    /// the metrics.
    Audit,
    /// Not considered at admission.
    Off,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
            Mode::Off => "off",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "enforce" => Ok(Mode::Enforce),
            "warn" => Ok(Mode::Warn),
            "audit" => Ok(Mode::Audit),
            "off" => Ok(Mode::Off),
            _ => Err(format!("unknown mode {s:?} (enforce, warn, audit, off)")),
        }
    }
}

/// What to answer when a request cannot be decoded or evaluated.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Failure {
    /// Admit (fail open): a broken request never blocks the cluster.
    #[default]
    Allow,
    /// Deny (fail closed).
    Deny,
}

/// Requests that are admitted without evaluation.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Exempt {
    #[serde(default)]
    pub namespaces: BTreeSet<String>,
    #[serde(default)]
    pub users: BTreeSet<String>,
    #[serde(default)]
    pub groups: BTreeSet<String>,
    /// Objects whose labels include all of these. A workload's pods carry
    /// its template's labels, not its own: label the template too.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AdmissionConfig {
    /// What a finding at or above `deny` does unless `rules` says otherwise.
    #[serde(default)]
    pub mode: Mode,
    /// Findings at or above this severity get `mode`.
    #[serde(default = "default_deny")]
    pub deny: Severity,
    /// Findings below `deny` and at or above this are warnings; below it,
    /// audit only.
    #[serde(default = "default_warn")]
    pub warn: Severity,
    /// A mode per rule id, over the severity thresholds (and over
    /// [`DEFAULT_RULE_MODES`]).
    #[serde(default)]
    pub rules: BTreeMap<String, Mode>,
    #[serde(default)]
    pub exempt: Exempt,
    /// Rules whose secure default the mutating webhook adds where the
    /// field is unset ([`crate::mutate::MUTATIONS`]). Opt-in.
    #[serde(default)]
    pub mutate: BTreeSet<String>,
    /// The answer to a request that cannot be decoded.
    #[serde(default)]
    pub failure: Failure,
    /// Apply the Pod Security Admission labels of the request's namespace
    /// (enforce/warn/audit) as the PSA plugin does, when the namespace is
    /// known to the server.
    #[serde(default = "yes")]
    pub pod_security_labels: bool,
}

fn default_deny() -> Severity {
    Severity::High
}
fn default_warn() -> Severity {
    Severity::Medium
}
fn yes() -> bool {
    true
}

/// Rules with a mode of their own by default:
/// - three medium rules denied as Polaris' webhook denies them (its
///   `danger` checks tagNotSpecified, runAsRootAllowed,
///   privilegeEscalationAllowed): each has a one-line fix in the manifest;
/// - rules that need objects other than the one in the request (policies
///   covering a pod, quotas of a namespace, the pod's ServiceAccount):
///   one object cannot show them, so they are only recorded.
pub const DEFAULT_RULE_MODES: &[(&str, Mode)] = &[
    ("image-tag-latest", Mode::Enforce),
    ("runs-as-root", Mode::Enforce),
    ("privilege-escalation-allowed", Mode::Enforce),
    ("netpol-workload-no-ingress-policy", Mode::Audit),
    ("netpol-workload-no-egress-policy", Mode::Audit),
    ("netpol-namespace-no-default-deny-ingress", Mode::Audit),
    ("netpol-namespace-no-default-deny-egress", Mode::Audit),
    ("netpol-selector-matches-nothing", Mode::Audit),
    ("namespace-without-limit-range", Mode::Audit),
    ("namespace-without-resource-quota", Mode::Audit),
    ("rbac-binding-grants-nothing", Mode::Audit),
    ("rbac-unused-role", Mode::Audit),
    ("service-account-token-automounted", Mode::Audit),
    ("duplicate-object", Mode::Off),
];

impl Default for AdmissionConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Enforce,
            deny: default_deny(),
            warn: default_warn(),
            rules: BTreeMap::new(),
            exempt: Exempt::default(),
            mutate: BTreeSet::new(),
            failure: Failure::Allow,
            pod_security_labels: true,
        }
    }
}

impl AdmissionConfig {
    /// Reads the `admission:` section; rule ids are checked against the
    /// catalog (a misspelt id is an error, never a silent no-op).
    pub fn from_value(v: &Value, catalog: &Catalog) -> Result<Self, String> {
        let c: AdmissionConfig = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        let mut bad = Vec::new();
        for id in c.rules.keys().chain(c.mutate.iter()) {
            if catalog.get(id).is_none() {
                bad.push(format!("unknown rule {id:?}"));
            }
        }
        for id in &c.mutate {
            if !crate::mutate::MUTATIONS.iter().any(|m| m.rule == id) && catalog.get(id).is_some() {
                let known: Vec<&str> = crate::mutate::MUTATIONS.iter().map(|m| m.rule).collect();
                bad.push(format!(
                    "rule {id:?} has no mutation (mutable: {})",
                    known.join(", ")
                ));
            }
        }
        if c.warn > c.deny {
            bad.push("warn must not be above deny".into());
        }
        if bad.is_empty() {
            Ok(c)
        } else {
            Err(bad.join("; "))
        }
    }

    /// What a Gatekeeper constraint's violation does: its
    /// `enforcementAction` (deny, warn, dryrun), unless the config names the
    /// rule; the global mode can only weaken it (`mode: warn` never denies).
    pub fn policy_mode(&self, rule: &str, action: &str) -> Mode {
        if let Some(m) = self.rules.get(rule) {
            return *m;
        }
        let base = match action {
            "deny" => Mode::Enforce,
            "warn" => Mode::Warn,
            _ => Mode::Audit,
        };
        base.max(self.mode)
    }

    /// What a finding of `rule` at `severity` does.
    pub fn mode_of(&self, rule: &str, severity: Severity) -> Mode {
        if let Some(m) = self.rules.get(rule) {
            return *m;
        }
        if let Some((_, m)) = DEFAULT_RULE_MODES.iter().find(|(id, _)| *id == rule) {
            return *m;
        }
        if severity >= self.deny {
            self.mode
        } else if severity >= self.warn {
            Mode::Warn.max(self.mode)
        } else {
            Mode::Audit
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn severity_thresholds_then_rule_modes() {
        let c = AdmissionConfig::default();
        assert_eq!(c.mode_of("host-pid", Severity::High), Mode::Enforce);
        assert_eq!(
            c.mode_of("seccomp-unconfined", Severity::Medium),
            Mode::Warn
        );
        assert_eq!(c.mode_of("missing-cpu-limits", Severity::Low), Mode::Audit);
        assert_eq!(c.mode_of("runs-as-root", Severity::Medium), Mode::Enforce);
        let c = AdmissionConfig {
            mode: Mode::Audit,
            rules: [("host-pid".to_string(), Mode::Warn)].into(),
            ..Default::default()
        };
        assert_eq!(c.mode_of("host-pid", Severity::High), Mode::Warn);
        // A global audit mode makes everything below deny audit too.
        assert_eq!(c.mode_of("host-ipc", Severity::High), Mode::Audit);
        assert_eq!(
            c.mode_of("seccomp-unconfined", Severity::Medium),
            Mode::Audit
        );
    }

    #[test]
    fn unknown_keys_and_rules_are_errors() {
        let cat = Catalog::default();
        let e = AdmissionConfig::from_value(&json!({"deny": "high", "nope": 1}), &cat).unwrap_err();
        assert!(e.contains("nope"), "{e}");
        let e = AdmissionConfig::from_value(&json!({"rules": {"no-such-rule": "warn"}}), &cat)
            .unwrap_err();
        assert!(e.contains("no-such-rule"), "{e}");
        let e = AdmissionConfig::from_value(&json!({"deny": "medium", "warn": "high"}), &cat)
            .unwrap_err();
        assert!(e.contains("warn must not be above deny"), "{e}");
        let c = AdmissionConfig::from_value(&json!({"failure": "deny"}), &cat).unwrap();
        assert_eq!(c.failure, Failure::Deny);
    }
}
