//! The JSON report, documented by `docs/report-schema.json`.
//!
//! The shape is a contract: change it together with the schema (the tests
//! validate real output against it).

use bulwark_core::{Finding, InputError, Severity, Skipped};
use serde::Serialize;

use crate::model::{Report, Tool};

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'a Tool,
    summary: JsonSummary<'a>,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    files: usize,
    objects: usize,
    skipped: Vec<&'a Skipped>,
    errors: Vec<&'a InputError>,
    suppressed: usize,
    folded: usize,
    documents: bulwark_core::Tally,
    by_severity: BySeverity,
}

/// Every severity always present, most severe first.
#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    api_version: &'a str,
    kind: &'a str,
    /// `null` for cluster-scoped objects.
    namespace: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    severity: Severity,
    title: &'a str,
    message: &'a str,
    object: JsonObject<'a>,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
}

fn finding<'a>(report: &'a Report, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule_id: &f.rule_id,
        severity: f.severity,
        title: report.catalog.get(&f.rule_id).map_or("", |m| m.title),
        message: &f.message,
        object: JsonObject {
            api_version: &f.object.api_version,
            kind: &f.object.kind,
            namespace: f.object.namespace.as_deref(),
            name: &f.object.name,
        },
        path: f.path.to_string(),
        subject: f.subject.as_deref(),
        file: f.location.as_ref().map(|l| l.file.as_str()),
        line: f.location.as_ref().and_then(|l| l.line),
        column: f.location.as_ref().and_then(|l| l.column),
    }
}

fn by_severity(report: &Report) -> BySeverity {
    let n = |s: Severity| {
        report
            .summary
            .by_severity
            .get(&s)
            .copied()
            .unwrap_or_else(|| report.findings.iter().filter(|f| f.severity == s).count())
    };
    BySeverity {
        critical: n(Severity::Critical),
        high: n(Severity::High),
        medium: n(Severity::Medium),
        low: n(Severity::Low),
        info: n(Severity::Info),
    }
}

pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let s = &report.summary;
    let mut skipped: Vec<&Skipped> = s.skipped.iter().collect();
    skipped.sort();
    let mut errors: Vec<&InputError> = s.errors.iter().collect();
    errors.sort();
    let doc = JsonReport {
        tool: &report.tool,
        summary: JsonSummary {
            files: s.files,
            objects: s.objects,
            skipped,
            errors,
            suppressed: s.suppressed,
            folded: s.folded,
            documents: s.documents,
            by_severity: by_severity(report),
        },
        findings: report.findings.iter().map(|f| finding(report, f)).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sample;
    use crate::{Format, RenderOptions};

    const SCHEMA: &str = include_str!("../../../docs/report-schema.json");

    fn output(r: &crate::Report) -> Value {
        let text = sample::render(r, Format::Json, &RenderOptions::default());
        serde_json::from_str(&text).expect("valid JSON")
    }

    fn validator() -> jsonschema::Validator {
        let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
        jsonschema::draft202012::new(&schema).expect("schema is a valid 2020-12 schema")
    }

    #[test]
    fn output_validates_against_the_documented_schema() {
        let v = validator();
        for r in [sample::report(), sample::clean_report()] {
            let doc = output(&r);
            let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
        }
    }

    #[test]
    fn schema_rejects_what_it_should() {
        let v = validator();
        let good = output(&sample::report());
        let mut bad = good.clone();
        bad["findings"][0]["severity"] = json!("HIGH");
        assert!(!v.is_valid(&bad), "uppercase severity accepted");
        let mut bad = good.clone();
        bad["findings"][0]
            .as_object_mut()
            .unwrap()
            .insert("extra".into(), json!(1));
        assert!(!v.is_valid(&bad), "unknown finding field accepted");
        let mut bad = good.clone();
        bad["summary"]["by_severity"]
            .as_object_mut()
            .unwrap()
            .remove("info");
        assert!(!v.is_valid(&bad), "missing severity count accepted");
        let mut bad = good;
        bad["summary"]["errors"][0]["line"] = json!(0);
        assert!(!v.is_valid(&bad), "line 0 accepted");
    }

    #[test]
    fn carries_every_field() {
        let doc = output(&sample::report());
        assert_eq!(doc["tool"], json!({"name": "bulwark", "version": "0.1.0"}));
        assert_eq!(
            doc["summary"],
            json!({
                "files": 3,
                "objects": 5,
                "folded": 0,
                "documents": {"read": 7, "analysed": 5, "skipped": 1, "failed": 1},
                "skipped": [{"file": "README.md", "reason": "not a YAML or JSON file"}],
                "errors": [{"file": "deploy/broken.yaml", "line": 3, "column": 5,
                            "message": "did not find expected key"}],
                "suppressed": 2,
                "by_severity": {"critical": 1, "high": 2, "medium": 2, "low": 0, "info": 0}
            })
        );
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 5);
        // Pipeline order kept: the cluster object (no file) first, then by file and line.
        assert_eq!(
            findings[0],
            json!({
                "rule_id": "rbac-wildcard",
                "severity": "high",
                "title": "Role grants every verb on every resource",
                "message": "rule 0 grants '*' on '*'",
                "object": {"api_version": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                           "namespace": null, "name": "admin-all"},
                "path": "rules[0]",
                "file": null, "line": null, "column": null
            })
        );
        let privileged = &findings[3];
        assert_eq!(privileged["rule_id"], "privileged-container");
        assert_eq!(privileged["severity"], "critical");
        assert_eq!(
            privileged["path"],
            "spec.template.spec.containers[0].securityContext.privileged"
        );
        assert_eq!(privileged["object"]["namespace"], "shop");
        assert_eq!(
            (
                &privileged["file"],
                &privileged["line"],
                &privileged["column"]
            ),
            (&json!("deploy/api.yaml"), &json!(21), &json!(13))
        );
        let lines: Vec<_> = findings.iter().map(|f| f["line"].clone()).collect();
        assert_eq!(
            lines,
            [json!(null), json!(12), json!(17), json!(21), json!(30)]
        );
    }

    #[test]
    fn same_report_same_bytes() {
        let r = sample::report();
        let a = sample::render(&r, Format::Json, &RenderOptions::default());
        let b = sample::render(&r, Format::Json, &RenderOptions::default());
        assert_eq!(a, b);
    }
}
