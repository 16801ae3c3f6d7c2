//! A hand-built report every renderer test uses: findings in two files and
//! on a cluster object with no file, an input error and a skipped input.

use std::collections::BTreeMap;

use bulwark_core::{
    Analyzer, Catalog, FieldPath, Finding, InputError, Inventory, Location, Mappings, ObjectRef,
    RuleMeta, Severity, Skipped,
};

use crate::model::{Report, Summary, Tool};

const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    category: &'static str,
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        severity,
        category,
        description: "Why it matters, in a sentence.",
        remediation: "Set it:\n```yaml\nsecurityContext:\n  privileged: false\n```",
        references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/"],
        mappings: Mappings::NONE,
    }
}

static PRIVILEGED: RuleMeta = rule(
    "privileged-container",
    "Container runs privileged",
    Severity::Critical,
    "pod-security",
);
static ROOT: RuleMeta = rule(
    "run-as-root",
    "Container may run as root",
    Severity::Medium,
    "pod-security",
);
static WILDCARD: RuleMeta = rule(
    "rbac-wildcard",
    "Role grants every verb on every resource",
    Severity::High,
    "rbac",
);
/// Ran, found nothing: must still be listed among the SARIF rules.
static LATEST: RuleMeta = rule(
    "image-latest-tag",
    "Image uses the latest tag",
    Severity::Low,
    "images",
);

struct Rules;

impl Analyzer for Rules {
    fn name(&self) -> &'static str {
        "sample"
    }
    fn rules(&self) -> Vec<&'static RuleMeta> {
        vec![&PRIVILEGED, &ROOT, &WILDCARD, &LATEST]
    }
    fn analyze(&self, _: &Inventory, _: &mut Vec<Finding>) {}
}

pub fn object(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: if kind == "ClusterRole" {
            "rbac.authorization.k8s.io/v1".into()
        } else {
            "apps/v1".into()
        },
        kind: kind.into(),
        namespace: namespace.map(Into::into),
        name: name.into(),
    }
}

pub fn finding(
    rule: &RuleMeta,
    severity: Severity,
    object: ObjectRef,
    path: &str,
    at: Option<(&str, u32, u32)>,
    message: &str,
) -> Finding {
    Finding {
        rule_id: rule.id.into(),
        severity,
        message: message.into(),
        object,
        path: FieldPath::parse(path),
        location: at.map(|(file, line, column)| Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }),
        subject: None,
    }
}

pub const LONG_MESSAGE: &str = "container \"api\" runs as root: neither the container nor the \
    pod sets runAsNonRoot: true, and the image's USER cannot be known from the manifest alone, \
    so the process may start as UID 0";

/// The sample report, findings sorted as the pipeline sorts them.
pub fn report() -> Report {
    let api = || object("Deployment", Some("shop"), "api");
    let db = object("StatefulSet", Some("shop"), "db");
    let admin = object("ClusterRole", None, "admin-all");
    let mut findings = vec![
        finding(
            &PRIVILEGED,
            Severity::Critical,
            api(),
            "spec.template.spec.containers[0].securityContext.privileged",
            Some(("deploy/api.yaml", 21, 13)),
            "container \"api\" runs privileged",
        ),
        finding(
            &ROOT,
            Severity::Medium,
            api(),
            "spec.template.spec.containers[0]",
            Some(("deploy/api.yaml", 17, 9)),
            LONG_MESSAGE,
        ),
        finding(
            &ROOT,
            Severity::Medium,
            api(),
            "spec.template.spec.containers[1]",
            Some(("deploy/api.yaml", 30, 9)),
            "container \"sidecar\" runs as root",
        ),
        finding(
            &ROOT,
            Severity::High,
            db,
            "spec.template.spec.securityContext.runAsUser",
            Some(("/repo/k8s/db set.yaml", 12, 11)),
            "the pod runs as UID 0 (runAsUser: 0)",
        ),
        finding(
            &WILDCARD,
            Severity::High,
            admin,
            "rules[0]",
            None,
            "rule 0 grants '*' on '*'",
        ),
    ];
    bulwark_core::finding::sort_findings(&mut findings);
    let mut by_severity = BTreeMap::new();
    for s in Severity::ALL {
        by_severity.insert(s, findings.iter().filter(|f| f.severity == s).count());
    }
    Report {
        tool: Tool {
            name: "bulwark",
            version: "0.1.0",
        },
        summary: Summary {
            files: 3,
            objects: 5,
            skipped: vec![Skipped {
                file: "README.md".into(),
                reason: "not a YAML or JSON file".into(),
            }],
            errors: vec![InputError {
                file: "deploy/broken.yaml".into(),
                line: Some(3),
                column: Some(5),
                message: "did not find expected key".into(),
            }],
            suppressed: 2,
            folded: 0,
            documents: bulwark_core::Tally {
                read: 7,
                analysed: 5,
                skipped: 1,
                failed: 1,
            },
            by_severity,
        },
        findings,
        catalog: Catalog::from_analyzers(&[Box::new(Rules)]),
        compliance: Vec::new(),
    }
}

/// A scan that found nothing and read everything.
pub fn clean_report() -> Report {
    let mut r = report();
    r.findings.clear();
    r.summary.errors.clear();
    r.summary.skipped.clear();
    r.summary.suppressed = 0;
    r.summary.by_severity.values_mut().for_each(|n| *n = 0);
    r
}

/// Renders `r` in `format` to a string.
pub fn render(r: &Report, format: crate::Format, opts: &crate::RenderOptions) -> String {
    let mut out = Vec::new();
    crate::render_with(r, format, opts, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}
