//! Acceptance: the inputs that np-guard/netpol-analyzer's Go tests expect
//! to fail (`expected_errors_from_go_tests.json`) must give an error or a
//! warning here too, never a silent answer.

use std::path::PathBuf;

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_paths};
use bulwark_netpol::{Model, Options};
use serde_json::Value;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/netpol-analyzer"
);

/// Cases about CLI options (focus workloads, output formats): tested on the
/// CLI's own lookups, not on the analysis of the directory.
fn is_option_case(c: &Value) -> bool {
    [
        "focusWorkloads_go_expr",
        "focusworkloads_go_expr",
        "focusWorkloadPeers_go_expr",
        "focusDirection_go_expr",
        "format_go_expr",
    ]
    .iter()
    .any(|k| c.get(k).is_some())
        || c["case"]
            .as_str()
            .is_some_and(|s| s.contains("explain") || s.contains("Explain"))
}

/// Cases upstream treats as fatal where a warning is the honest answer here.
const WARNING_SUFFICES: &[(&str, &str)] = &[
    (
        "tests/bad_netpols/subdir6",
        "Kubernetes accepts a named port next to an ipBlock peer; it only cannot match IPs, which the warning says",
    ),
    (
        "tests/bad_yamls/subdir2",
        "a directory without manifests is not an error for the loader; the analysis warns that it found no workloads",
    ),
];

#[test]
fn expected_errors_are_reported() {
    let root = PathBuf::from(CORPUS);
    if !root.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus not found at {CORPUS}"
        );
        eprintln!("skipped: corpus not found at {CORPUS}");
        return;
    }
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("expected_errors_from_go_tests.json")).unwrap(),
    )
    .unwrap();
    let (mut checked, mut failures) = (0, Vec::new());
    for c in json["cases"].as_array().unwrap() {
        if is_option_case(c) || c["go_test"] == "TestNotContainedOutputLines" {
            continue;
        }
        let dir = c["tests_dir"].as_str().unwrap();
        let fatal = c.get("errorStrContains_go_expr").is_some();
        let loaded = load_paths(&[root.join(dir)], &LoadOptions::default());
        let load_errors = loaded.summary.errors.len() + loaded.summary.skipped.len();
        let model = Model::build(
            &Inventory::new(loaded.resources),
            Options {
                host_network_as_pod: true,
            },
        );
        let warned_ok = WARNING_SUFFICES.iter().any(|(d, _)| *d == dir);
        let ok = if fatal && !warned_ok {
            load_errors > 0 || model.has_errors()
        } else {
            load_errors > 0 || !model.problems.is_empty()
        };
        checked += 1;
        if !ok {
            failures.push(format!(
                "{dir} ({}): expected {}; got {:?}",
                c["case"].as_str().unwrap_or(""),
                if fatal {
                    "an error"
                } else {
                    "an error or warning"
                },
                model
                    .problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
        }
    }
    eprintln!(
        "expected-error cases checked: {checked}, reported: {}",
        checked - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every scenario directory, good or bad, goes through the model, the
/// matrix and the coverage rules without a panic.
#[test]
fn every_scenario_is_analysed_without_panic() {
    use bulwark_core::Analyzer;
    let root = PathBuf::from(CORPUS);
    if !root.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus not found at {CORPUS}"
        );
        eprintln!("skipped: corpus not found at {CORPUS}");
        return;
    }
    let mut n = 0;
    for e in std::fs::read_dir(root.join("tests")).unwrap() {
        let dir = e.unwrap().path();
        let loaded = load_paths(&[dir], &LoadOptions::default());
        let inv = Inventory::new(loaded.resources);
        let model = Model::build(&inv, Options::default());
        let _ = model.reachability().connlist();
        let mut out = Vec::new();
        bulwark_netpol::NetpolAnalyzer.analyze(&inv, &mut out);
        n += 1;
    }
    assert!(n > 300, "{n} directories");
}
