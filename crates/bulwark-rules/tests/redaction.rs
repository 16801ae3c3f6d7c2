//! Secrets seen in inputs never reach an output in full: every finding of
//! every rule, over every fixture, is checked against the credentials the
//! fixtures plant (listed here by hand, so the check does not trust the
//! detector) and against what the detector itself finds at each finding's
//! path.

use std::path::{Path, PathBuf};

use bulwark_core::{Analyzer, Finding, Inventory};
use bulwark_load::{LoadOptions, load_paths};
use bulwark_rules::BuiltinRules;
use bulwark_rules::secrets::patterns::scan;
use serde_json::Value;

/// Fabricated credentials planted in `tests/fixtures/credential-*` and
/// `secret-*` (none is real).
const PLANTED: &[&str] = &[
    "AKIAUJZDEGXDNCF32EPF",
    "ASIA3DHODZDOCIS2JHTL",
    "nyVmihA+2O76UMFxFkM+R5Kjp1vRt/1fjORS+6il",
    "ghp_8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVp",
    "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",
    "xoxb-215901092815-9013962459571-h2FDEEtfjgVvVqE1SkHbn88H",
    "NZYW2mZp0zVZomHFwUbbYrEq",
    "sk_live_mSM9wCZ7Uw9xfogoEmvnEN5N",
    "a9SkpXz9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1q",
    "d6Vw5DQL05HA064G",
    "MIIqtc4xatws8phP9nhFyJfm5di4PzJ59FHz5r1pY4OjE2jBMptUsGr7CmY/uCu",
    "Tr0ub4dor-and-3",
    "VHIwdWI0ZG9yLWFuZC0z",
    "Wq9-vT3s!pLm",
    "hunter2hunter2",
    "s3cr3t-redis",
    "changeme",
];

fn scan_fixtures() -> (Inventory, Vec<Finding>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let loaded = load_paths(&[PathBuf::from(&root)], &LoadOptions::default());
    assert!(
        loaded.summary.errors.is_empty(),
        "{:?}",
        loaded.summary.errors
    );
    let inv = Inventory::new(loaded.resources);
    let mut out = Vec::new();
    BuiltinRules::default().analyze(&inv, &mut out);
    (inv, out)
}

#[test]
fn no_planted_secret_appears_in_any_finding() {
    let (_, findings) = scan_fixtures();
    let credential_findings = findings
        .iter()
        .filter(|f| f.rule_id.starts_with("credential-"))
        .count();
    assert!(
        credential_findings >= 20,
        "the fixtures should produce credential findings, got {credential_findings}"
    );
    for f in &findings {
        let json = serde_json::to_string(f).expect("finding serializes");
        for secret in PLANTED {
            assert!(
                !json.contains(secret),
                "{} leaks {secret:?}: {json}",
                f.rule_id
            );
        }
    }
}

#[test]
fn no_detected_secret_appears_in_its_finding() {
    let (inv, findings) = scan_fixtures();
    let mut checked = 0;
    for f in findings
        .iter()
        .filter(|f| f.rule_id.starts_with("credential-"))
    {
        let res = inv
            .iter()
            .find(|r| r.id == f.object && f.path.get(&r.value).is_some())
            .expect("finding points at an object of the scan");
        let Some(Value::String(value)) = f.path.get(&res.value) else {
            continue;
        };
        if value.trim().len() >= 4 {
            checked += 1;
            assert!(
                !f.message.contains(value.trim()),
                "{} leaks the whole value: {}",
                f.rule_id,
                f.message
            );
        }
        for hit in scan("", value) {
            checked += 1;
            assert!(
                !f.message.contains(hit.secret),
                "{} leaks {:?}: {}",
                f.rule_id,
                hit.secret,
                f.message
            );
        }
        assert!(f.message.contains("redacted"), "{}", f.message);
    }
    assert!(checked >= 10, "only {checked} secrets checked");
}
