//! Unit tests of every filter, on hand-built findings.

use std::path::PathBuf;
use std::sync::Arc;

use bulwark_core::{
    Analyzer, Catalog, FieldPath, Finding, Inventory, Mappings, Origin, Resource, RuleMeta,
    Severity,
};
use serde_json::{Value, json};

use super::*;

const fn meta(id: &'static str, severity: Severity, category: &'static str) -> RuleMeta {
    RuleMeta {
        id,
        title: id,
        severity,
        category,
        description: "",
        remediation: "",
        references: &[],
        mappings: Mappings::NONE,
    }
}

static PRIV: RuleMeta = meta("privileged-container", Severity::Critical, "workload");
static HOSTNET: RuleMeta = meta("host-network", Severity::High, "workload");
static LATEST: RuleMeta = meta("image-latest-tag", Severity::Medium, "images");

struct Rules;
impl Analyzer for Rules {
    fn name(&self) -> &'static str {
        "test"
    }
    fn rules(&self) -> Vec<&'static RuleMeta> {
        vec![&PRIV, &HOSTNET, &LATEST]
    }
    fn analyze(&self, _: &Inventory, _: &mut Vec<Finding>) {}
}

fn catalog() -> Catalog {
    Catalog::from_analyzers(&[Box::new(Rules) as Box<dyn Analyzer>])
}

fn today() -> Date {
    config::parse_date("2026-06-15").unwrap()
}

fn deployment(name: &str, ns: Option<&str>, annotations: Value, pod_annotations: Value) -> Value {
    let mut meta = json!({"name": name, "annotations": annotations});
    if let Some(ns) = ns {
        meta["namespace"] = json!(ns);
    }
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {"template": {
            "metadata": {"annotations": pod_annotations},
            "spec": {"containers": [{"name": "side"}, {"name": "app"}]}
        }}
    })
}

fn res(file: &str, v: Value) -> Resource {
    Resource::new(
        v,
        Origin {
            file: Some(Arc::from(file)),
            document: 0,
            item: None,
        },
        None,
    )
}

fn finding(r: &Resource, meta: &'static RuleMeta, path: &str) -> Finding {
    Finding::new(meta.id, meta.severity, r, FieldPath::parse(path), "msg")
}

const PRIV_PATH: &str = "spec.template.spec.containers[1].securityContext.privileged";

/// One plain Deployment with a finding of each rule.
fn plain() -> (Inventory, Vec<Finding>) {
    let r = res(
        "deploy/app.yaml",
        deployment("app", Some("prod"), json!({}), json!({})),
    );
    let f = vec![
        finding(&r, &PRIV, PRIV_PATH),
        finding(&r, &HOSTNET, "spec.template.spec.hostNetwork"),
        finding(&r, &LATEST, "spec.template.spec.containers[0].image"),
    ];
    (Inventory::new(vec![r]), f)
}

fn ids(fs: &[Finding]) -> Vec<&str> {
    fs.iter().map(|f| f.rule_id.as_ref()).collect()
}

#[test]
fn no_filter_reports_everything() {
    let (inv, f) = plain();
    let mut flt = Filter::new(today());
    assert!(
        flt.apply(&inv, &catalog(), f.clone())
            .baseline_entries
            .is_empty()
    );
    flt.record_baseline = true;
    let out = flt.apply(&inv, &catalog(), f);
    assert_eq!(out.reported.len(), 3);
    assert!(out.suppressed.is_empty());
    assert_eq!(out.deselected, 0);
    assert!(out.notices.is_empty());
    assert_eq!(out.baseline_entries.len(), 3);
}

#[test]
fn severity_keeps_at_or_above() {
    let (inv, f) = plain();
    let mut flt = Filter::new(today());
    flt.selection.min_severity = Some(Severity::High);
    let out = flt.apply(&inv, &catalog(), f);
    assert_eq!(ids(&out.reported), ["privileged-container", "host-network"]);
    assert_eq!(out.deselected, 1);
    assert!(out.suppressed.is_empty(), "deselection is not a waiver");
}

