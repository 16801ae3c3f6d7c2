//! JUnit XML for CI test views.
//!
//! - One `<testsuite>` per file (in path order; objects not from a file come
//!   first, under `(not from a file)`).
//! - One `<testcase>` per rule × object with findings: `classname` is the
//!   rule id, `name` the object (`Kind/namespace/name`). It holds one
//!   `<failure>` whose `type` is the worst severity, whose message is the
//!   rule's title, and whose text lists every finding with its location.
//! - Passing test cases for rules that found nothing are **not** emitted:
//!   the report does not record which rules apply to which object, and a
//!   "pass" for every rule × object (a privileged check on a ConfigMap)
//!   would claim checks that never applied.
//! - A last suite, `inputs`, always exists: an `<error>` per input that
//!   could not be read, a `<skipped>` per input deliberately not scanned,
//!   and a passing `every input read` case when there was no error, so a
//!   clean scan is one green test rather than an empty report. Its
//!   properties carry the summary counts (suppressed findings included).

use std::io::{self, Write};

use bulwark_core::{Finding, Severity};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::group::{by_file, count};
use crate::model::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    build(report)
        .serialize(&mut *out)
        .map_err(|e| io::Error::other(e.to_string()))?;
    writeln!(out)
}

/// The JUnit report for `report`.
pub fn build(report: &Report) -> quick_junit::Report {
    let mut junit = quick_junit::Report::new(report.tool.name);
    for group in by_file(&report.findings) {
        let mut suite = TestSuite::new(xml_safe(group.file.unwrap_or("(not from a file)")));
        for obj in &group.objects {
            for (rule_id, findings) in obj.by_rule() {
                suite.add_test_case(case(report, rule_id, &obj.object.display(), &findings));
            }
        }
        junit.add_test_suite(suite);
    }
    junit.add_test_suite(inputs(report));
    junit
}

fn case(report: &Report, rule_id: &str, object: &str, findings: &[&Finding]) -> TestCase {
    let worst = findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Info);
    let title = report.catalog.get(rule_id).map_or(rule_id, |m| m.title);
    let mut msg = title.to_string();
    if findings.len() > 1 {
        msg.push_str(&format!(" ({})", count(findings.len(), "finding")));
    }
    let details: Vec<String> = findings.iter().map(|f| detail(f)).collect();
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_type(worst.as_str())
        .set_message(xml_safe(&msg))
        .set_description(xml_safe(&details.join("\n")));
    let mut tc = TestCase::new(xml_safe(object), status);
    tc.set_classname(xml_safe(rule_id));
    tc
}

