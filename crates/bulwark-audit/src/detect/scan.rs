//! Scan rules on admitted objects: a create/update/patch the API server
//! accepted whose request object breaks a scan rule at or above
//! `scan_min_severity`. The scan analyzers decide; this only reports.

use bulwark_core::{Mappings, RuleMeta, Severity};

use super::{Ctx, Hit};
use crate::event::Event;

pub static META: RuleMeta = RuleMeta {
    id: "audit-admitted-scan-violation",
    title: "Object breaking a scan rule was admitted",
    severity: Severity::High,
    category: "audit-workload",
    description: "The API server accepted an object that `bulwark scan` would report (a \
        critical or high finding by default): admission control let it through, so it runs now. \
        The finding's subject is the scan rule; its severity is the scan rule's.",
    remediation: "Fix the object as the scan rule says (`bulwark explain RULE`), and enforce \
        the rule at admission (Pod Security labels, a validating policy).",
    references: &["https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/"],
    mappings: Mappings {
        mitre: &["T1610"],
        ..Mappings::NONE
    },
};

/// Scan rules whose pod verdicts the Falco-equivalent pod detectors already
/// report (with Falco's image exceptions); not repeated here for pods.
pub const COVERED_FOR_PODS: [&str; 5] = [
    "privileged-container",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-path-volume",
];

pub fn check(ctx: &Ctx<'_>, ev: &Event, out: &mut Vec<Hit>) {
    if ev.stage != "ResponseComplete"
        || !matches!(ev.verb.as_str(), "create" | "update" | "patch")
        || !ev.subresource().is_empty()
        || !ev.successful()
        || ev.request_object.is_none()
    {
        return;
    }
    let pods = ev.resource() == "pods";
    for f in ctx.scan() {
        if f.severity < ctx.config.scan_min_severity
            || (pods && COVERED_FOR_PODS.contains(&f.rule_id.as_ref()))
        {
            continue;
        }
        let mut h = Hit::new(&META, format!("{}: {}", f.rule_id, f.message)).at(f.path.clone());
        h.severity = f.severity;
        h.subject = Some(f.rule_id.to_string());
        out.push(h);
    }
}
