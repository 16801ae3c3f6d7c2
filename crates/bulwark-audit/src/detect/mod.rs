//! Detectors: each a rule with [`RuleMeta`], like the scan rules.
//!
//! `falco` holds the per-event detectors equivalent to Falco's k8saudit
//! ruleset; `window` the stateful ones (bursts, first-seen, unusual token
//! and impersonation use); `scan` reports scan-rule findings on objects the
//! API server admitted.

pub mod falco;
pub mod scan;
pub mod window;

use std::cell::OnceCell;

use bulwark_core::{Analyzer, FieldPath, Finding, Inventory, Origin, Resource, RuleMeta};

use crate::config::AuditConfig;
use crate::event::Event;

/// What a detector reports for one event.
#[derive(Clone, Debug)]
pub struct Hit {
    pub rule: &'static RuleMeta,
    pub severity: bulwark_core::Severity,
    pub message: String,
    /// Field inside `requestObject` the hit is about (root when none).
    pub path: FieldPath,
    pub subject: Option<String>,
}

impl Hit {
    pub fn new(rule: &'static RuleMeta, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity,
            message: message.into(),
            path: FieldPath::root(),
            subject: None,
        }
    }

    pub fn at(mut self, path: FieldPath) -> Self {
        self.path = path;
        self
    }
}

/// What a per-event detector sees: the config and, computed once per event
/// when first asked for, the scan analyzers' findings on `requestObject`.
pub struct Ctx<'a> {
    pub config: &'a AuditConfig,
    analyzers: &'a [Box<dyn Analyzer>],
    event: &'a Event,
    scan: OnceCell<Vec<Finding>>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        config: &'a AuditConfig,
        analyzers: &'a [Box<dyn Analyzer>],
        event: &'a Event,
    ) -> Self {
        Self {
            config,
            analyzers,
            event,
            scan: OnceCell::new(),
        }
    }

    /// The scan rules' findings on the request object (empty without one).
    /// Detectors that reuse a scan rule read its verdict here rather than
    /// re-implementing it.
    pub fn scan(&self) -> &[Finding] {
        self.scan.get_or_init(|| {
            let Some(obj) = request_resource(self.event) else {
                return Vec::new();
            };
            let inv = Inventory::new(vec![obj]);
            let mut out = Vec::new();
            for a in self.analyzers {
                a.analyze(&inv, &mut out);
            }
            out
        })
    }

    /// Whether the scan rule `id` fired on the request object.
    pub fn scan_fired(&self, id: &str) -> impl Iterator<Item = &Finding> {
        self.scan().iter().filter(move |f| f.rule_id == id)
    }
}

/// The request object as a one-object resource, with `kind`/`apiVersion`
/// filled from `objectRef` when the API server left them out.
pub fn request_resource(ev: &Event) -> Option<Resource> {
    let mut v = ev.request_object.as_ref()?.value().clone();
    let obj = v.as_object_mut()?;
    if !obj.contains_key("kind")
        && let Some(kind) = kind_of_resource(ev.resource())
    {
        obj.insert("kind".into(), kind.into());
    }
    if !obj.contains_key("apiVersion")
        && let Some(r) = &ev.object_ref
    {
        let av = match (r.api_group.as_str(), r.api_version.as_str()) {
            ("", v) => v.to_string(),
            (g, v) => format!("{g}/{v}"),
        };
        obj.insert("apiVersion".into(), av.into());
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(|m| m.as_object_mut())
        && !meta.contains_key("namespace")
        && !ev.namespace().is_empty()
    {
        meta.insert("namespace".into(), ev.namespace().into());
    }
    Some(Resource::new(v, Origin::default(), None))
}

/// The kind of the common resources (for request objects without `kind`).
pub fn kind_of_resource(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "pods" => "Pod",
        "deployments" => "Deployment",
        "daemonsets" => "DaemonSet",
        "statefulsets" => "StatefulSet",
        "replicasets" => "ReplicaSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "services" => "Service",
        "configmaps" => "ConfigMap",
        "secrets" => "Secret",
        "namespaces" => "Namespace",
        "serviceaccounts" => "ServiceAccount",
        "roles" => "Role",
        "clusterroles" => "ClusterRole",
        "rolebindings" => "RoleBinding",
        "clusterrolebindings" => "ClusterRoleBinding",
        "ingresses" => "Ingress",
        "nodes" => "Node",
        "networkpolicies" => "NetworkPolicy",
        _ => return None,
    })
}

/// Every detector's metadata, sorted by id.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = falco::RULES.iter().map(|r| r.meta).collect();
    v.extend(window::RULES);
    v.push(&scan::META);
    v.sort_by_key(|r| r.id);
    v
}

/// The detectors as an [`Analyzer`] that reports nothing on inventories:
/// it lets a [`bulwark_core::Catalog`] (and so every renderer and
/// `bulwark explain`) list them like the scan rules.
pub struct Detectors;

impl Analyzer for Detectors {
    fn name(&self) -> &'static str {
        "audit detectors"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        all_rules()
    }

    fn analyze(&self, _: &Inventory, _: &mut Vec<Finding>) {}
}