/// Whether XML 1.0 allows `c` in a document at all (escaping cannot help:
/// `&#xFFFE;` is as invalid as the raw character).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` with every character XML forbids written as `\u{fffe}`: names and
/// messages come from untrusted manifests, and one such character makes CI
/// reject the whole report.
fn xml_safe(s: &str) -> String {
    if s.chars().all(xml_char) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if xml_char(c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// `deploy/api.yaml:21:13: critical: container "api" runs privileged (at spec…)`
fn detail(f: &Finding) -> String {
    let mut s = String::new();
    if let Some(l) = &f.location {
        s.push_str(&l.file);
        if let Some(line) = l.line {
            s.push_str(&format!(":{line}"));
            if let Some(col) = l.column {
                s.push_str(&format!(":{col}"));
            }
        }
        s.push_str(": ");
    }
    s.push_str(&format!("{}: {}", f.severity, f.message));
    if !f.path.is_root() {
        s.push_str(&format!(" (at {})", f.path));
    }
    s
}

fn inputs(report: &Report) -> TestSuite {
    let s = &report.summary;
    let mut suite = TestSuite::new("inputs");
    suite.add_properties([
        ("files".to_string(), s.files.to_string()),
        ("objects".to_string(), s.objects.to_string()),
        ("findings".to_string(), report.findings.len().to_string()),
        ("suppressed".to_string(), s.suppressed.to_string()),
    ]);
    let mut errors = s.errors.clone();
    errors.sort();
    for e in &errors {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type("input-error")
            .set_message(xml_safe(&e.to_string()));
        let mut tc = TestCase::new(xml_safe(&e.file), status);
        tc.set_classname("input-error");
        suite.add_test_case(tc);
    }
    let mut skipped = s.skipped.clone();
    skipped.sort();
    for sk in &skipped {
        let mut status = TestCaseStatus::skipped();
        status.set_message(xml_safe(&sk.reason));
        let mut tc = TestCase::new(xml_safe(&sk.file), status);
        tc.set_classname("skipped-input");
        suite.add_test_case(tc);
    }
    if errors.is_empty() {
        let mut tc = TestCase::new("every input read", TestCaseStatus::success());
        tc.set_classname("inputs");
        suite.add_test_case(tc);
    }
    suite
}

#[cfg(test)]
mod tests {
    use quick_junit::Report as Junit;

    use super::*;
    use crate::sample;
    use crate::{Format, RenderOptions};

    fn parsed(r: &Report) -> (String, Junit) {
        let xml = sample::render(r, Format::Junit, &RenderOptions::default());
        let junit = Junit::deserialize_from_str(&xml).expect("valid JUnit XML");
        (xml, junit)
    }

    fn failure(tc: &TestCase) -> (Option<&str>, Option<&str>, Option<&str>) {
        match &tc.status {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Failure,
                message,
                ty,
                description,
                ..
            } => (
                ty.as_ref().map(|s| s.as_str()),
                message.as_ref().map(|s| s.as_str()),
                description.as_ref().map(|s| s.as_str()),
            ),
            other => panic!("not a failure: {other:?}"),
        }
    }

    #[test]
    fn one_case_per_rule_and_object() {
        let (_, j) = parsed(&sample::report());
        assert_eq!(j.name.as_ref().map(|s| s.as_str()), Some("bulwark"));
        let suites: Vec<&str> = j.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            suites,
            [
                "(not from a file)",
                "/repo/k8s/db set.yaml",
                "deploy/api.yaml",
                "inputs"
            ]
        );
        let api = &j.test_suites[2];
        let cases: Vec<(&str, &str)> = api
            .test_cases
            .iter()
            .map(|c| {
                (
                    c.classname.as_ref().map_or("", |s| s.as_str()),
                    c.name.as_str(),
                )
            })
            .collect();
        // Two run-as-root findings on the same object make one case.
        assert_eq!(
            cases,
            [
                ("run-as-root", "Deployment/shop/api"),
                ("privileged-container", "Deployment/shop/api")
            ]
        );
        assert_eq!(api.failures, 2);
        // 4 rule × object cases, an input error and a skipped input.
        assert_eq!(j.tests, 4 + 2);
        assert_eq!(j.failures, 4);
        assert_eq!(j.errors, 1);
    }

    #[test]
    fn failure_lists_every_finding() {
        let (_, j) = parsed(&sample::report());
        let (ty, msg, text) = failure(&j.test_suites[2].test_cases[0]);
        assert_eq!(ty, Some("medium"));
        assert_eq!(msg, Some("Container may run as root (2 findings)"));
        let text = text.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with(
                "deploy/api.yaml:17:9: medium: container \"api\" runs as root: neither"
            )
        );
        assert!(lines[0].ends_with("(at spec.template.spec.containers[0])"));
        assert_eq!(
            lines[1],
            "deploy/api.yaml:30:9: medium: container \"sidecar\" runs as root \
             (at spec.template.spec.containers[1])"
        );
        let (ty, msg, text) = failure(&j.test_suites[0].test_cases[0]);
        assert_eq!(ty, Some("high"));
        assert_eq!(msg, Some("Role grants every verb on every resource"));
        assert_eq!(text, Some("high: rule 0 grants '*' on '*' (at rules[0])"));
    }

    #[test]
    fn inputs_suite_accounts_for_everything() {
        let (xml, j) = parsed(&sample::report());
        let inputs = j.test_suites.last().unwrap();
        let props: Vec<(&str, &str)> = inputs
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            props,
            [
                ("files", "3"),
                ("objects", "5"),
                ("findings", "5"),
                ("suppressed", "2")
            ]
        );
        assert_eq!(inputs.test_cases.len(), 2);
        let err = &inputs.test_cases[0];
        assert_eq!(err.name.as_str(), "deploy/broken.yaml");
        match &err.status {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                message,
                ..
            } => assert_eq!(
                message.as_ref().map(|s| s.as_str()),
                Some("deploy/broken.yaml:3:5: did not find expected key")
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            inputs.test_cases[1].status,
            TestCaseStatus::Skipped { .. }
        ));
        assert!(
            xml.contains("<skipped message=\"not a YAML or JSON file\""),
            "{xml}"
        );
        // Quotes in messages are escaped, and the XML round-trips.
        assert!(xml.contains("runs privileged"));
    }

    #[test]
    fn xml_invalid_characters_are_escaped_and_the_xml_parses() {
        let mut r = sample::report();
        r.findings[0].object.name = "evil\u{FFFE}\u{FFFF}\u{1}name".into();
        r.findings[0].message = "bad \u{0}\u{FFFF} value".into();
        r.summary.skipped[0].file = "odd\u{FFFE}.md".into();
        r.summary.errors[0].message = "\u{8}broken".into();
        let xml = sample::render(&r, Format::Junit, &RenderOptions::default());
        for c in ['\u{FFFE}', '\u{FFFF}', '\u{0}', '\u{1}', '\u{8}'] {
            assert!(!xml.contains(c), "{c:?} in {xml}");
        }
        assert!(xml.contains("evil\\u{fffe}\\u{ffff}\\u{1}name"), "{xml}");
        Junit::deserialize_from_str(&xml).expect("valid XML");
    }

    #[test]
    fn clean_scan_is_one_passing_case() {
        let (_, j) = parsed(&sample::clean_report());
        assert_eq!(j.test_suites.len(), 1);
        assert_eq!(j.tests, 1);
        assert_eq!(j.failures + j.errors, 0);
        let tc = &j.test_suites[0].test_cases[0];
        assert_eq!(tc.name.as_str(), "every input read");
        assert!(matches!(tc.status, TestCaseStatus::Success { .. }));
    }
}
