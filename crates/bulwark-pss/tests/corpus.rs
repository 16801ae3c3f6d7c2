//! Acceptance: every upstream Pod Security Admission fixture, at its level
//! and version, must get the plugin's answer.
//!
//! `../shared/corpora/pod-security-admission/test/testdata/<level>/v1.<minor>/<pass|fail>/<check><n>.yaml`
//! (kubernetes/pod-security-admission, see its SOURCE.txt). A pass fixture
//! must be allowed. A fail fixture must be denied, and the check named by
//! the file stem (the lower-cased plugin check id) must be among the failed
//! checks.
//!
//! A fail fixture may trip more than its named check; every such extra is
//! listed in `EXPECTED_EXTRAS` with the reason, and an extra that is not
//! listed is a disagreement. Feature gates: no fixture in the corpus needs a
//! gate turned on. The one gate this crate models,
//! `UserNamespacesPodSecurityStandards` (`Options::relax_user_namespace_pods`,
//! off as upstream's default), only relaxes runAsNonRoot/runAsUser for
//! `hostUsers: false` pods, and no runAsNonRoot/runAsUser fixture sets
//! `hostUsers`; `gate_on_changes_no_fixture_answer` below proves that by
//! running the whole corpus again with the gate on. The procMount relaxation
//! for user-namespace pods is no gate: it is policy version v1.35
//! (baseline), and the fixtures of v1.0 to v1.34 (`hostUsers: false`,
//! `procMount: Unmasked`, denied) hold without it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_load::{LoadOptions, load_file};
use bulwark_pss::{CheckId, Level, LevelVersion, Options, Version, evaluate_resource};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/pod-security-admission/test/testdata"
);

/// Checks a fail fixture trips besides the one it is named after, and why.
/// `(fixture check, level, extra check)`.
const EXPECTED_EXTRAS: &[(CheckId, Level, CheckId, &str)] = &[
    (
        CheckId::CapabilitiesBaseline,
        Level::Restricted,
        CheckId::CapabilitiesRestricted,
        "adding a non-default capability is also adding one other than NET_BIND_SERVICE (v1.22+)",
    ),
    (
        CheckId::HostPathVolumes,
        Level::Restricted,
        CheckId::RestrictedVolumes,
        "hostPath is one of the restricted volume types",
    ),
    (
        CheckId::RestrictedVolumes,
        Level::Restricted,
        CheckId::HostPathVolumes,
        "the hostPath variant of the restricted-volume fixtures",
    ),
    (
        CheckId::ProcMount,
        Level::Restricted,
        CheckId::ProcMountRestricted,
        "an unmasked /proc fails both procMount checks at restricted v1.35+",
    ),
    (
        CheckId::SeccompProfileBaseline,
        Level::Restricted,
        CheckId::SeccompProfileRestricted,
        "an Unconfined profile is also not RuntimeDefault/Localhost (v1.19+)",
    ),
    (
        CheckId::SeccompProfileRestricted,
        Level::Restricted,
        CheckId::SeccompProfileBaseline,
        "the Unconfined variants fail baseline's seccomp check too",
    ),
    (
        CheckId::WindowsHostProcess,
        Level::Baseline,
        CheckId::HostNamespaces,
        "the API requires hostNetwork: true for HostProcess pods, so the fixtures set it",
    ),
    (
        CheckId::WindowsHostProcess,
        Level::Restricted,
        CheckId::HostNamespaces,
        "the API requires hostNetwork: true for HostProcess pods, so the fixtures set it",
    ),
    (
        CheckId::Privileged,
        Level::Restricted,
        CheckId::AllowPrivilegeEscalation,
        "the API rejects privileged with allowPrivilegeEscalation: false, so the fixtures drop it",
    ),
    (
        CheckId::AllowPrivilegeEscalation,
        Level::Restricted,
        CheckId::CapabilitiesRestricted,
        "allowprivilegeescalation3 removes a container's whole securityContext, drop ALL included",
    ),
];

struct Fixture {
    path: PathBuf,
    level: Level,
    minor: u32,
    pass: bool,
    stem: String,
}

