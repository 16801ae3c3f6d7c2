//! Acceptance: Falco's own k8saudit regression cases and rules file
//! (`../shared/corpora/falco-k8saudit`, see its SOURCE.txt).
//!
//! Each case replays a trace with a list of rules files; the override files
//! the cases add are Falco macros/lists, mapped here to the same settings
//! of `AuditConfig` (see `config_for`). `detect: true` cases must raise
//! each named rule exactly the expected number of times; `detect: false`
//! cases must raise no Falco-equivalent alert at all. Deviations are listed
//! one by one in `DEVIATIONS`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_audit::detect::falco::RULES;
use bulwark_audit::{AuditConfig, Engine};
use bulwark_core::Analyzer;

fn corpus() -> Option<PathBuf> {
    // BULWARK_SHARED: the shared directory when the checkout is not beside
    // it (a worktree elsewhere).
    let p = match std::env::var_os("BULWARK_SHARED") {
        Some(s) => PathBuf::from(s).join("corpora/falco-k8saudit"),
        None => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/falco-k8saudit")
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

fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(bulwark_rules::BuiltinRules::default()),
        Box::new(bulwark_pss::PssAnalyzer::default()),
    ]
}

/// Cases not run, with why.
const DEVIATIONS: &[(&str, &str)] = &[(
    "json_pointer_correct_parse",
    "the case loads only a test rule (`json_pointer_example`) written in Falco's condition \
     language to exercise its JSON-pointer field syntax; bulwark has no rule language, so \
     there is nothing of ours to test",
)];

/// Rule names of the 2023 ruleset that the current one split in two; the
/// trace's resource says which of ours it is.
fn renamed(name: &str, trace: &str) -> Option<&'static str> {
    Some(
        match (
            name,
            trace.contains("clusterrolebinding"),
            trace.contains("clusterrole"),
        ) {
            ("K8s Role/Clusterrole Created", _, true) => "audit-activity-clusterrole-created",
            ("K8s Role/Clusterrole Deleted", _, true) => "audit-activity-clusterrole-deleted",
            ("K8s Role/Clusterrolebinding Created", true, _) => {
                "audit-activity-clusterrolebinding-created"
            }
            ("K8s Role/Clusterrolebinding Deleted", true, _) => {
                "audit-activity-clusterrolebinding-deleted"
            }
            _ => return None,
        },
    )
}

fn id_for(name: &str, trace: &str) -> &'static str {
    if let Some(r) = RULES.iter().find(|r| r.falco == name) {
        return r.meta.id;
    }
    renamed(name, trace).unwrap_or_else(|| panic!("no detector for Falco rule {name:?}"))
}

/// The settings the case's override files stand for.
fn config_for(rules_files: &[String]) -> AuditConfig {
    let mut c = AuditConfig::default();
    for f in rules_files {
        let base = f.rsplit('/').next().unwrap_or(f);
        match base {
            // The rulesets themselves (the 2023 plugin rules, the engine-v4
            // subset, the syscall rules that never see audit events).
            "k8s_audit_rules.yaml" | "engine_v4_k8s_audit_rules.yaml" | "falco_rules.yaml" => {}
            "allow_namespace_foo.yaml" => c.allowed_namespaces.push("foo".into()),
            "allow_user_some-user.yaml" => c.allowed_users.push("some-user".into()),
            // `consider_activity_events` overridden to never true.
            "disallow_kactivity.yaml" => c.activity = false,
            // `allowed_k8s_containers` overridden to one repository.
            "allow_nginx_container.yaml" => c.allowed_images = Some(vec!["nginx".into()]),
            "allow_only_apache_container.yaml" => c.allowed_images = Some(vec!["apache".into()]),
            // Appends nginx to the three image exception lists.
            "trust_nginx_container.yaml" => {
                c.privileged_images.push("nginx".into());
                c.sensitive_mount_images.push("nginx".into());
                c.hostnetwork_images.push("nginx".into());
            }
            other => panic!("rules file {other} not mapped"),
        }
    }
    c
}

