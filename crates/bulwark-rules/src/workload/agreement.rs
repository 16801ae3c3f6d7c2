//! Acceptance tests against the fixtures of the projects that define the
//! semantics (`../shared/corpora`):
//!
//! - Pod Security Admission, newest Kubernetes version: for every PSA check
//!   that a workload rule covers, the rule fires on every `fail/` pod of
//!   that check and stays silent on every `pass/` pod.
//!
//! Agreement with Polaris (every family, one mapping) is in
//! `crates/bulwark/tests/polaris.rs`, and the CIS ids of every rule are
//! checked against v1.12 in `crates/bulwark/tests/catalog.rs`.
//!
//! Deliberate differences are listed, each with its reason.

use std::path::{Path, PathBuf};

use bulwark_core::{Analyzer, Inventory};
use bulwark_load::{LoadOptions, load_file};

use crate::BuiltinRules;

const CORPORA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora");

/// The corpus directory `rel`, or `None` (with a note) when the corpora are
/// not beside the repository; in CI their absence is a failure.
fn corpus(rel: &str) -> Option<PathBuf> {
    let dir = Path::new(CORPORA).join(rel);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus not found at {}",
        dir.display()
    );
    eprintln!("skipped: corpus not found at {}", dir.display());
    None
}

/// The files of a directory, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// Checks one labelled fixture against the rules that cover it; returns
/// a problem line when they disagree.
fn judge(name: &str, file: &Path, rules: &[&str], must_fire: bool) -> Option<String> {
    let ids = fired(file);
    let hit: Vec<_> = ids
        .iter()
        .filter(|id| rules.contains(&id.as_str()))
        .collect();
    match (must_fire, hit.is_empty()) {
        (true, true) => Some(format!("{name}: none of {rules:?} fired")),
        (false, false) => Some(format!("{name}: must not fire but {hit:?} did")),
        _ => None,
    }
}

/// PSA check id (file stem without digits) -> the rules that cover it.
const PSA_COVERS: &[(&str, &[&str])] = &[
    (
        "allowprivilegeescalation",
        &["privilege-escalation-allowed"],
    ),
    ("apparmorprofile", &["apparmor-unconfined"]),
    ("capabilities_baseline", &["dangerous-capabilities"]),
    (
        "capabilities_restricted",
        &["capabilities-not-dropped", "dangerous-capabilities"],
    ),
    ("hostnamespaces", &["host-network", "host-pid", "host-ipc"]),
    ("hostpathvolumes", &["host-path-volume"]),
    ("hostports", &["host-port"]),
    ("privileged", &["privileged-container"]),
    ("procmount", &["proc-mount-unmasked"]),
    ("runasnonroot", &["runs-as-root"]),
    ("runasuser", &["runs-as-root"]),
    ("seccompprofile_baseline", &["seccomp-unconfined"]),
    ("seccompprofile_restricted", &["seccomp-unconfined"]),
    ("selinuxoptions", &["selinux-custom-options"]),
    ("sysctls", &["unsafe-sysctls"]),
    ("windowshostprocess", &["windows-host-process"]),
];

/// PSA checks that only the restricted level has.
const RESTRICTED_ONLY: &[&str] = &[
    "allowprivilegeescalation",
    "capabilities_restricted",
    "runasnonroot",
    "runasuser",
    "seccompprofile_restricted",
];

/// Every rule that covers a check of `level`. At baseline,
/// `seccomp-unconfined` is left out: it also reports an unset profile,
/// which only the restricted level forbids.
fn level_rules(level: &str) -> Vec<&'static str> {
    let baseline = level == "baseline";
    let mut rules: Vec<&str> = PSA_COVERS
        .iter()
        .filter(|(c, _)| !(baseline && RESTRICTED_ONLY.contains(c)))
        .flat_map(|(_, r)| r.iter().copied())
        .filter(|r| !(baseline && *r == "seccomp-unconfined"))
        .collect();
    rules.sort_unstable();
    rules.dedup();
    rules
}

/// Fixtures where we deliberately judge differently, and why.
const PSA_DIFFERENCES: &[(&str, &str)] = &[
    (
        "baseline/fail/capabilities_baseline2",
        "`chown` is CHOWN to the runtime, which the baseline allows; PSA compares names \
         exactly, dangerous-capabilities judges the capability added",
    ),
    (
        "baseline/fail/capabilities_baseline3",
        "`CAP_CHOWN` is CHOWN, which the baseline allows (same reason)",
    ),
    (
        "restricted/fail/capabilities_baseline2",
        "as baseline/fail/capabilities_baseline2",
    ),
    (
        "restricted/fail/capabilities_baseline3",
        "as baseline/fail/capabilities_baseline3",
    ),
    (
        "restricted/fail/capabilities_restricted3",
        "drops ALL, then adds back only capabilities the baseline allows (CHOWN, SETUID…): \
         neither missing drop ALL nor dangerous; the restricted level's add-only-\
         NET_BIND_SERVICE rule is bulwark-pss's job",
    ),
];

/// The newest `v1.N` directory of a level.
fn newest(level: &Path) -> Option<PathBuf> {
    std::fs::read_dir(level)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let minor: u32 = name.strip_prefix("v1.")?.parse().ok()?;
            Some((minor, e.path()))
        })
        .max_by_key(|(m, _)| *m)
        .map(|(_, p)| p)
}

/// The rule ids that fire on one fixture.
fn fired(path: &Path) -> Vec<String> {
    let loaded = load_file(path, &LoadOptions::default());
    let inv = Inventory::new(loaded.resources);
    let mut out = Vec::new();
    BuiltinRules::default().analyze(&inv, &mut out);
    out.into_iter().map(|f| f.rule_id.into_owned()).collect()
}

#[test]
fn agrees_with_pod_security_admission_fixtures() {
    let Some(root) = corpus("pod-security-admission/test/testdata") else {
        return;
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for level in ["baseline", "restricted"] {
        let dir = newest(&root.join(level)).expect("a v1.N directory");
        for verdict in ["fail", "pass"] {
            for file in files_in(&dir.join(verdict)) {
                let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let check = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                let rules = if check == "base" || check.starts_with("base_") {
                    // The minimal valid pod of the level: no rule covering a
                    // check of that level may fire.
                    level_rules(level)
                } else if let Some((_, rules)) = PSA_COVERS.iter().find(|(c, _)| *c == check) {
                    rules.to_vec()
                } else {
                    continue;
                };
                let rules = &rules;
                let name = format!("{level}/{verdict}/{stem}");
                if PSA_DIFFERENCES.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                checked += 1;
                problems.extend(judge(&name, &file, rules, verdict == "fail"));
            }
        }
    }
    assert!(checked >= 90, "only {checked} fixtures checked");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