/// `selects_rule` (compliance scores: a rule left out is not run) agrees with
/// what `selects` keeps of the rule's findings at its own severity.
#[test]
fn selects_rule_follows_severity_rule_skip_and_category() {
    let all = [&PRIV, &HOSTNET, &LATEST];
    let picked = |sel: &Selection| -> Vec<&str> {
        all.iter()
            .filter(|r| sel.selects_rule(r))
            .map(|r| r.id)
            .collect()
    };
    let mut sel = Selection::default();
    assert_eq!(picked(&sel).len(), 3);
    sel.min_severity = Some(Severity::High);
    assert_eq!(picked(&sel), ["privileged-container", "host-network"]);
    sel.skip_rules.insert("host-network".into());
    assert_eq!(picked(&sel), ["privileged-container"]);
    let mut sel = Selection::default();
    sel.categories.insert("images".into());
    assert_eq!(picked(&sel), ["image-latest-tag"]);
    let mut sel = Selection::default();
    sel.rules.insert("host-network".into());
    assert_eq!(picked(&sel), ["host-network"]);
}

#[test]
fn rule_and_skip_rule() {
    let (inv, f) = plain();
    let mut flt = Filter::new(today());
    flt.selection.rules = ["host-network".to_string(), "image-latest-tag".to_string()].into();
    flt.selection.skip_rules = ["image-latest-tag".to_string()].into();
    let out = flt.apply(&inv, &catalog(), f);
    assert_eq!(ids(&out.reported), ["host-network"]);
    assert_eq!(out.deselected, 2);
}

#[test]
fn category() {
    let (inv, f) = plain();
    let mut flt = Filter::new(today());
    flt.selection.categories = ["images".to_string()].into();
    let out = flt.apply(&inv, &catalog(), f);
    assert_eq!(ids(&out.reported), ["image-latest-tag"]);
}

#[test]
fn selection_rejects_unknown_ids_and_categories() {
    let mut s = Selection::default();
    s.rules.insert("privileged-containr".into());
    s.skip_rules.insert("host-network".into());
    s.categories.insert("image".into());
    let errs = s.validate(&catalog());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("'privileged-containr'"));
    assert!(errs[0].contains("did you mean 'privileged-container'"));
    assert!(errs[1].contains("did you mean 'images'"), "{}", errs[1]);
}

#[test]
fn annotation_on_the_object_waives_named_rules() {
    let r = res(
        "a.yaml",
        deployment(
            "app",
            None,
            json!({"bulwark.dev/ignore": "privileged-container, image-latest-tag",
                   "bulwark.dev/ignore-reason": "vendor image"}),
            json!({}),
        ),
    );
    let f = vec![
        finding(&r, &PRIV, PRIV_PATH),
        finding(&r, &HOSTNET, "spec.template.spec.hostNetwork"),
        finding(&r, &LATEST, "spec.template.spec.containers[0].image"),
    ];
    let out = Filter::new(today()).apply(&Inventory::new(vec![r]), &catalog(), f);
    assert_eq!(ids(&out.reported), ["host-network"]);
    assert_eq!(out.suppressed.len(), 2);
    assert_eq!(
        out.suppressed[0].by,
        WaivedBy::Annotation {
            reason: Some("vendor image".into()),
            at: "a.yaml (Deployment/app)".into()
        }
    );
    assert_eq!(out.suppressed_by_kind().get("annotation"), Some(&2));
}

#[test]
fn star_waives_everything_and_unknown_ids_are_notices() {
    let r = res(
        "a.yaml",
        deployment("app", None, json!({"bulwark.dev/ignore": "*"}), json!({})),
    );
    let r2 = res(
        "b.yaml",
        deployment(
            "other",
            None,
            json!({"bulwark.dev/ignore": "all,host-netwrk"}),
            json!({}),
        ),
    );
    let f = vec![
        finding(&r, &PRIV, PRIV_PATH),
        finding(&r, &HOSTNET, "spec.template.spec.hostNetwork"),
        finding(&r2, &HOSTNET, "spec.template.spec.hostNetwork"),
    ];
    let out = Filter::new(today()).apply(&Inventory::new(vec![r, r2]), &catalog(), f);
    assert_eq!(out.suppressed.len(), 2);
    assert_eq!(out.reported.len(), 1, "unknown ids waive nothing");
    assert_eq!(out.notices.len(), 2, "{:?}", out.notices);
    assert!(out.notices.iter().any(|n| n.contains("write '*'")));
    assert!(
        out.notices
            .iter()
            .any(|n| n.contains("did you mean 'host-network'"))
    );
}

