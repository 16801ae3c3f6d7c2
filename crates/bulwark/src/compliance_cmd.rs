//! `bulwark compliance`: a scan scored against compliance frameworks, per
//! control and per framework, with CI gates. The scan is `pipeline::scan`;
//! the scores are `bulwark_compliance::score`; this file only wires and prints.

use std::path::{Path, PathBuf};

use bulwark_compliance::{ControlScore, Framework, FrameworkScore, HostVerdict, Status};
use bulwark_load::LoadOptions;
use clap::ValueEnum;
use serde_json::json;

use crate::cli::FilterArgs;
use crate::pipeline;

#[derive(clap::Args, Debug)]
pub struct ComplianceArgs {
    /// Files, directories or - (stdin).
    #[arg(required_unless_present_any = ["list", "node_root"])]
    pub paths: Vec<PathBuf>,
    /// Score CIS from this host's benchmark (`bulwark node --root DIR`)
    /// instead of manifests: the node is the one object of each control.
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub node_root: Option<PathBuf>,
    /// Score only this framework (repeatable, or comma-separated; default:
    /// all). `--list` shows the ids.
    #[arg(long = "framework", value_name = "ID", value_delimiter = ',')]
    pub frameworks: Vec<String>,
    /// List the shipped frameworks with their version and source.
    #[arg(long)]
    pub list: bool,
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when a scored framework's score (percent) is below N.
    #[arg(long, value_name = "N")]
    pub fail_on_score: Option<f64>,
    /// Exit 1 when this control fails: `FRAMEWORK:ID` (`cis:5.2.2`), or an
    /// ID that names one control of the scored frameworks (repeatable).
    #[arg(long = "fail-on-control", value_name = "ID")]
    pub fail_on_controls: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// As for `scan`: how the inputs are split into independent apps.
    #[arg(long, value_name = "MODE")]
    pub context: Option<bulwark_load::contexts::ContextMode>,
    /// As for `scan`: skip files larger than this.
    #[arg(long, value_name = "SIZE", value_parser = crate::cli::parse_size)]
    pub max_file_size: Option<u64>,
    /// As for `scan`: follow symbolic links out of the scanned tree.
    #[arg(long)]
    pub follow_symlinks: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub fn run(a: ComplianceArgs) -> Result<u8, String> {
    let frameworks = select(&a.frameworks)?;
    if a.list {
        return list(&frameworks, a.format);
    }
    if let Some(n) = a.fail_on_score
        && !(0.0..=100.0).contains(&n)
    {
        return Err(format!(
            "--fail-on-score {n}: expected a percentage, 0 to 100"
        ));
    }
    let gates: Vec<(&str, &str)> = a
        .fail_on_controls
        .iter()
        .map(|g| control_gate(g, &frameworks))
        .collect::<Result<_, _>>()?;

    if let Some(root) = &a.node_root {
        let scores = host_scores(root, &frameworks)?;
        print(
            &scores,
            a.format,
            json!({ "node_root": root.display().to_string() }),
        )?;
        return Ok(gate(&scores, a.fail_on_score, &gates));
    }
    let f = &a.filter;
    let mut settings = f.settings(&a.paths, None)?;
    if let Some(m) = a.context {
        settings.context = m;
    }
    settings.compliance = frameworks;
    let mut load = LoadOptions::default();
    if let Some(n) = a.max_file_size {
        load.max_file_size = n;
    }
    load.follow_symlinks = a.follow_symlinks;
    let pipeline::Scan {
        report, outcome, ..
    } = pipeline::scan(&a.paths, &load, &settings);
    crate::waivers::print_notices(&outcome);
    if f.show_suppressed {
        crate::waivers::print_suppressed(&outcome);
    }
    if let Some(p) = &f.write_baseline {
        crate::waivers::write_baseline(&outcome, p)?;
    }
    let summary = json!({
        "files": report.summary.files,
        "objects": report.summary.objects,
        "skipped": report.summary.skipped,
        "errors": report.summary.errors,
        "suppressed": report.summary.suppressed,
    });
    print(&report.compliance, a.format, summary)?;
    for e in &report.summary.errors {
        errln!("bulwark: {e} (not evaluated)");
    }

    // 2 wins over 1: scores over inputs that could not all be read are not
    // the scores of those inputs.
    if !report.summary.errors.is_empty() {
        return Ok(2);
    }
    Ok(gate(&report.compliance, a.fail_on_score, &gates))
}

/// CIS scored from the host under `root`; the other frameworks have no
/// host benchmark.
fn host_scores(root: &Path, frameworks: &[&Framework]) -> Result<Vec<FrameworkScore>, String> {
    let Some(cis) = frameworks.iter().find(|f| f.id == "cis") else {
        return Err("--node-root scores the CIS benchmark only: add --framework cis".into());
    };
    let report = crate::node_cmd::bench_report(root, None, Vec::new())?;
    Ok(vec![score_bench(cis, &report)])
}

/// CIS scored from a finished host benchmark.
pub(crate) fn score_bench(
    cis: &Framework,
    report: &bulwark_node::bench::BenchReport,
) -> FrameworkScore {
    let results: Vec<(String, HostVerdict)> = report
        .results()
        .map(|r| {
            let v = match r.status {
                bulwark_node::Status::Pass => HostVerdict::Pass,
                bulwark_node::Status::Fail => HostVerdict::Fail,
                bulwark_node::Status::Warn => HostVerdict::Manual,
                bulwark_node::Status::NotEvaluated => HostVerdict::NotEvaluated,
            };
            (r.id.to_string(), v)
        })
        .collect();
    bulwark_compliance::score_host(cis, &results)
}

fn print(
    scores: &[FrameworkScore],
    format: Format,
    summary: serde_json::Value,
) -> Result<(), String> {
    match format {
        Format::Json => {
            let doc = json!({
                "tool": {"name": "bulwark", "version": env!("CARGO_PKG_VERSION")},
                "summary": summary,
                "frameworks": scores,
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
            );
        }
        Format::Table => table(scores)?,
    }
    Ok(())
}

/// Exit 1 when a scored framework is below `min` or a gated control fails.
fn gate(scores: &[FrameworkScore], min: Option<f64>, gates: &[(&str, &str)]) -> u8 {
    let mut failed = false;
    if let Some(min) = min {
        for fw in scores {
            match fw.score {
                Some(s) if s < min => {
                    errln!("bulwark: {} score {s:.2}% is below {min}%", fw.id);
                    failed = true;
                }
                Some(_) => {}
                None => errln!(
                    "bulwark: warning: {}: no control was evaluated, no score to gate on",
                    fw.id
                ),
            }
        }
    }
    for &(fw_id, control_id) in gates {
        let Some(c) = scores
            .iter()
            .filter(|f| f.id == fw_id)
            .flat_map(|f| &f.controls)
            .find(|c| c.id == control_id)
        else {
            errln!("bulwark: warning: control {fw_id}:{control_id} was not scored");
            continue;
        };
        match c.status {
            Status::Fail => {
                let rules = if c.failing_rules.is_empty() {
                    String::new()
                } else {
                    format!("; {}", c.failing_rules.join(", "))
                };
                errln!(
                    "bulwark: control {fw_id}:{control_id} fails ({}/{} objects pass{rules})",
                    c.passed,
                    c.evaluated,
                );
                failed = true;
            }
            Status::Pass => {}
            s => errln!("bulwark: warning: control {fw_id}:{control_id} is {s}, not a pass"),
        }
    }
    u8::from(failed)
}

/// The frameworks `--framework` names (all when none), or a usage error.
fn select(ids: &[String]) -> Result<Vec<&'static Framework>, String> {
    let all = bulwark_compliance::builtin();
    if ids.is_empty() {
        return Ok(all.iter().collect());
    }
    let mut out: Vec<&'static Framework> = Vec::new();
    for id in ids {
        let f = bulwark_compliance::find(id).ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|f| f.id.as_str()).collect();
            format!("unknown framework '{id}' (known: {})", known.join(", "))
        })?;
        if !out.iter().any(|o| o.id == f.id) {
            out.push(f);
        }
    }
    Ok(out)
}

