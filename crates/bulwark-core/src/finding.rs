//! What analyzers report.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::path::FieldPath;
use crate::resource::{ObjectRef, Resource};
use crate::span::Location;

/// How bad a finding is. Ordered: `Info < Low < … < Critical`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity '{other}' (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// One violation of one rule by one object, at one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: Cow<'static, str>,
    /// Usually the rule's severity; a rule may raise it for a worse case
    /// (a hostPath of `/` is critical where another hostPath is high).
    pub severity: Severity,
    pub message: String,
    pub object: ObjectRef,
    pub path: FieldPath,
    pub location: Option<Location>,
    /// Which of several findings of one rule at one field this is (the CVE
    /// id when one image has several): part of the finding's identity in
    /// baselines and SARIF fingerprints, so accepting one never hides
    /// another.
    pub subject: Option<String>,
}

impl Finding {
    /// A finding on `res` at `path`, located through the object's spans.
    pub fn new(
        rule_id: impl Into<Cow<'static, str>>,
        severity: Severity,
        res: &Resource,
        path: FieldPath,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule_id: rule_id.into(),
            severity,
            message: message.into(),
            object: res.id.clone(),
            location: res.locate(&path),
            path,
            subject: None,
        }
    }

    /// Names the finding's subject (see [`Finding::subject`]).
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Total order used by every renderer: file, line, rule, object, path.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location.as_ref().map(|l| (&l.file, l.line, l.column)),
            &self.object,
            &self.rule_id,
            &self.path,
            &self.subject,
            &self.message,
        )
    }
}

/// Sorts findings into the one deterministic order every output uses.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
