//! The bundled example app: the insecure variant triggers every rule of the
//! built-in pack at least once (so the examples show every rule); the
//! hardened one triggers no high or critical rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bulwark_core::{Analyzer, Finding, Inventory, Severity};
use bulwark_load::{LoadOptions, load_paths};
use bulwark_rules::BuiltinRules;

fn scan(dir: &str) -> Vec<Finding> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(dir);
    let loaded = load_paths(&[PathBuf::from(&root)], &LoadOptions::default());
    assert!(
        loaded.summary.errors.is_empty(),
        "{:?}",
        loaded.summary.errors
    );
    assert!(
        loaded.summary.skipped.is_empty(),
        "{:?}",
        loaded.summary.skipped
    );
    let mut out = Vec::new();
    BuiltinRules::default().analyze(&Inventory::new(loaded.resources), &mut out);
    out
}

#[test]
fn insecure_example_triggers_every_builtin_rule() {
    let fired: BTreeSet<_> = scan("insecure").into_iter().map(|f| f.rule_id).collect();
    let missing: Vec<_> = BuiltinRules::default()
        .rules()
        .into_iter()
        .map(|r| r.id)
        .filter(|id| !fired.iter().any(|f| f == id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules never triggered by examples/insecure: {missing:?}"
    );
}

#[test]
fn hardened_example_has_no_high_or_critical_finding() {
    let bad: Vec<_> = scan("hardened")
        .into_iter()
        .filter(|f| f.severity >= Severity::High)
        .map(|f| format!("{} {} {}", f.rule_id, f.object.display(), f.message))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}
