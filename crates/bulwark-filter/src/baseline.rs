//! Baselines: the findings a team has accepted as known, so a scan shows
//! only what is new.
//!
//! The file is JSON, described by `docs/baseline-schema.json`:
//!
//! ```json
//! {
//!   "bulwark_baseline": 1,
//!   "findings": [
//!     {
//!       "rule_id": "privileged-container",
//!       "kind": "DaemonSet",
//!       "namespace": "kube-system",
//!       "name": "cni",
//!       "path": "spec.template.spec.containers[name=agent].securityContext.privileged",
//!       "file": "deploy/cni.yaml"
//!     }
//!   ]
//! }
//! ```
//!
//! An entry is keyed on the rule id, the object's kind, namespace and name,
//! and the field path with list items that have a `name` written by name
//! (`containers[name=agent]`), so adding a sidecar, reordering containers,
//! moving the object to another file or editing unrelated lines does not
//! resurface it. `file` is informational and not matched. The same key may
//! appear several times (one object in two overlays); each entry absorbs one
//! finding, so a third copy is new.

use std::collections::HashMap;

use bulwark_core::{FieldPath, Finding, Seg};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version written in every baseline file.
pub const FORMAT_VERSION: u32 = 1;

/// A baseline file as stored.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub bulwark_baseline: u32,
    pub findings: Vec<BaselineEntry>,
}

/// One accepted finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule_id: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub path: String,
    /// The finding's subject (a CVE id), when the rule names one: a new
    /// CVE on an accepted image is a new finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

type Key = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

impl BaselineEntry {
    /// The entry for `f`; `object` is the finding's object value, used to
    /// name list items.
    pub fn of(f: &Finding, object: Option<&Value>) -> Self {
        Self {
            rule_id: f.rule_id.to_string(),
            kind: f.object.kind.clone(),
            namespace: f.object.namespace.clone(),
            name: f.object.name.clone(),
            path: stable_path(&f.path, object),
            subject: f.subject.clone(),
            file: f.location.as_ref().map(|l| l.file.clone()),
        }
    }

    fn key(&self) -> Key {
        (
            self.rule_id.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
            self.path.clone(),
            self.subject.clone(),
        )
    }
}

impl BaselineFile {
    /// The baseline that accepts exactly `entries`, in a stable order.
    pub fn new(mut entries: Vec<BaselineEntry>) -> Self {
        entries.sort();
        Self {
            bulwark_baseline: FORMAT_VERSION,
            findings: entries,
        }
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let b: BaselineFile = serde_json::from_str(text)
            .map_err(|e| format!("line {}:{}: {e}", e.line(), e.column()))?;
        if b.bulwark_baseline != FORMAT_VERSION {
            return Err(format!(
                "baseline format {} is not supported (this bulwark writes {FORMAT_VERSION})",
                b.bulwark_baseline
            ));
        }
        Ok(b)
    }

    /// Pretty JSON with a final newline, so baselines diff well in review.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// A baseline being matched: each entry absorbs one finding.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    remaining: HashMap<Key, usize>,
}

impl Baseline {
    pub fn new(file: &BaselineFile) -> Self {
        let mut remaining = HashMap::new();
        for e in &file.findings {
            *remaining.entry(e.key()).or_insert(0) += 1;
        }
        Self { remaining }
    }

    /// Whether `entry` is accepted by the baseline; consumes one match.
    pub fn absorb(&mut self, entry: &BaselineEntry) -> bool {
        match self.remaining.get_mut(&entry.key()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// `path` rendered with named list items written by name
/// (`spec.containers[name=app].image`); indexes stay for unnamed items.
pub fn stable_path(path: &FieldPath, object: Option<&Value>) -> String {
    let mut s = String::new();
    let mut cur = object;
    for seg in &path.0 {
        match seg {
            Seg::Key(k) => {
                cur = cur.and_then(|v| v.get(k.as_str()));
                let one = FieldPath(vec![seg.clone()]).to_string();
                if !s.is_empty() && !one.starts_with('[') {
                    s.push('.');
                }
                s.push_str(&one);
            }
            Seg::Index(i) => {
                cur = cur.and_then(|v| v.get(*i));
                match cur.and_then(|it| it.get("name")).and_then(Value::as_str) {
                    Some(n) => s.push_str(&format!("[name={n}]")),
                    None => s.push_str(&format!("[{i}]")),
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_items_are_keyed_by_name() {
        let obj = json!({"spec": {"containers": [{"name": "side"}, {"name": "app"}],
            "volumes": [{"hostPath": {"path": "/"}}]}});
        let p = FieldPath::parse("spec.containers[1].securityContext.privileged");
        assert_eq!(
            stable_path(&p, Some(&obj)),
            "spec.containers[name=app].securityContext.privileged"
        );
        let p = FieldPath::parse("spec.volumes[0].hostPath");
        assert_eq!(stable_path(&p, Some(&obj)), "spec.volumes[0].hostPath");
        let p = FieldPath::parse("metadata.annotations").key("a.b/c");
        assert_eq!(
            stable_path(&p, Some(&obj)),
            "metadata.annotations[\"a.b/c\"]"
        );
        assert_eq!(stable_path(&p, None), p.to_string());
    }

    #[test]
    fn each_entry_absorbs_one_finding() {
        let e = BaselineEntry {
            rule_id: "r".into(),
            kind: "Pod".into(),
            namespace: None,
            name: "p".into(),
            path: "spec".into(),
            subject: None,
            file: Some("a.yaml".into()),
        };
        let file = BaselineFile::new(vec![e.clone(), e.clone()]);
        let mut b = Baseline::new(&file);
        let moved = BaselineEntry {
            file: Some("elsewhere.yaml".into()),
            ..e.clone()
        };
        assert!(b.absorb(&moved));
        assert!(b.absorb(&e));
        assert!(!b.absorb(&e));
    }

    /// An accepted CVE on an image does not absorb another CVE on it.
    #[test]
    fn the_subject_is_part_of_the_identity() {
        let cve = |id: &str| BaselineEntry {
            rule_id: "kubernetes-known-cve".into(),
            kind: "Deployment".into(),
            namespace: Some("ingress-nginx".into()),
            name: "ingress-nginx-controller".into(),
            path: "spec.template.spec.containers[name=controller].image".into(),
            subject: Some(id.into()),
            file: None,
        };
        let file = BaselineFile::new(vec![cve("CVE-2024-7646")]);
        let mut b = Baseline::new(&file);
        assert!(!b.absorb(&cve("CVE-2026-4342")));
        assert!(b.absorb(&cve("CVE-2024-7646")));
    }

    #[test]
    fn round_trips_and_rejects_other_versions() {
        let file = BaselineFile::new(vec![]);
        assert_eq!(BaselineFile::parse(&file.to_json()), Ok(file));
        assert!(BaselineFile::parse(r#"{"bulwark_baseline": 2, "findings": []}"#).is_err());
        let err = BaselineFile::parse("{\n \"x\": 1}").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
