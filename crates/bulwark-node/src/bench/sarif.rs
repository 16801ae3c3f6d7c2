//! The benchmark as SARIF 2.1.0: every check is a rule, every result says
//! what SARIF calls its kind: `fail`, `pass`, `review` (WARN: a person
//! decides) or `open` (NOT_EVALUATED: the tool could not determine it).

use serde_json::{Value, json};

use super::report::BenchReport;
use crate::verdict::Status;

/// The SARIF log of a benchmark run.
pub fn to_sarif(report: &BenchReport) -> Value {
    let results_of = || report.sections.iter().flat_map(|s| s.results.iter());
    let rules: Vec<Value> = results_of()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "help": {"text": r.remediation},
                "properties": {"tags": ["security", "cis-kubernetes-benchmark", report.benchmark]},
            })
        })
        .collect();
    let results: Vec<Value> = results_of()
        .enumerate()
        .map(|(i, r)| {
            let (kind, level) = match r.status {
                Status::Fail => ("fail", "error"),
                Status::Pass => ("pass", "none"),
                Status::Warn => ("review", "none"),
                Status::NotEvaluated => ("open", "none"),
            };
            let evidence = if r.evidence.is_empty() {
                r.title.to_string()
            } else {
                r.evidence.join("; ")
            };
            json!({
                "ruleId": r.id,
                "ruleIndex": i,
                "kind": kind,
                "level": level,
                "message": {"text": format!("{} {}: {evidence}", r.id, r.status.as_str())},
                "locations": [{"logicalLocations": [{
                    "name": report.root,
                    "kind": "resource",
                }]}],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bulwark",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