fn fixtures(root: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        let dir = root.join(level.as_str());
        let mut versions: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        versions.sort();
        for vdir in versions {
            let name = vdir.file_name().unwrap().to_string_lossy().to_string();
            let minor: u32 = name
                .strip_prefix("v1.")
                .and_then(|m| m.parse().ok())
                .unwrap_or_else(|| panic!("unexpected version dir {name}"));
            for (sub, pass) in [("pass", true), ("fail", false)] {
                let Ok(rd) = std::fs::read_dir(vdir.join(sub)) else {
                    continue;
                };
                let mut files: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
                files.sort();
                for path in files {
                    if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                        continue;
                    }
                    let stem = path.file_stem().unwrap().to_string_lossy();
                    let stem = stem
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .to_string();
                    out.push(Fixture {
                        path,
                        level,
                        minor,
                        pass,
                        stem,
                    });
                }
            }
        }
    }
    out
}

fn corpus_root() -> Option<PathBuf> {
    let root = PathBuf::from(CORPUS);
    if root.is_dir() {
        return Some(root);
    }
    if std::env::var_os("CI").is_some() {
        panic!("corpus not found at {CORPUS} (required when CI is set)");
    }
    eprintln!("skipped: corpus not found at {CORPUS}");
    None
}

/// Runs the corpus with `opts`; returns (total, disagreements, extras seen).
fn run(root: &Path, opts: &Options) -> (usize, Vec<String>, BTreeMap<String, usize>) {
    let all = fixtures(root);
    let mut bad = Vec::new();
    let mut extras_seen = BTreeMap::new();
    for f in &all {
        let shown = f
            .path
            .strip_prefix(root)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        let loaded = load_file(&f.path, &LoadOptions::default());
        if !loaded.summary.errors.is_empty() || loaded.resources.len() != 1 {
            bad.push(format!("{shown}: load: {:?}", loaded.summary.errors));
            continue;
        }
        let lv = LevelVersion::new(f.level, Version::Minor(f.minor));
        let Some(ev) = evaluate_resource(&loaded.resources[0], lv, opts) else {
            bad.push(format!("{shown}: no pod spec"));
            continue;
        };
        if f.pass {
            if !ev.allowed {
                bad.push(format!(
                    "{shown}: expected allowed, got {}",
                    ev.forbidden_detail()
                ));
            }
            continue;
        }
        let Some(named) = CheckId::from_upstream(&f.stem) else {
            bad.push(format!("{shown}: unknown check id '{}'", f.stem));
            continue;
        };
        if ev.allowed {
            bad.push(format!("{shown}: expected denied by {named}, got allowed"));
            continue;
        }
        if !ev.failed_checks().any(|c| c == named) {
            bad.push(format!(
                "{shown}: expected {named} among failed checks, got {}",
                ev.forbidden_detail()
            ));
        }
        for extra in ev.failed_checks().filter(|c| *c != named) {
            let known = EXPECTED_EXTRAS
                .iter()
                .any(|(n, l, e, _)| *n == named && *l == f.level && *e == extra);
            if known {
                *extras_seen
                    .entry(format!("{} {named} + {extra}", f.level))
                    .or_default() += 1;
            } else {
                bad.push(format!(
                    "{shown}: unexpected extra failed check {extra}: {}",
                    ev.forbidden_detail()
                ));
            }
        }
    }
    (all.len(), bad, extras_seen)
}

#[test]
fn every_upstream_fixture_agrees() {
    let Some(root) = corpus_root() else { return };
    let (total, bad, extras) = run(&root, &Options::default());
    eprintln!(
        "pod-security-admission corpus: {total} fixtures, {} agree, {} disagree",
        total - bad.len(),
        bad.len()
    );
    for (k, n) in &extras {
        eprintln!("  documented extra: {k} ({n} fixtures)");
    }
    assert_eq!(total, 4537, "the corpus should hold 4,537 fixtures");
    for (named, level, extra, why) in EXPECTED_EXTRAS {
        let key = format!("{level} {named} + {extra}");
        assert!(
            extras.contains_key(&key),
            "documented extra never seen (remove it): {key}: {why}"
        );
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn gate_on_changes_no_fixture_answer() {
    let Some(root) = corpus_root() else { return };
    let opts = Options {
        relax_user_namespace_pods: true,
    };
    let (total, bad, _) = run(&root, &opts);
    assert_eq!(total, 4537);
    assert!(bad.is_empty(), "with the gate on:\n{}", bad.join("\n"));
}