/// Resolves a `--fail-on-control` argument to (framework id, control id).
/// Control ids repeat across frameworks (CIS and PCI DSS both have 1.2.1),
/// so a bare id must name exactly one control of the scored frameworks.
fn control_gate<'a>(
    arg: &'a str,
    frameworks: &[&'a Framework],
) -> Result<(&'a str, &'a str), String> {
    if let Some((fw, id)) = arg.split_once(':')
        && let Some(f) = frameworks.iter().find(|f| f.id == fw)
    {
        let id = id.trim_start();
        return f
            .controls
            .iter()
            .find(|c| c.id == id)
            .map(|c| (f.id.as_str(), c.id.as_str()))
            .ok_or_else(|| format!("--fail-on-control {arg}: {fw} has no control '{id}'"));
    }
    let hits: Vec<(&str, &str)> = frameworks
        .iter()
        .flat_map(|f| {
            f.controls
                .iter()
                .filter(|c| c.id == arg)
                .map(|c| (f.id.as_str(), c.id.as_str()))
        })
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "--fail-on-control {arg}: no scored framework has this control"
        )),
        _ => {
            let names: Vec<String> = hits.iter().map(|(f, c)| format!("{f}:{c}")).collect();
            Err(format!(
                "--fail-on-control {arg}: ambiguous, say which: {}",
                names.join(", ")
            ))
        }
    }
}

