//! The JSON report, documented by `docs/report-schema.json`.

use bulwark_core::{Finding, ObjectRef};
use serde::Serialize;

use crate::model::{Report, Summary, Tool};

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'a Tool,
    summary: &'a Summary,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    severity: bulwark_core::Severity,
    title: &'a str,
    message: &'a str,
    object: &'a ObjectRef,
    path: String,
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
        object: &f.object,
        path: f.path.to_string(),
        file: f.location.as_ref().map(|l| l.file.as_str()),
        line: f.location.as_ref().and_then(|l| l.line),
        column: f.location.as_ref().and_then(|l| l.column),
    }
}

pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = JsonReport {
        tool: &report.tool,
        summary: &report.summary,
        findings: report.findings.iter().map(|f| finding(report, f)).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
