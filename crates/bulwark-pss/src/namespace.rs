//! What the admission plugin does with a workload in a namespace labelled
//! `pod-security.kubernetes.io/<enforce|audit|warn>[-version]`.
//!
//! Upstream behaviour modelled here:
//! - an unlabelled mode takes the configured default (privileged, latest);
//!   a level label without a version label means `latest`;
//! - an invalid level or version label fails closed to `restricted:latest`;
//! - `enforce` rejects Pods only: for a workload with a pod template
//!   (Deployment, CronJob…) the plugin only warns and audits, and it is the
//!   pods the controller later creates that are rejected;
//! - a rejected Pod gets no warning on top of the rejection;
//! - exempt namespaces, runtime classes and users are not evaluated.

use std::collections::BTreeMap;

use bulwark_core::{Inventory, PodView, Resource};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::evaluate::{Evaluation, Options, evaluate};
use crate::exemptions::{Exemption, PsaConfig};
use crate::level::{Level, LevelVersion, Version};

pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

/// The three modes of the plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforce,
    Audit,
    Warn,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Enforce, Mode::Audit, Mode::Warn];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
            Mode::Warn => "warn",
        }
    }
}

/// The level and version of each mode for one namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NamespacePolicy {
    pub enforce: LevelVersion,
    pub audit: LevelVersion,
    pub warn: LevelVersion,
}

impl Default for NamespacePolicy {
    fn default() -> Self {
        let p = LevelVersion::new(Level::Privileged, Version::Latest);
        Self {
            enforce: p,
            audit: p,
            warn: p,
        }
    }
}

impl NamespacePolicy {
    pub fn get(&self, mode: Mode) -> LevelVersion {
        match mode {
            Mode::Enforce => self.enforce,
            Mode::Audit => self.audit,
            Mode::Warn => self.warn,
        }
    }

    fn set(&mut self, mode: Mode, lv: LevelVersion) {
        match mode {
            Mode::Enforce => self.enforce = lv,
            Mode::Audit => self.audit = lv,
            Mode::Warn => self.warn = lv,
        }
    }

    /// The policy a namespace's labels give, and the label errors found
    /// (each of which made that mode fail closed to restricted:latest).
    pub fn from_labels(
        labels: Option<&Map<String, Value>>,
        defaults: &NamespacePolicy,
    ) -> (NamespacePolicy, Vec<String>) {
        let mut p = *defaults;
        let mut errors = Vec::new();
        let Some(labels) = labels else {
            return (p, errors);
        };
        let fail_closed = LevelVersion::new(Level::Restricted, Version::Latest);
        for mode in Mode::ALL {
            let key = format!("{LABEL_PREFIX}{}", mode.as_str());
            let vkey = format!("{key}-version");
            let level = labels.get(&key).map(label_text);
            let version = labels.get(&vkey).map(label_text);
            if level.is_none() && version.is_none() {
                continue;
            }
            let mut lv = p.get(mode);
            let mut failed = false;
            if let Some(l) = &level {
                match l.parse::<Level>() {
                    Ok(l) => lv.level = l,
                    Err(e) => {
                        errors.push(format!("{key}: {e}"));
                        failed = true;
                    }
                }
            }
            match &version {
                Some(v) => match v.parse::<Version>() {
                    Ok(v) => lv.version = v,
                    Err(e) => {
                        errors.push(format!("{vkey}: {e}"));
                        failed = true;
                    }
                },
                None => lv.version = Version::Latest,
            }
            p.set(mode, if failed { fail_closed } else { lv });
        }
        (p, errors)
    }
}

fn label_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What the plugin does at admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The Pod is rejected.
    Reject,
    /// The workload is admitted but the pods its controller creates are rejected.
    RejectPods,
    /// An audit annotation is added to the audit event.
    AuditAnnotation,
    /// The client gets a warning.
    Warning,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::Reject => "reject",
            Action::RejectPods => "admit, but reject its pods",
            Action::AuditAnnotation => "audit annotation",
            Action::Warning => "warning",
        }
    }
}

/// One mode's evaluation of one workload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModeResult {
    pub mode: Mode,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// What the plugin would do with one workload in its namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Admission {
    pub namespace: String,
    pub policy: NamespacePolicy,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label_errors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exempt: Option<Exemption>,
    /// Modes at a level other than privileged, with their answers.
    pub modes: Vec<ModeResult>,
    pub actions: Vec<Action>,
}

/// Namespace policies from the Namespace objects of an inventory.
#[derive(Clone, Debug, Default)]
pub struct Namespaces {
    pub policies: BTreeMap<String, (NamespacePolicy, Vec<String>)>,
}

impl Namespaces {
    /// Reads every Namespace object (labelled or not).
    pub fn from_inventory(inv: &Inventory, config: &PsaConfig) -> Self {
        let mut policies = BTreeMap::new();
        for ns in inv.of_kind("Namespace") {
            let policy = NamespacePolicy::from_labels(ns.labels(), &config.defaults);
            policies.insert(ns.id.name.clone(), policy);
        }
        Self { policies }
    }

    /// Whether any namespace carries a PSA label.
    pub fn any_labelled(&self, inv: &Inventory) -> bool {
        inv.of_kind("Namespace").any(|ns| {
            ns.labels()
                .is_some_and(|l| l.keys().any(|k| k.starts_with(LABEL_PREFIX)))
        })
    }

    /// What the plugin does with `res` in its namespace; `None` when the
    /// object has no pod template, or no namespace among the inputs.
    pub fn admission(
        &self,
        res: &Resource,
        config: &PsaConfig,
        user: Option<&str>,
        opts: &Options,
    ) -> Option<Admission> {
        let pod = PodView::of(res)?;
        let ns = res.namespace()?;
        let (policy, label_errors) = self.policies.get(ns)?.clone();
        Some(admit(ns, &pod, policy, label_errors, config, user, opts))
    }
}

