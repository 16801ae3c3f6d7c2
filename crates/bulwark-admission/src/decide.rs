//! One request, one answer: the scan's analyzers and filter on the object
//! in the request, then the admission config's mode for each finding.

use std::collections::{BTreeMap, HashMap};

use bulwark_core::{Analyzer, Catalog, FieldPath, Finding, Inventory, Origin, PodView, Resource};
use bulwark_filter::Filter;
use bulwark_policy::PolicySet;
use bulwark_pss::namespace::{Action, NamespacePolicy, admit};
use bulwark_pss::{Options, PsaConfig};
use serde_json::Value;

use crate::config::{AdmissionConfig, Failure, Mode};
use crate::namespaces::NamespaceCache;
use crate::review::{AdmissionRequest, AdmissionResponse, Status, decode};

/// The judgement of one object.
pub struct Evaluation {
    /// The scan's findings (and constraint violations), each with its mode.
    pub findings: Vec<(Finding, Mode)>,
    /// Pod Security, when the namespace's labels are known.
    pub psa: Option<PsaOutcome>,
    /// Constraints that could not be evaluated on the request.
    pub policy_errors: Vec<String>,
}

/// What happened to a request, for metrics and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    Allowed,
    Warned,
    Denied,
    /// Admitted without evaluation (exempt namespace, user, group, label).
    Exempt,
    /// Not something bulwark judges (DELETE, a status update…).
    Skipped,
    /// The request could not be decoded; answered per `failure`.
    Error,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Warned => "warned",
            Decision::Denied => "denied",
            Decision::Exempt => "exempt",
            Decision::Skipped => "skipped",
            Decision::Error => "error",
        }
    }
}

/// The answer and how it was reached.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub response: AdmissionResponse,
    pub decision: Decision,
    /// Kind of the object (`Pod`, `Deployment`…), empty when unknown.
    pub kind: String,
    pub operation: String,
    /// Every finding on the object that survived the filter, with its mode.
    pub findings: Vec<(Finding, Mode)>,
}

/// Kubernetes truncates each warning at 256 characters and drops warnings
/// past 4096 in all; stay inside both so none is lost unannounced.
const WARNING_MAX: usize = 256;
const WARNINGS_TOTAL: usize = 4096;
/// Bytes of the audit annotation listing every finding.
const AUDIT_MAX: usize = 16 * 1024;
/// Findings named in a denial message (the rest are counted).
const DENY_LISTED: usize = 20;

/// The scan's analyzers and filter with the admission config.
pub struct Admitter {
    analyzers: Vec<Box<dyn Analyzer>>,
    /// Gatekeeper policies, judged on the request as Gatekeeper's webhook
    /// does (operation, user, old object), not as a stored object.
    policy: Option<PolicySet>,
    catalog: Catalog,
    filter: Filter,
    pub config: AdmissionConfig,
    psa: PsaConfig,
    pub namespaces: NamespaceCache,
}

impl Admitter {
    pub fn new(
        analyzers: Vec<Box<dyn Analyzer>>,
        filter: Filter,
        config: AdmissionConfig,
        psa: PsaConfig,
    ) -> Self {
        let catalog = Catalog::from_analyzers(&analyzers);
        Self {
            analyzers,
            policy: None,
            catalog,
            filter,
            config,
            psa,
            namespaces: NamespaceCache::default(),
        }
    }