fn list(frameworks: &[&Framework], format: Format) -> Result<u8, String> {
    match format {
        Format::Json => {
            let v: Vec<_> = frameworks
                .iter()
                .map(|f| {
                    json!({
                        "id": f.id,
                        "name": f.name,
                        "version": f.version,
                        "source": f.source,
                        "controls": f.controls.len(),
                    })
                })
                .collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
            );
        }
        Format::Table => {
            outln!(
                "{:<9} {:<22} {:>8}  NAME / SOURCE",
                "ID",
                "VERSION",
                "CONTROLS"
            );
            for f in frameworks {
                outln!(
                    "{:<9} {:<22} {:>8}  {}",
                    f.id,
                    f.version,
                    f.controls.len(),
                    f.name
                );
                outln!("{:<42}{}", "", f.source);
            }
        }
    }
    Ok(0)
}

fn percent(s: Option<f64>) -> String {
    s.map_or_else(|| "n/a".to_string(), |s| format!("{s:.2}%"))
}

fn table(scores: &[FrameworkScore]) -> Result<(), String> {
    for fw in scores {
        outln!("{} {} ({})", fw.name, fw.version, fw.id);
        outln!(
            "  {:<14} {:<15} {:>9}  TITLE",
            "CONTROL",
            "STATUS",
            "PASSED"
        );
        for c in &fw.controls {
            control_row(c)?;
        }
        outln!();
    }
    outln!(
        "{:<9} {:>8}  {:>4} {:>4} {:>13} {:>15} {:>6}",
        "FRAMEWORK",
        "SCORE",
        "PASS",
        "FAIL",
        "NOT-EVALUATED",
        "NOT-IMPLEMENTED",
        "MANUAL"
    );
    for fw in scores {
        let n = &fw.counts;
        outln!(
            "{:<9} {:>8}  {:>4} {:>4} {:>13} {:>15} {:>6}",
            fw.id,
            percent(fw.score),
            n.pass,
            n.fail,
            n.not_evaluated,
            n.not_implemented,
            n.manual
        );
    }
    Ok(())
}

fn control_row(c: &ControlScore) -> Result<(), String> {
    let passed = match c.status {
        Status::Pass | Status::Fail | Status::NotEvaluated => {
            format!("{}/{}", c.passed, c.evaluated)
        }
        Status::NotImplemented | Status::Manual => "-".to_string(),
    };
    // NSA ids are long section names: they get a line of their own.
    if c.id.chars().count() > 14 {
        outln!("  {}", c.id);
        outln!("  {:<14} {:<15} {:>9}  {}", "", c.status, passed, c.title);
    } else {
        outln!("  {:<14} {:<15} {:>9}  {}", c.id, c.status, passed, c.title);
    }
    if !c.failing_rules.is_empty() {
        outln!("  {:<42}failing: {}", "", c.failing_rules.join(", "));
    }
    Ok(())
}

