//! The plugin's configuration: default policy for unlabelled namespaces and
//! exemptions, as a `PodSecurityConfiguration` (alone or inside an
//! `AdmissionConfiguration`) writes them.

use bulwark_core::PodView;
use serde::Serialize;
use serde_json::Value;

use crate::level::{Level, LevelVersion, Version};
use crate::namespace::NamespacePolicy;

/// Requests the plugin does not evaluate at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exemptions {
    /// Authenticated users whose requests are exempt.
    pub usernames: Vec<String>,
    /// Pods with one of these `spec.runtimeClassName`s are exempt.
    #[serde(rename = "runtimeClasses")]
    pub runtime_class_names: Vec<String>,
    /// Everything in these namespaces is exempt.
    pub namespaces: Vec<String>,
}

/// Why an object is exempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "name", rename_all = "camelCase")]
pub enum Exemption {
    Namespace(String),
    RuntimeClass(String),
    Username(String),
}

impl std::fmt::Display for Exemption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exemption::Namespace(n) => write!(f, "exempt namespace {n}"),
            Exemption::RuntimeClass(n) => write!(f, "exempt runtimeClassName {n}"),
            Exemption::Username(n) => write!(f, "exempt user {n}"),
        }
    }
}

impl Exemptions {
    pub fn is_empty(&self) -> bool {
        self.usernames.is_empty()
            && self.runtime_class_names.is_empty()
            && self.namespaces.is_empty()
    }

    /// Whether the plugin would skip `pod` in `namespace` when `user`
    /// (if known) submits it, and why.
    pub fn exemption(
        &self,
        namespace: Option<&str>,
        pod: &PodView<'_>,
        user: Option<&str>,
    ) -> Option<Exemption> {
        if let Some(ns) = namespace
            && self.namespaces.iter().any(|n| n == ns)
        {
            return Some(Exemption::Namespace(ns.to_string()));
        }
        if let Some(rc) = pod.spec.get("runtimeClassName").and_then(Value::as_str)
            && self.runtime_class_names.iter().any(|n| n == rc)
        {
            return Some(Exemption::RuntimeClass(rc.to_string()));
        }
        if let Some(u) = user
            && self.usernames.iter().any(|n| n == u)
        {
            return Some(Exemption::Username(u.to_string()));
        }
        None
    }
}

/// The plugin's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PsaConfig {
    /// The policy of namespaces without PSA labels (privileged unless configured).
    pub defaults: NamespacePolicy,
    pub exemptions: Exemptions,
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what}: expected a list of strings"))
            })
            .collect(),
        Some(_) => Err(format!("{what}: expected a list of strings")),
    }
}

impl PsaConfig {
    /// Reads a `PodSecurityConfiguration`, an `AdmissionConfiguration` whose
    /// `PodSecurity` plugin carries one, or a bare `{defaults, exemptions}`
    /// mapping.
    pub fn from_value(v: &Value) -> Result<PsaConfig, String> {
        let cfg = if v.get("kind").and_then(Value::as_str) == Some("AdmissionConfiguration") {
            v.get("plugins")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|p| p.get("name").and_then(Value::as_str) == Some("PodSecurity"))
                .and_then(|p| p.get("configuration"))
                .ok_or("AdmissionConfiguration has no PodSecurity plugin configuration")?
        } else {
            v
        };
        if !cfg.is_object() {
            return Err("expected a mapping".into());
        }
        let mut out = PsaConfig::default();
        if let Some(d) = cfg.get("defaults").filter(|d| !d.is_null()) {
            let d = d.as_object().ok_or("defaults: expected a mapping")?;
            let mode = |name: &str| -> Result<LevelVersion, String> {
                let level = match d.get(name).and_then(Value::as_str) {
                    Some(l) => l
                        .parse::<Level>()
                        .map_err(|e| format!("defaults.{name}: {e}"))?,
                    None => Level::Privileged,
                };
                let key = format!("{name}-version");
                let version = match d.get(&key).and_then(Value::as_str) {
                    Some(s) => s
                        .parse::<Version>()
                        .map_err(|e| format!("defaults.{key}: {e}"))?,
                    None => Version::Latest,
                };
                Ok(LevelVersion::new(level, version))
            };
            out.defaults = NamespacePolicy {
                enforce: mode("enforce")?,
                audit: mode("audit")?,
                warn: mode("warn")?,
            };
        }
        if let Some(e) = cfg.get("exemptions").filter(|e| !e.is_null()) {
            out.exemptions = Exemptions {
                usernames: strings(e.get("usernames"), "exemptions.usernames")?,
                runtime_class_names: strings(e.get("runtimeClasses"), "exemptions.runtimeClasses")?,
                namespaces: strings(e.get("namespaces"), "exemptions.namespaces")?,
            };
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::{Origin, Resource};
    use serde_json::json;

    #[test]
    fn reads_admission_configuration() {
        let v = json!({
            "apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
            "plugins": [{"name": "PodSecurity", "configuration": {
                "apiVersion": "pod-security.admission.config.k8s.io/v1",
                "kind": "PodSecurityConfiguration",
                "defaults": {"enforce": "baseline", "enforce-version": "v1.29", "warn": "restricted"},
                "exemptions": {"usernames": ["admin"], "runtimeClasses": ["kata"], "namespaces": ["kube-system"]}
            }}]
        });
        let c = PsaConfig::from_value(&v).unwrap();
        assert_eq!(
            c.defaults.enforce,
            LevelVersion::new(Level::Baseline, Version::Minor(29))
        );
        assert_eq!(c.defaults.warn.level, Level::Restricted);
        assert_eq!(c.defaults.audit.level, Level::Privileged);
        assert_eq!(c.exemptions.runtime_class_names, ["kata"]);

        let r = Resource::new(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                   "spec": {"runtimeClassName": "kata", "containers": []}}),
            Origin::default(),
            None,
        );
        let pod = PodView::of(&r).unwrap();
        assert_eq!(
            c.exemptions.exemption(Some("kube-system"), &pod, None),
            Some(Exemption::Namespace("kube-system".into()))
        );
        assert_eq!(
            c.exemptions.exemption(Some("apps"), &pod, None),
            Some(Exemption::RuntimeClass("kata".into()))
        );
    }

    #[test]
    fn rejects_bad_config() {
        assert!(PsaConfig::from_value(&json!({"defaults": {"enforce": "strict"}})).is_err());
        assert!(PsaConfig::from_value(&json!({"exemptions": {"namespaces": "a"}})).is_err());
        assert!(
            PsaConfig::from_value(&json!({"kind": "AdmissionConfiguration", "plugins": []}))
                .is_err()
        );
    }
}