    /// Adds Gatekeeper policies: their constraints join the catalog (for
    /// `admission.rules` modes, the filter and denial messages).
    pub fn with_policy(mut self, policy: PolicySet) -> Self {
        self.catalog.extend(policy.rules());
        self.policy = Some(policy);
        self
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Answers a raw request body; an undecodable one gets a well-formed
    /// response (allowed per the configured failure mode).
    pub fn review_body(&self, body: &[u8], mutating: bool) -> Verdict {
        match decode(body) {
            Ok(req) => self.review(&req, mutating),
            Err(e) => self.failure(e.uid, 400, format!("bulwark: {}", e.message)),
        }
    }

    /// The answer to a request that could not be judged.
    pub fn failure(&self, uid: String, code: u16, message: String) -> Verdict {
        let allowed = self.config.failure == Failure::Allow;
        let mut response = AdmissionResponse {
            uid,
            allowed,
            ..Default::default()
        };
        if allowed {
            response.warnings.push(truncate(&message, WARNING_MAX));
            response
                .audit_annotations
                .insert("error".into(), truncate(&message, 1024));
        } else {
            response.status = Some(Status {
                code,
                reason: "BadRequest".into(),
                message,
            });
        }
        Verdict {
            response,
            decision: Decision::Error,
            kind: String::new(),
            operation: String::new(),
            findings: Vec::new(),
        }
    }

    /// Judges one request. `mutating` asks for the secure-defaults patch
    /// (the mutating webhook) instead of a verdict: mutation never denies,
    /// the validating webhook that runs after it does.
    pub fn review(&self, req: &AdmissionRequest, mutating: bool) -> Verdict {
        let mut v = Verdict {
            response: AdmissionResponse {
                uid: req.uid.clone(),
                allowed: true,
                ..Default::default()
            },
            decision: Decision::Skipped,
            kind: req.kind.kind.clone(),
            operation: req.operation.clone(),
            findings: Vec::new(),
        };
        if req.operation == "DELETE" && req.kind.kind == "Namespace" && !req.is_dry_run() {
            self.namespaces.remove(&req.name);
        }
        if !matches!(req.operation.as_str(), "CREATE" | "UPDATE")
            || !matches!(req.sub_resource.as_str(), "" | "ephemeralcontainers")
        {
            return v;
        }
        let Some(res) = request_resource(req) else {
            return v;
        };
        if let Some(why) = self.exemption(req, &res) {
            v.decision = Decision::Exempt;
            v.response
                .audit_annotations
                .insert("exempt".into(), truncate(&why, 1024));
            return v;
        }
        if unchanged_pod_update(req) {
            return v;
        }
        if mutating {
            let ops = crate::mutate::patch(&res, &self.config.mutate);
            if !ops.is_empty() {
                v.response.set_patch(&Value::Array(ops));
                v.response
                    .audit_annotations
                    .insert("mutated".into(), "secure defaults added".into());
            }
            v.decision = Decision::Allowed;
            return v;
        }
        self.validate(req, &res, &mut v);
        if v.response.allowed && res_is_namespace(req) && !req.is_dry_run() {
            // A dry run never changes what later requests see.
            self.namespaces.insert(res);
        }
        v
    }

    fn exemption(&self, req: &AdmissionRequest, res: &Resource) -> Option<String> {
        let ex = &self.config.exempt;
        let ns = res.namespace().unwrap_or(&req.namespace);
        if ex.namespaces.contains(ns) {
            return Some(format!("namespace {ns}"));
        }
        if ex.users.contains(&req.user_info.username) {
            return Some(format!("user {}", req.user_info.username));
        }
        if let Some(g) = req.user_info.groups.iter().find(|g| ex.groups.contains(*g)) {
            return Some(format!("group {g}"));
        }
        if !ex.labels.is_empty() {
            let labels = res.labels();
            let all = ex.labels.iter().all(|(k, want)| {
                labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(want.as_str())
            });
            if all {
                return Some("labels".into());
            }
        }
        None
    }

    /// Findings on the object, as `scan` computes them, and their modes;
    /// the request's user counts for Pod Security user exemptions, and the
    /// whole request is what Gatekeeper policies judge.
    pub fn evaluate(&self, req: &AdmissionRequest, res: &Resource) -> Evaluation {
        let user = Some(req.user_info.username.as_str());
        let ns = res
            .namespace()
            .filter(|_| res.kind() != "Namespace")
            .and_then(|n| self.namespaces.get(n));
        let mut objects = vec![res.clone()];
        if let Some(n) = &ns {
            objects.push((**n).clone());
        }
        let inv = Inventory::new(objects);
        let mut findings = Vec::new();
        for a in &self.analyzers {
            a.analyze(&inv, &mut findings);
        }
        // Constraint violations; a constraint has one enforcementAction at
        // admission, so its rule id gives it back after the filter.
        let mut actions: HashMap<&'static str, &'static str> = HashMap::new();
        let mut policy_errors = Vec::new();
        if let Some(p) = &self.policy {
            let request = serde_json::to_value(req).unwrap_or(Value::Null);
            for v in p.evaluate_review(&request, &inv) {
                match v {
                    Ok(v) => {
                        actions.insert(v.rule_id, v.enforcement_action);
                        findings.push(Finding::new(
                            v.rule_id,
                            v.severity,
                            res,
                            FieldPath::root(),
                            v.message,
                        ));
                    }
                    // A policy that cannot judge the request is not a pass:
                    // said in a warning and on the audit record.
                    Err(e) => policy_errors.push(e.to_string()),
                }
            }
        }
        findings.retain(|f| f.object == res.id);
        bulwark_core::finding::sort_findings(&mut findings);
        let reported = self.filter.apply(&inv, &self.catalog, findings).reported;
        let psa = match (&ns, PodView::of(res)) {
            (Some(n), Some(pod)) if self.config.pod_security_labels => {
                let (policy, errors) = NamespacePolicy::from_labels(n.labels(), &self.psa.defaults);
                let a = admit(
                    &n.id.name,
                    &pod,
                    policy,
                    errors,
                    &self.psa,
                    user,
                    &Options::default(),
                );
                Some(PsaOutcome::from(a))
            }
            _ => None,
        };
        let out = reported
            .into_iter()
            .map(|f| {
                // Where the namespace's labels are known they decide Pod
                // Security, as the PSA plugin does; the findings stay on
                // record.
                let mode = if psa.is_some() && f.rule_id.starts_with("pss-") {
                    Mode::Audit
                } else if let Some(action) = actions.get(f.rule_id.as_ref()) {
                    self.config.policy_mode(&f.rule_id, action)
                } else {
                    self.config.mode_of(&f.rule_id, f.severity)
                };
                (f, mode)
            })
            .collect();
        Evaluation {
            findings: out,
            psa,
            policy_errors,
        }
    }

    fn validate(&self, req: &AdmissionRequest, res: &Resource, v: &mut Verdict) {
        let Evaluation {
            findings,
            psa,
            policy_errors,
        } = self.evaluate(req, res);
        let mut deny = Vec::new();
        let mut warnings = Vec::new();
        let mut audit = Vec::new();
        for (f, mode) in &findings {
            match mode {
                Mode::Enforce => deny.push(f),
                Mode::Warn => warnings.push(format!("{}: {}: {}", f.rule_id, f.path, f.message)),
                Mode::Audit | Mode::Off => {}
            }
            // Every finding, whatever its mode, is on the audit record.
            if *mode != Mode::Off {
                audit.push(format!("{}@{}", f.rule_id, f.path));
            }
        }
        for e in &policy_errors {
            warnings.push(format!("policy not evaluated: {e}"));
        }
        if !policy_errors.is_empty() {
            v.response.audit_annotations.insert(
                "policy-errors".into(),
                truncate(&policy_errors.join("; "), AUDIT_MAX),
            );
        }
        let mut psa_deny = None;
        if let Some(p) = &psa {
            psa_deny = p.deny.clone();
            warnings.extend(p.warnings.iter().cloned());
            v.response.audit_annotations.extend(p.audit.clone());
        }
        v.findings = findings
            .iter()
            .filter(|(_, m)| *m != Mode::Off)
            .cloned()
            .collect();
        let what = object_name(req, res);
        if !deny.is_empty() || psa_deny.is_some() {
            let mut msg = String::new();
            if let Some(p) = psa_deny {
                msg.push_str(&format!("{what} is forbidden: {p}"));
            }
            if !deny.is_empty() {
                if !msg.is_empty() {
                    msg.push_str("; ");
                }
                msg.push_str(&format!(
                    "bulwark denied {what}: {} finding{}",
                    deny.len(),
                    if deny.len() == 1 { "" } else { "s" }
                ));
                for f in deny.iter().take(DENY_LISTED) {
                    msg.push_str(&format!("\n- {} at {}: {}", f.rule_id, f.path, f.message));
                    if let Some(fix) = self
                        .catalog
                        .get(&f.rule_id)
                        .map(|m| first_line(m.remediation))
                    {
                        msg.push_str(&format!(" Fix: {fix}"));
                    }
                }
                if deny.len() > DENY_LISTED {
                    msg.push_str(&format!("\n- and {} more", deny.len() - DENY_LISTED));
                }
                msg.push_str("\n(bulwark explain RULE for details)");
            }
            v.response.allowed = false;
            v.response.status = Some(Status {
                code: 403,
                reason: "Forbidden".into(),
                message: msg,
            });
            v.decision = Decision::Denied;
            let rules: Vec<&str> = deny.iter().map(|f| f.rule_id.as_ref()).collect();
            v.response
                .audit_annotations
                .insert("denied-by".into(), truncate(&rules.join(","), 1024));
        } else {
            v.decision = if warnings.is_empty() {
                Decision::Allowed
            } else {
                Decision::Warned
            };
        }
        v.response.warnings = bounded_warnings(warnings);
        if !audit.is_empty() {
            v.response
                .audit_annotations
                .insert("findings".into(), truncate(&audit.join(","), AUDIT_MAX));
        }
    }
}

/// What the namespace's Pod Security labels say about the pod.
#[derive(Clone, Debug, Default)]
pub struct PsaOutcome {
    pub deny: Option<String>,
    pub warnings: Vec<String>,
    pub audit: BTreeMap<String, String>,
}

impl From<bulwark_pss::Admission> for PsaOutcome {
    fn from(a: bulwark_pss::Admission) -> Self {
        let mut out = PsaOutcome::default();
        for m in &a.modes {
            if m.evaluation.allowed {
                continue;
            }
            let lv = format!("{}:{}", m.evaluation.level, m.evaluation.version);
            let detail = m.evaluation.forbidden_detail();
            match m.mode {
                bulwark_pss::Mode::Enforce if a.actions.contains(&Action::Reject) => {
                    out.deny = Some(format!("violates PodSecurity \"{lv}\": {detail}"));
                }
                // The plugin admits a workload whose pods enforce would
                // reject, and says so.
                bulwark_pss::Mode::Enforce => out
                    .warnings
                    .push(format!("would violate PodSecurity \"{lv}\": {detail}")),
                bulwark_pss::Mode::Warn if a.actions.contains(&Action::Warning) => out
                    .warnings
                    .push(format!("would violate PodSecurity \"{lv}\": {detail}")),
                bulwark_pss::Mode::Audit => {
                    out.audit.insert(
                        "pod-security.kubernetes.io/audit-violations".into(),
                        format!("would violate PodSecurity \"{lv}\": {detail}"),
                    );
                }
                _ => {}
            }
        }
        out
    }
}

fn res_is_namespace(req: &AdmissionRequest) -> bool {
    req.kind.kind == "Namespace" && req.kind.group.is_empty()
}

/// The request object as a resource, with kind, apiVersion and namespace
/// filled from the request where the object leaves them out.
pub fn request_resource(req: &AdmissionRequest) -> Option<Resource> {
    let mut value = req.object.clone()?;
    let obj = value.as_object_mut()?;
    if !obj.contains_key("kind") && !req.kind.kind.is_empty() {
        obj.insert("kind".into(), req.kind.kind.clone().into());
    }
    if !obj.contains_key("apiVersion") && !req.kind.version.is_empty() {
        let av = if req.kind.group.is_empty() {
            req.kind.version.clone()
        } else {
            format!("{}/{}", req.kind.group, req.kind.version)
        };
        obj.insert("apiVersion".into(), av.into());
    }
    if !req.namespace.is_empty() || !req.name.is_empty() {
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(meta) = meta.as_object_mut() {
            if !req.namespace.is_empty() && !meta.contains_key("namespace") {
                meta.insert("namespace".into(), req.namespace.clone().into());
            }
            if !req.name.is_empty() && !meta.contains_key("name") {
                meta.insert("name".into(), req.name.clone().into());
            }
        }
    }
    Some(Resource::new(value, Origin::default(), None))
}

/// A pod update that leaves the spec alone (labels, annotations, status):
/// the pod runs as it did, so it is not judged again (PSA exempts such
/// updates too, and denying them would strand pods admitted before).
fn unchanged_pod_update(req: &AdmissionRequest) -> bool {
    req.operation == "UPDATE"
        && req.kind.kind == "Pod"
        && req.sub_resource.is_empty()
        && match (&req.object, &req.old_object) {
            (Some(new), Some(old)) => new.get("spec") == old.get("spec"),
            _ => false,
        }
}

fn object_name(req: &AdmissionRequest, res: &Resource) -> String {
    let kind = if req.kind.kind.is_empty() {
        res.kind().to_string()
    } else {
        req.kind.kind.clone()
    };
    let name = if res.id.name.is_empty() {
        res.value
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .map(|g| format!("{g}*"))
            .unwrap_or_default()
    } else {
        res.id.name.clone()
    };
    match res.namespace() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

fn first_line(s: &str) -> &str {
    let s = s.trim();
    let end = s.find(['\n', '`']).unwrap_or(s.len());
    s[..end].trim_end_matches(':').trim()
}

/// Cuts at a character boundary, marking the cut.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn bounded_warnings(all: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    let n = all.len();
    for (i, w) in all.into_iter().enumerate() {
        let w = truncate(&w, WARNING_MAX);
        let rest = n - i;
        // Keep room for the line that counts what did not fit.
        if total + w.len() + 64 > WARNINGS_TOTAL && rest > 1 {
            out.push(format!(
                "bulwark: {rest} more warnings (see the audit annotations)"
            ));
            break;
        }
        total += w.len();
        out.push(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_stay_within_the_api_servers_limits() {
        let w = bounded_warnings(
            (0..100)
                .map(|i| format!("{i} {}", "x".repeat(300)))
                .collect(),
        );
        assert!(w.iter().all(|s| s.len() <= WARNING_MAX));
        assert!(w.iter().map(String::len).sum::<usize>() <= WARNINGS_TOTAL);
        assert!(w.last().unwrap().contains("more warnings"), "{w:?}");
    }

    #[test]
    fn truncation_respects_utf8() {
        assert_eq!(truncate("ééééé", 6), "é...");
        assert_eq!(truncate("abc", 6), "abc");
    }
}