/// The framework files and the rules' `RuleMeta::mappings` say the same
/// thing from both ends; these tests keep them equal (the catalog lives in
/// this crate, so the test does too).
#[cfg(test)]
mod sync_tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    use bulwark_core::{Inventory, Mappings};
    use bulwark_load::LoadOptions;
    use bulwark_load::contexts::ContextMode;

    use crate::pipeline;

    /// A rule's ids for the framework with this file id.
    fn ids(m: &Mappings, framework: &str) -> &'static [&'static str] {
        match framework {
            "cis" => m.cis,
            "nsa" => m.nsa,
            "mitre" => m.mitre,
            "pss" => m.pss,
            "pci-dss" => m.pci_dss,
            "soc2" => m.soc2,
            "iso27001" => m.iso27001,
            "hipaa" => m.hipaa,
            other => panic!("framework {other} has no RuleMeta mapping field"),
        }
    }

    #[test]
    fn framework_files_and_rule_mappings_agree_in_both_directions() {
        let catalog = pipeline::catalog();
        let mut problems = Vec::new();
        for fw in bulwark_compliance::builtin() {
            let file: BTreeMap<&str, BTreeSet<&str>> = fw
                .controls
                .iter()
                .map(|c| (c.id.as_str(), c.rules.iter().map(String::as_str).collect()))
                .collect();
            let mut from_rules: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for r in catalog.iter() {
                for id in ids(&r.mappings, &fw.id) {
                    if !file.contains_key(id) {
                        problems.push(format!(
                            "rule {} maps to {}:{id}, which the framework file does not have",
                            r.id, fw.id
                        ));
                    }
                    from_rules.entry(id).or_default().insert(r.id);
                }
            }
            for (control, rules) in &file {
                for rule in rules {
                    if catalog.get(rule).is_none() {
                        problems.push(format!(
                            "{}:{control} names rule {rule}, which does not exist",
                            fw.id
                        ));
                    }
                }
                let mapped = from_rules.get(control).cloned().unwrap_or_default();
                for r in rules.difference(&mapped) {
                    if catalog.get(r).is_some() {
                        problems.push(format!(
                            "{}:{control} names {r}, whose mappings do not name the control",
                            fw.id
                        ));
                    }
                }
                for r in mapped.difference(rules) {
                    problems.push(format!(
                        "{r} maps to {}:{control}, which does not list it",
                        fw.id
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_rule_has_a_scope_and_every_scope_names_a_rule() {
        let catalog = pipeline::catalog();
        let scopes = pipeline::compliance_scopes();
        let missing: Vec<&str> = catalog
            .iter()
            .map(|r| r.id)
            .filter(|id| scopes.of(id).is_empty())
            .collect();
        assert!(missing.is_empty(), "rules with no scope: {missing:?}");
        let unknown: Vec<&str> = scopes
            .rules()
            .filter(|r| catalog.get(r).is_none())
            .collect();
        assert!(unknown.is_empty(), "scopes name unknown rules: {unknown:?}");
    }

    /// Every manifest of the fixtures and examples, one file at a time.
    fn manifests() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        let mut stack: Vec<PathBuf> = [
            "examples",
            "crates/bulwark-rules/tests/fixtures",
            "crates/bulwark-node/tests/fixtures/scan",
            "crates/bulwark/tests/realworld",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).unwrap() {
                    stack.push(e.unwrap().path());
                }
            } else if p
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                out.push(p);
            }
        }
        out.sort();
        out
    }

    /// The scopes are the denominators of every score: a rule that reports
    /// on an object its scope does not cover means the scope is wrong (the
    /// score still counts the object, but its peers would be missing).
    #[test]
    fn every_finding_on_the_fixtures_and_examples_is_on_an_object_its_scope_covers() {
        let scopes = pipeline::compliance_scopes();
        let analyzers = pipeline::analyzers();
        let mut misses = BTreeSet::new();
        let files = manifests();
        assert!(files.len() > 100, "found {} manifests", files.len());
        let mut findings_seen = 0;
        for file in &files {
            let (contexts, _) = bulwark_load::load_contexts(
                std::slice::from_ref(file),
                &LoadOptions::default(),
                ContextMode::Single,
            );
            for c in contexts {
                let inv = Inventory::new(c.resources);
                let mut findings = Vec::new();
                for a in &analyzers {
                    a.analyze(&inv, &mut findings);
                }
                for f in &findings {
                    findings_seen += 1;
                    let Some(res) = inv.iter().find(|r| r.id == f.object) else {
                        continue; // a finding on an object of another source
                    };
                    if !scopes.covers(&f.rule_id, res) {
                        misses.insert(format!("{} on {}", f.rule_id, f.object.display()));
                    }
                }
            }
        }
        assert!(findings_seen > 1000, "{findings_seen} findings");
        assert!(
            misses.is_empty(),
            "findings outside their rule's scope:\n{}",
            misses.into_iter().collect::<Vec<_>>().join("\n")
        );
    }
}