#[test]
fn pod_template_annotation_covers_only_the_template() {
    let r = res(
        "a.yaml",
        deployment(
            "app",
            None,
            json!({}),
            json!({"bulwark.dev/ignore": "privileged-container,host-network"}),
        ),
    );
    let f = vec![
        finding(&r, &PRIV, PRIV_PATH),
        // A finding on the Deployment itself, outside the template.
        finding(&r, &HOSTNET, "metadata"),
    ];
    let out = Filter::new(today()).apply(&Inventory::new(vec![r]), &catalog(), f);
    assert_eq!(ids(&out.reported), ["host-network"]);
    assert_eq!(out.suppressed.len(), 1);
}

#[test]
fn annotations_apply_to_their_own_object_only() {
    let waived = res(
        "a.yaml",
        deployment("app", None, json!({"bulwark.dev/ignore": "*"}), json!({})),
    );
    // Same identity in another file: a different object.
    let other = res("b.yaml", deployment("app", None, json!({}), json!({})));
    let f = vec![finding(&other, &PRIV, PRIV_PATH)];
    let out = Filter::new(today()).apply(&Inventory::new(vec![waived, other]), &catalog(), f);
    assert_eq!(out.reported.len(), 1);
}

#[test]
fn strict_rules_ignore_annotations_but_not_config() {
    let r = res(
        "a.yaml",
        deployment("app", None, json!({"bulwark.dev/ignore": "*"}), json!({})),
    );
    let f = vec![
        finding(&r, &PRIV, PRIV_PATH),
        finding(&r, &HOSTNET, "spec.template.spec.hostNetwork"),
    ];
    let inv = Inventory::new(vec![r]);
    let mut flt = Filter::new(today());
    flt.strict.insert("privileged-container".into());
    let out = flt.apply(&inv, &catalog(), f.clone());
    assert_eq!(ids(&out.reported), ["privileged-container"]);
    assert_eq!(out.suppressed.len(), 1);
    assert!(out.notices[0].contains("strict"), "{:?}", out.notices);

    let cfg = Config {
        ignore: vec![entry("privileged-container", None)],
        ..Config::default()
    };
    flt.ignores = compile(&cfg);
    let out = flt.apply(&inv, &catalog(), f);
    assert!(out.reported.is_empty());
    assert_eq!(out.suppressed[0].by.kind(), "config");
}

fn entry(rule: &str, expires: Option<&str>) -> IgnoreEntry {
    IgnoreEntry {
        rule: rule.into(),
        namespace: None,
        kind: None,
        name: None,
        file: None,
        reason: "accepted".into(),
        expires: expires.map(|d| config::parse_date(d).unwrap()),
    }
}

fn compile(cfg: &Config) -> Vec<IgnoreRule> {
    ignore::compile(cfg, &catalog(), |i| format!(".bulwark.yaml:ignore[{i}]")).unwrap()
}

#[test]
fn config_selectors_must_all_match() {
    let (inv, f) = plain();
    let mk = |e: IgnoreEntry| {
        let mut flt = Filter::new(today());
        flt.file_base = FileBase {
            config_dir: Some(PathBuf::from("/repo")),
            cwd: PathBuf::from("/repo"),
        };
        flt.ignores = compile(&Config {
            ignore: vec![e],
            ..Config::default()
        });
        flt.apply(&inv, &catalog(), f.clone()).suppressed.len()
    };
    let base = entry("privileged-container", None);
    assert_eq!(mk(base.clone()), 1);
    assert_eq!(
        mk(IgnoreEntry {
            rule: "*".into(),
            ..base.clone()
        }),
        3
    );
    assert_eq!(
        mk(IgnoreEntry {
            rule: "host-*".into(),
            ..base.clone()
        }),
        1
    );
    let with = |ns: Option<&str>, kind: Option<&str>, name: Option<&str>, file: Option<&str>| {
        IgnoreEntry {
            namespace: ns.map(Into::into),
            kind: kind.map(Into::into),
            name: name.map(Into::into),
            file: file.map(Into::into),
            ..base.clone()
        }
    };
    assert_eq!(
        mk(with(
            Some("prod"),
            Some("Deployment"),
            Some("a*"),
            Some("deploy/*.yaml")
        )),
        1
    );
    assert_eq!(mk(with(Some("staging"), None, None, None)), 0);
    assert_eq!(mk(with(None, Some("StatefulSet"), None, None)), 0);
    assert_eq!(mk(with(None, None, Some("web-*"), None)), 0);
    assert_eq!(
        mk(with(None, None, None, Some("*.yaml"))),
        0,
        "* stays in one directory"
    );
    assert_eq!(mk(with(None, None, None, Some("**/app.yaml"))), 1);
}

