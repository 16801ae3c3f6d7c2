//! The benchmark as JUnit: one suite per section, one test case per check.
//! PASS is a success, FAIL a failure with its evidence and fix, WARN and
//! NOT_EVALUATED are skipped with the reason, so a CI dashboard never shows
//! a check it could not see as green.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::report::{BenchReport, CheckResult};
use crate::verdict::Status;

/// The JUnit XML of a benchmark run.
pub fn to_junit(report: &BenchReport) -> Result<String, String> {
    let mut junit = quick_junit::Report::new(format!("bulwark node ({})", report.benchmark));
    for section in &report.sections {
        let mut suite = TestSuite::new(format!("{} {}", section.id, section.title));
        for r in &section.results {
            suite.add_test_case(case(r));
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(|e| e.to_string())
}

fn case(r: &CheckResult) -> TestCase {
    let evidence = r.evidence.join("\n");
    let status = match r.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_type("FAIL")
                .set_message(r.title)
                .set_description(format!("{evidence}\n\nRemediation:\n{}", r.remediation));
            s
        }
        Status::Warn | Status::NotEvaluated => {
            let mut s = TestCaseStatus::skipped();
            s.set_type(r.status.as_str())
                .set_message(format!("{}: {evidence}", r.status.as_str()));
            s
        }
    };
    let mut tc = TestCase::new(format!("{} {}", r.id, r.title), status);
    tc.set_classname(r.id);
    tc
}