#[test]
fn legacy_regression_cases() {
    let Some(root) = corpus() else { return };
    let dir = root.join("falco-legacy-tests");
    let text = std::fs::read_to_string(dir.join("expected_detections.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["tests"].as_object().unwrap();
    assert_eq!(cases.len(), 66);
    let falco_ids: Vec<&str> = RULES.iter().map(|r| r.meta.id).collect();
    let (mut agreed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for (name, case) in cases {
        if DEVIATIONS.iter().any(|(n, _)| n == name) {
            skipped += 1;
            continue;
        }
        let trace = case["trace_file"].as_str().unwrap();
        let rules_files: Vec<String> = serde_json::from_value(case["rules_file"].clone()).unwrap();
        let mut engine = Engine::new(config_for(&rules_files), analyzers());
        let mut got: BTreeMap<String, u64> = BTreeMap::new();
        let f = std::fs::File::open(dir.join(trace)).unwrap();
        engine
            .run(trace, std::io::BufReader::new(f), &mut |a| {
                if falco_ids.contains(&a.finding.rule_id.as_ref()) {
                    *got.entry(a.finding.rule_id.to_string()).or_default() += 1;
                }
            })
            .unwrap();
        let ok = if case["detect"].as_bool().unwrap() {
            let want = case["detect_counts"].as_object().unwrap();
            !want.is_empty()
                && want.iter().all(|(rule, n)| {
                    got.get(id_for(rule, trace)).copied().unwrap_or(0) == n.as_u64().unwrap()
                })
        } else {
            got.is_empty()
        };
        if name == "fal_01_003" {
            // `{"kind": 0}`: Falco says "data not recognized as a k8s audit
            // event"; here it is one malformed line, reported with its number.
            assert_eq!(engine.stats.malformed_count, 1);
            assert_eq!(engine.stats.malformed[0].line, 1);
            assert!(engine.stats.malformed[0].message.contains("not recognized"));
        }
        if ok {
            agreed += 1;
        } else {
            failures.push(format!(
                "{name}: trace {trace}, expected {} {}, got {got:?}",
                case["detect"], case["detect_counts"]
            ));
        }
    }
    println!(
        "falco legacy cases: {agreed} agree, {skipped} deviations, {} disagree",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
    assert_eq!(agreed + skipped, 66);
}

/// Every non-INFO rule of the current ruleset has exactly one detector,
/// and every detector names a rule that exists (or existed, for the
/// activity ones, which are INFO and also all present).
#[test]
fn every_non_info_rule_has_a_detector() {
    let Some(root) = corpus() else { return };
    let text =
        std::fs::read_to_string(root.join("plugins/k8saudit/rules/k8s_audit_rules.yaml")).unwrap();
    let items: Vec<serde_json::Value> = serde_saphyr::from_str(&text).unwrap();
    let rules: Vec<(&str, &str)> = items
        .iter()
        .filter_map(|i| Some((i.get("rule")?.as_str()?, i.get("priority")?.as_str()?)))
        .collect();
    assert_eq!(rules.len(), 48);
    let mut non_info = 0;
    for (name, prio) in &rules {
        let ours: Vec<_> = RULES.iter().filter(|r| r.falco == *name).collect();
        match *prio {
            // `All K8s Audit Events` matches everything and ships disabled.
            "DEBUG" => assert!(ours.is_empty()),
            "INFO" => assert_eq!(ours.len(), 1, "{name}"),
            _ => {
                non_info += 1;
                assert_eq!(ours.len(), 1, "no detector for non-INFO rule {name:?}");
            }
        }
    }
    assert_eq!(non_info, 27);
    for r in RULES {
        assert!(
            rules.iter().any(|(n, _)| *n == r.falco),
            "{} names {:?}, not a rule of the file",
            r.meta.id,
            r.falco
        );
    }
}