#[test]
fn expired_entries_stop_applying_and_say_so() {
    let (inv, f) = plain();
    let mut flt = Filter::new(today());
    flt.ignores = compile(&Config {
        ignore: vec![
            entry("privileged-container", Some("2026-06-14")),
            entry("host-network", Some("2026-06-15")),
        ],
        ..Config::default()
    });
    let out = flt.apply(&inv, &catalog(), f);
    assert_eq!(
        ids(&out.reported),
        ["privileged-container", "image-latest-tag"],
        "the last day still applies"
    );
    assert_eq!(out.notices.len(), 1);
    assert!(
        out.notices[0].contains("expired on 2026-06-14"),
        "{:?}",
        out.notices
    );
    assert!(out.notices[0].contains("1 finding"), "{:?}", out.notices);
}

#[test]
fn config_validation_names_the_field() {
    let cfg = Config {
        strict: vec!["privileged".into()],
        categories: vec!["workload".into()],
        ignore: vec![
            entry("privileged-container", None),
            IgnoreEntry {
                name: Some("[".into()),
                reason: " ".into(),
                ..entry("nope-*", None)
            },
        ],
        ..Config::default()
    };
    let problems = cfg.validate(&catalog());
    let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "strict[0]",
            "ignore[1].rule",
            "ignore[1].name",
            "ignore[1].reason"
        ]
    );
    assert!(
        problems[0]
            .message
            .contains("did you mean 'privileged-container'")
    );
    assert!(problems[1].message.contains("matches no known rule"));
}

#[test]
fn baseline_hides_known_findings_and_survives_unrelated_edits() {
    let (inv, f) = plain();
    let mut flt = Filter::new(today());
    flt.record_baseline = true;
    let first = flt.apply(&inv, &catalog(), f);
    let file = BaselineFile::new(first.baseline_entries.clone());
    assert!(
        file.findings
            .iter()
            .any(|e| e.path == "spec.template.spec.containers[name=app].securityContext.privileged")
    );

    // The same app, edited: containers reordered, a sidecar added, moved to
    // another file, and a new finding on the new sidecar.
    let mut v = deployment("app", Some("prod"), json!({}), json!({}));
    v["spec"]["template"]["spec"]["containers"] =
        json!([{"name": "app"}, {"name": "new"}, {"name": "side"}]);
    let r = res("moved/app.yaml", v);
    let f2 = vec![
        finding(
            &r,
            &PRIV,
            "spec.template.spec.containers[0].securityContext.privileged",
        ),
        finding(
            &r,
            &PRIV,
            "spec.template.spec.containers[1].securityContext.privileged",
        ),
        finding(&r, &HOSTNET, "spec.template.spec.hostNetwork"),
        finding(&r, &LATEST, "spec.template.spec.containers[2].image"),
    ];
    flt.baseline = Some(BaselineFile::parse(&file.to_json()).unwrap());
    let out = flt.apply(&Inventory::new(vec![r]), &catalog(), f2);
    assert_eq!(out.reported.len(), 1);
    assert_eq!(
        out.reported[0].path.to_string(),
        "spec.template.spec.containers[1].securityContext.privileged"
    );
    assert_eq!(out.suppressed_by_kind().get("baseline"), Some(&3));
    assert_eq!(out.baseline_entries.len(), 4, "a rewrite keeps old and new");
}

