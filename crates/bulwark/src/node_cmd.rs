//! `bulwark node`: argument parsing and printing for the CIS benchmark of a
//! host. Collection and checks live in `bulwark-node`; this file wires the
//! loader in as the config-file parser and the scan catalog in for section 5.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_core::{Origin, Resource};
use bulwark_node::bench::{self, BenchOptions, BenchReport, PolicyRule, Target};
use bulwark_node::distro::Distro;
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum NodeFormat {
    Table,
    Json,
    Sarif,
    Junit,
    /// One self-contained HTML page: failing checks, CIS score per control.
    Html,
}

#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    /// Host filesystem root (a mounted host, or a test tree); /proc is read
    /// under it too.
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Benchmark version (only cis-1.12).
    #[arg(long, default_value = "cis-1.12")]
    pub benchmark: String,
    /// auto, kubeadm, k3s, rke2, eks, gke or aks.
    #[arg(long, default_value = "auto")]
    pub distro: String,
    /// Targets to check: master, node, etcd, controlplane, policies
    /// (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<String>,
    #[arg(long, short, value_enum, default_value_t = NodeFormat::Table)]
    pub format: NodeFormat,
    /// Exit with this code when any check FAILs (kube-bench's flag; the
    /// default 0 keeps kube-bench's behaviour). WARN and NOT_EVALUATED do
    /// not count: read them in the report.
    #[arg(long, default_value_t = 0)]
    pub exit_code: u8,
}

/// Config files as objects: every YAML/JSON document, with or without a
/// kind (etcd's and k3s's config files have none), with positions.
fn parse(name: &str, text: &str) -> Result<Vec<Resource>, String> {
    let (docs, errs) =
        bulwark_load::yaml::parse_all(text, bulwark_load::LoadOptions::default().budget);
    if let Some(e) = errs.first()
        && docs.is_empty()
    {
        return Err(format!("{name}:{}:{}: {}", e.line, e.column, e.message));
    }
    let file: Arc<str> = Arc::from(name);
    Ok(docs
        .into_iter()
        .filter(|d| d.value.is_object())
        .map(|d| {
            Resource::new(
                d.value,
                Origin {
                    file: Some(file.clone()),
                    document: d.index,
                    item: None,
                },
                Some(d.spans),
            )
        })
        .collect())
}

/// The CIS benchmark of the host under `root` (also `bulwark compliance
/// --node-root`): section 5 points at the scan rules that judge it.
pub fn bench_report(
    root: &Path,
    distro: Option<Distro>,
    targets: Vec<Target>,
) -> Result<BenchReport, String> {
    if !root.is_dir() {
        return Err(format!("{}: not a directory", root.display()));
    }
    let policy_rules = crate::pipeline::catalog()
        .iter()
        .filter(|r| r.mappings.cis.iter().any(|c| c.starts_with("5.")))
        .map(|r| PolicyRule {
            rule_id: r.id.to_string(),
            command: "bulwark scan".to_string(),
            cis: r.mappings.cis.iter().map(|c| c.to_string()).collect(),
        })
        .collect();
    let host = bulwark_node::collect::collect_node(root, distro, &parse);
    Ok(bench::run(
        &host,
        &BenchOptions {
            targets,
            policy_rules,
            ..Default::default()
        },
    ))
}

pub fn run(a: NodeArgs) -> Result<u8, String> {
    if a.benchmark != "cis-1.12" {
        return Err(format!(
            "unknown benchmark {:?} (only cis-1.12)",
            a.benchmark
        ));
    }
    let distro = match a.distro.as_str() {
        "auto" => None,
        d => Some(d.parse::<Distro>()?),
    };
    let targets = a
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let report = bench_report(&a.root, distro, targets)?;
    match a.format {
        NodeFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        ),
        NodeFormat::Table => out!("{}", report.render_table()),
        NodeFormat::Junit => outln!("{}", bench::junit::to_junit(&report)?),
        NodeFormat::Sarif => outln!(
            "{}",
            serde_json::to_string_pretty(&bench::sarif::to_sarif(&report))
                .map_err(|e| e.to_string())?
        ),
        NodeFormat::Html => out!("{}", html_page(&a.root, &report)?),
    }
    Ok(if report.summary.fail > 0 {
        a.exit_code
    } else {
        0
    })
}

/// The benchmark as the HTML report shows a scan: each FAIL a finding on
/// the node (with the check's evidence), WARN and NOT_EVALUATED listed as
/// what was not decided, and the CIS framework scored per control as
/// `bulwark compliance --node-root` scores it.
fn html_page(root: &Path, report: &BenchReport) -> Result<String, String> {
    use bulwark_core::{FieldPath, Finding, ObjectRef, Severity};
    let node = ObjectRef {
        api_version: "bulwark.dev/v1".into(),
        kind: "Node".into(),
        namespace: None,
        name: root.display().to_string(),
    };
    let mut findings = Vec::new();
    let mut undecided = Vec::new();
    for r in report.results() {
        let evidence = r.evidence.join("; ");
        match r.status {
            bulwark_node::Status::Fail => findings.push(Finding {
                rule_id: format!("cis-{}", r.id).into(),
                severity: Severity::High,
                message: format!("{} ({evidence}). Fix: {}", r.title, r.remediation),
                object: node.clone(),
                path: FieldPath::root(),
                location: None,
                subject: None,
            }),
            bulwark_node::Status::Warn => {
                undecided.push(format!("{} {} (manual): {evidence}", r.id, r.title));
            }
            bulwark_node::Status::NotEvaluated => {
                undecided.push(format!("{} {} (not evaluated): {evidence}", r.id, r.title));
            }
            bulwark_node::Status::Pass => {}
        }
    }
    let mut by_severity: std::collections::BTreeMap<Severity, usize> =
        Severity::ALL.iter().map(|s| (*s, 0)).collect();
    by_severity.insert(Severity::High, findings.len());
    let compliance = bulwark_compliance::builtin()
        .iter()
        .filter(|f| f.id == "cis")
        .map(|cis| crate::compliance_cmd::score_bench(cis, report))
        .collect();
    let page = bulwark_report::Report {
        tool: bulwark_report::Tool {
            name: "bulwark",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: bulwark_report::Summary {
            objects: 1,
            by_severity,
            ..Default::default()
        },
        findings,
        catalog: Default::default(),
        compliance,
    };
    let extras = bulwark_report::html::Extras {
        subject: format!("node {} ({})", root.display(), report.benchmark),
        not_evaluated: undecided,
        ..Default::default()
    };
    let mut buf = Vec::new();
    bulwark_report::html::render_with(&page, &extras, &mut buf).map_err(|e| e.to_string())?;
    String::from_utf8(buf).map_err(|e| e.to_string())
}
