//! Acceptance: every case of every gator suite of the Gatekeeper library
//! (`../shared/corpora/gatekeeper-library`, see its SOURCE.txt) agrees
//! with gator's expected result through the Rego code. Cases that cannot
//! agree are listed one by one in `DEVIATIONS` with why; a listed case that
//! starts passing fails the test, so the list stays true.

use std::path::{Path, PathBuf};

use bulwark_policy::suite::{Outcome, find_suites, run_suite};

fn corpus() -> Option<PathBuf> {
    // BULWARK_SHARED: the shared directory when the checkout is not beside
    // it (a worktree elsewhere).
    let p = match std::env::var_os("BULWARK_SHARED") {
        Some(s) => PathBuf::from(s).join("corpora/gatekeeper-library"),
        None => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/gatekeeper-library")
        }
    };
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus not found at {} (required in CI)",
        p.display()
    );
    println!("skipped: corpus not found");
    None
}

/// Cases (suite path below library/, test, case) that do not agree, with why.
const DEVIATIONS: &[(&str, &str, &str, &str)] = &[];

#[test]
fn every_library_suite_agrees_with_gator() {
    let Some(root) = corpus() else { return };
    let (suites, errors) = find_suites(&[root.join("library")]);
    assert!(errors.is_empty(), "unreadable files: {errors:?}");
    assert_eq!(suites.len(), 49, "suites found");
    let lib = format!("{}/", root.join("library").display());
    let mut tests = std::collections::BTreeSet::new();
    let (mut cases, mut passed) = (0, 0);
    let mut failures = Vec::new();
    let mut fixed = Vec::new();
    for s in &suites {
        for r in run_suite(s) {
            cases += 1;
            let suite = r.suite.strip_prefix(&lib).unwrap_or(&r.suite).to_string();
            tests.insert((suite.clone(), r.test.clone()));
            let listed = DEVIATIONS
                .iter()
                .find(|d| d.0 == suite && d.1 == r.test && d.2 == r.case);
            match (&r.outcome, listed) {
                (Outcome::Pass, None) => passed += 1,
                (Outcome::Pass, Some(d)) => fixed.push(format!("{} {}/{}", d.0, d.1, d.2)),
                (Outcome::Fail(_), Some(_)) => {}
                (Outcome::Fail(e), None) => {
                    failures.push(format!("{suite} {}/{}: {e}", r.test, r.case))
                }
                (Outcome::Skipped, _) => {
                    failures.push(format!("{suite} {}/{}: skipped", r.test, r.case))
                }
            }
        }
    }
    println!(
        "gatekeeper-library: {passed} of {cases} cases agree with gator ({} deviations listed)",
        DEVIATIONS.len()
    );
    assert!(
        fixed.is_empty(),
        "listed deviations now pass, remove them: {fixed:#?}"
    );
    assert!(
        failures.is_empty(),
        "{} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(tests.len(), 75, "tests run");
    assert_eq!(cases, 270, "cases run");
}