#[test]
fn waivers_apply_in_order_annotation_config_baseline() {
    let r = res(
        "a.yaml",
        deployment(
            "app",
            None,
            json!({"bulwark.dev/ignore": "privileged-container"}),
            json!({}),
        ),
    );
    let f = vec![finding(&r, &PRIV, PRIV_PATH)];
    let inv = Inventory::new(vec![r]);
    let mut flt = Filter::new(today());
    flt.record_baseline = true;
    flt.ignores = compile(&Config {
        ignore: vec![entry("privileged-container", None)],
        ..Config::default()
    });
    let out = flt.apply(&inv, &catalog(), f);
    assert_eq!(out.suppressed[0].by.kind(), "annotation");
    assert!(
        out.baseline_entries.is_empty(),
        "waived findings are not baselined"
    );
}

#[test]
fn command_line_replaces_config_values() {
    let cfg = Config {
        fail_on: Some(Severity::High),
        severity: Some(Severity::Medium),
        skip_rules: vec!["host-network".into()],
        strict: vec!["privileged-container".into()],
        ..Config::default()
    };
    let loc = |p: &FieldPath| format!(".bulwark.yaml:{p}");
    let s = settings(
        &Overrides::default(),
        Some(&cfg),
        &loc,
        &catalog(),
        FileBase::default(),
        today(),
    )
    .unwrap();
    assert_eq!(s.fail_on, Some(Severity::High));
    assert_eq!(s.filter.selection.min_severity, Some(Severity::Medium));
    assert!(s.filter.selection.skip_rules.contains("host-network"));
    assert!(s.filter.strict.contains("privileged-container"));

    let cli = Overrides {
        fail_on: Some(Severity::Low),
        severity: Some(Severity::Info),
        skip_rules: vec!["image-latest-tag".into()],
        ..Overrides::default()
    };
    let s = settings(
        &cli,
        Some(&cfg),
        &loc,
        &catalog(),
        FileBase::default(),
        today(),
    )
    .unwrap();
    assert_eq!(s.fail_on, Some(Severity::Low));
    assert_eq!(s.filter.selection.min_severity, Some(Severity::Info));
    assert_eq!(
        s.filter.selection.skip_rules.iter().collect::<Vec<_>>(),
        ["image-latest-tag"]
    );
}

#[test]
fn settings_report_every_unknown_id_with_its_place() {
    let cfg = Config {
        ignore: vec![entry("privileged-containers", None)],
        ..Config::default()
    };
    let cli = Overrides {
        rules: vec!["host-netwrok".into()],
        ..Overrides::default()
    };
    let loc = |p: &FieldPath| format!(".bulwark.yaml:{p}");
    let errs = settings(
        &cli,
        Some(&cfg),
        &loc,
        &catalog(),
        FileBase::default(),
        today(),
    )
    .unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("'host-netwrok'") && errs[0].contains("'host-network'"));
    assert!(errs[1].starts_with(".bulwark.yaml:ignore[0].rule: unknown rule"));
}

#[test]
fn cronjob_pod_template_annotation_is_honoured() {
    let r = res(
        "c.yaml",
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"jobTemplate": {"spec": {"template": {
                "metadata": {"annotations": {"bulwark.dev/ignore": "privileged-container"}},
                "spec": {"containers": [{"name": "a"}]}
            }}}}
        }),
    );
    let f = vec![
        finding(
            &r,
            &PRIV,
            "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged",
        ),
        // The same rule outside the template is not covered.
        finding(&r, &PRIV, "spec.jobTemplate.spec"),
    ];
    let out = Filter::new(today()).apply(&Inventory::new(vec![r]), &catalog(), f);
    assert_eq!(out.suppressed.len(), 1);
    assert_eq!(out.reported[0].path.to_string(), "spec.jobTemplate.spec");
    match &out.suppressed[0].by {
        WaivedBy::Annotation { reason, at } => {
            assert_eq!(reason, &None);
            assert_eq!(at, "c.yaml (CronJob/c)");
        }
        other => panic!("{other:?}"),
    }
}