/// Evaluates `pod` under each mode of `policy`.
pub fn admit(
    namespace: &str,
    pod: &PodView<'_>,
    policy: NamespacePolicy,
    label_errors: Vec<String>,
    config: &PsaConfig,
    user: Option<&str>,
    opts: &Options,
) -> Admission {
    let exempt = config.exemptions.exemption(Some(namespace), pod, user);
    let mut modes = Vec::new();
    let mut actions = Vec::new();
    if exempt.is_none() {
        let is_pod = pod.resource.kind() == "Pod";
        for mode in Mode::ALL {
            let lv = policy.get(mode);
            if lv.level == Level::Privileged {
                continue;
            }
            let evaluation = evaluate(pod, lv, opts);
            // The plugin adds no warnings to a request it rejects.
            let silenced = mode == Mode::Warn && actions.contains(&Action::Reject);
            if !evaluation.allowed && !silenced {
                actions.push(match mode {
                    Mode::Enforce if is_pod => Action::Reject,
                    Mode::Enforce => Action::RejectPods,
                    Mode::Audit => Action::AuditAnnotation,
                    Mode::Warn => Action::Warning,
                });
            }
            modes.push(ModeResult { mode, evaluation });
        }
    }
    Admission {
        namespace: namespace.to_string(),
        policy,
        label_errors,
        exempt,
        modes,
        actions,
    }
}

/// One namespace's answer to "what breaks at this level?".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    pub namespace: String,
    /// Workloads (objects with a pod template) in the namespace.
    pub workloads: usize,
    /// Of those, how many the level would deny.
    pub denied: usize,
    /// Of those, how many are exempt and so not counted as denied.
    pub exempt: usize,
}

/// Counts per namespace the workloads `lv` would deny if every namespace
/// were labelled `enforce: <level>`. Objects without a namespace count
/// under `(none)`.
pub fn what_if(
    inv: &Inventory,
    lv: LevelVersion,
    config: &PsaConfig,
    opts: &Options,
) -> Vec<WhatIf> {
    let mut by_ns: BTreeMap<String, WhatIf> = BTreeMap::new();
    for ns in inv.of_kind("Namespace") {
        by_ns.entry(ns.id.name.clone()).or_insert_with(|| WhatIf {
            namespace: ns.id.name.clone(),
            ..WhatIf::default()
        });
    }
    for res in inv.iter() {
        let Some(pod) = PodView::of(res) else {
            continue;
        };
        let ns = res.namespace().unwrap_or("(none)");
        let entry = by_ns.entry(ns.to_string()).or_insert_with(|| WhatIf {
            namespace: ns.to_string(),
            ..WhatIf::default()
        });
        entry.workloads += 1;
        if config
            .exemptions
            .exemption(res.namespace(), &pod, None)
            .is_some()
        {
            entry.exempt += 1;
        } else if !evaluate(&pod, lv, opts).allowed {
            entry.denied += 1;
        }
    }
    by_ns.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v, Origin::default(), None)
    }

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn labels_give_levels_and_versions() {
        let l = labels(json!({
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "v1.24",
            "pod-security.kubernetes.io/warn": "restricted"
        }));
        let (p, errs) = NamespacePolicy::from_labels(Some(&l), &NamespacePolicy::default());
        assert!(errs.is_empty());
        assert_eq!(
            p.enforce,
            LevelVersion::new(Level::Baseline, Version::Minor(24))
        );
        assert_eq!(
            p.warn,
            LevelVersion::new(Level::Restricted, Version::Latest)
        );
        assert_eq!(p.audit.level, Level::Privileged);
    }

    #[test]
    fn invalid_labels_fail_closed() {
        let l = labels(json!({
            "pod-security.kubernetes.io/enforce": "strict",
            "pod-security.kubernetes.io/audit": "baseline",
            "pod-security.kubernetes.io/audit-version": "1.25"
        }));
        let (p, errs) = NamespacePolicy::from_labels(Some(&l), &NamespacePolicy::default());
        assert_eq!(errs.len(), 2);
        assert_eq!(
            p.enforce,
            LevelVersion::new(Level::Restricted, Version::Latest)
        );
        assert_eq!(
            p.audit,
            LevelVersion::new(Level::Restricted, Version::Latest)
        );
    }

    #[test]
    fn enforce_rejects_pods_but_only_warns_on_workloads() {
        let inv = Inventory::new(vec![
            res(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "labels": {
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted"}}}),
            ),
            res(
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "apps"},
                "spec": {"hostNetwork": true, "containers": [{"name": "c"}]}}),
            ),
            res(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "apps"},
                "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}),
            ),
        ]);
        let cfg = PsaConfig::default();
        let nss = Namespaces::from_inventory(&inv, &cfg);
        assert!(nss.any_labelled(&inv));
        let opts = Options::default();
        let pod = nss.admission(&inv.resources[1], &cfg, None, &opts).unwrap();
        // Rejected: the plugin adds no warning (the warn mode is still shown).
        assert_eq!(pod.actions, [Action::Reject]);
        assert_eq!(pod.modes.len(), 2);
        let dep = nss.admission(&inv.resources[2], &cfg, None, &opts).unwrap();
        // baseline passes; restricted warns (no runAsNonRoot, seccomp, ...).
        assert_eq!(dep.actions, [Action::Warning]);

        let counts = what_if(
            &inv,
            LevelVersion::new(Level::Restricted, Version::Latest),
            &cfg,
            &opts,
        );
        assert_eq!(counts.len(), 1);
        assert_eq!((counts[0].workloads, counts[0].denied), (2, 2));
    }
}
