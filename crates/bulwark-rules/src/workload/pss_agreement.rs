//! Acceptance test against the Pod Security Admission fixtures of the
//! newest Kubernetes version: for every PSA check that a workload rule
//! covers, the rule fires on every `fail/` pod of that check and stays
//! silent on every `pass/` pod. Deliberate differences are listed (and
//! explained) in [`DIFFERENCES`].

use std::path::{Path, PathBuf};

use bulwark_core::{Analyzer, Inventory};
use bulwark_load::{LoadOptions, load_file};

use crate::BuiltinRules;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/pod-security-admission/test/testdata"
);

/// PSA check id (file stem without digits) -> the rules that cover it.
const COVERS: &[(&str, &[&str])] = &[
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

/// Fixtures where we deliberately judge differently, and why.
const DIFFERENCES: &[(&str, &str)] = &[
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
    BuiltinRules.analyze(&inv, &mut out);
    out.into_iter().map(|f| f.rule_id.into_owned()).collect()
}

#[test]
fn agrees_with_pod_security_admission_fixtures() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus not found at {CORPUS}"
        );
        eprintln!("skipped: corpus not found at {CORPUS}");
        return;
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for level in ["baseline", "restricted"] {
        let dir = newest(&root.join(level)).expect("a v1.N directory");
        for verdict in ["fail", "pass"] {
            let mut files: Vec<_> = std::fs::read_dir(dir.join(verdict))
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
            files.sort();
            for file in files {
                let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let check = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                let Some((_, rules)) = COVERS.iter().find(|(c, _)| *c == check) else {
                    continue;
                };
                let name = format!("{level}/{verdict}/{stem}");
                if DIFFERENCES.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                checked += 1;
                let ids = fired(&file);
                let hit: Vec<_> = ids
                    .iter()
                    .filter(|id| rules.contains(&id.as_str()))
                    .collect();
                if verdict == "fail" && hit.is_empty() {
                    problems.push(format!("{name}: none of {rules:?} fired"));
                }
                if verdict == "pass" && !hit.is_empty() {
                    problems.push(format!("{name}: must not fire but {hit:?} did"));
                }
            }
        }
    }
    assert!(checked >= 90, "only {checked} fixtures checked");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
