//! Shape validation: is this an object the API server would accept at all?
//!
//! A typo'd field (`securityContex:`), `containers` written as a map or
//! left empty, `spec` as a list: the API server rejects the object (or,
//! with `kubectl --validate=false`, silently drops the unknown field), but
//! the rules read what is there and, finding nothing to object to, would
//! call it secure. This crate checks every object of a known kind against
//! the OpenAPI schema of the targeted Kubernetes version (the definitions
//! k8s-openapi ships, as data) and every custom resource against the
//! schema of its CRD when the CRD is among the inputs, and reports each
//! violation as an `invalid-object` finding at the field. The rules still
//! run on the object: they judge what they can read.
//!
//! Invariants: a message never repeats a value from the input (a Secret's
//! data may be the field in error), only field names and the schema's own
//! words; objects read from a live cluster are not checked (the server
//! accepted them, and its version may be newer than the schemas here).

mod builtin;
mod crd;
mod structural;

use bulwark_core::{Analyzer, Finding, Inventory, Mappings, Resource, RuleMeta, Severity};
use rayon::prelude::*;

pub use structural::Violation;

pub static INVALID_OBJECT: RuleMeta = RuleMeta {
    id: "invalid-object",
    title: "The object does not match its Kubernetes schema",
    severity: Severity::High,
    category: "inputs",
    description: "The object breaks the OpenAPI schema of its kind: a field of the wrong type \
        (`spec` as a list, `securityContext` as a string), a required field missing or null \
        (`containers`, a CronJob's `jobTemplate.spec.template`), or a field the kind does not \
        have (usually a typo such as `securityContex` or `runAsNonroot`). The API server \
        rejects such an object, or with `kubectl apply --validate=false` drops the unknown \
        field, so what runs is not what the file says, and a setting that looks hardened may \
        not exist at all. The other rules still read what they can of the object; they cannot \
        vouch for what is malformed. Custom resources are checked against the schema of \
        their CustomResourceDefinition when it is among the inputs.",
    remediation: "Fix the field named in the finding to the shape the schema asks for \
        (`kubectl explain <kind>.<path>` shows it):\n\
        ```yaml\nspec:\n  containers:          # a list, not a map\n    - name: app\n      \
        securityContext:  # spelled exactly\n        runAsNonRoot: true\n```",
    references: &[
        "https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation",
        "https://kubernetes.io/docs/reference/kubernetes-api/",
    ],
    // Configuration management: what is reviewed is what is applied.
    mappings: Mappings {
        pci_dss: &["2.2.1"],
        soc2: &["CC8.1"],
        iso27001: &["A.8.9"],
        ..Mappings::NONE
    },
};

/// At most this many violations are reported per object; the last finding
/// then says how many more there were.
const MAX_PER_OBJECT: usize = 20;

/// Validates every object of a context against its schema.
pub struct SchemaAnalyzer;

impl Analyzer for SchemaAnalyzer {
    fn name(&self) -> &'static str {
        "schema validation"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        vec![&INVALID_OBJECT]
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        let crds = crd::CrdSchemas::from_inventory(inv);
        let objects: Vec<&Resource> = inv.iter().filter(|r| r.origin.file.is_some()).collect();
        let found: Vec<Finding> = objects
            .par_iter()
            .flat_map_iter(|r| findings_for(r, &crds))
            .collect();
        out.extend(found);
    }
}

/// The violations of one object, or none when its kind has no known schema.
pub fn validate(res: &Resource, crds: &crd::CrdSchemas) -> Vec<Violation> {
    let (api, kind) = (res.id.api_version.as_str(), res.id.kind.as_str());
    if let Some(v) = builtin::validator(api, kind) {
        return structural::violations(v, &res.value);
    }
    match crds.validator(api, kind) {
        Some(v) => structural::violations(v, &res.value),
        None => Vec::new(),
    }
}

fn findings_for(res: &Resource, crds: &crd::CrdSchemas) -> Vec<Finding> {
    let violations = validate(res, crds);
    let extra = violations.len().saturating_sub(MAX_PER_OBJECT);
    let mut out: Vec<Finding> = violations
        .into_iter()
        .take(MAX_PER_OBJECT)
        .map(|v| {
            Finding::new(
                INVALID_OBJECT.id,
                INVALID_OBJECT.severity,
                res,
                v.path,
                v.message,
            )
        })
        .collect();
    if extra > 0
        && let Some(last) = out.last_mut()
    {
        last.message.push_str(&format!(
            " (and {extra} more schema violations in this object)"
        ));
    }
    out
}

pub use builtin::known as known_kinds;
pub use crd::CrdSchemas;
