//! `bulwark cluster scan` and `bulwark cluster snapshot`: a live cluster as
//! one more source of the scan pipeline. Wiring only: collection is
//! `bulwark-cluster`'s, analysis and filtering the pipeline's.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use bulwark_cluster::kinds::dependent_categories;
use bulwark_cluster::{CollectOptions, Collection, Credentials, NotEvaluated, SecretMode};
use bulwark_core::{InputError, Inventory, LoadSummary, Severity};
use bulwark_report::{Format, Report};
use clap::{Subcommand, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::cli::{FilterArgs, OutFormat};
use crate::pipeline;

#[derive(Subcommand, Debug)]
pub enum ClusterCommand {
    /// Scan live clusters with every analyzer `scan` runs. Exit 2 when a
    /// resource could not be read (its checks were not evaluated), unless
    /// --allow-partial.
    Scan(Box<ClusterScanArgs>),
    /// Write everything a cluster scan analyses as one JSON `kind: List`
    /// (Secret values never included); `bulwark scan FILE` reads it offline.
    Snapshot(SnapshotArgs),
}

/// Which clusters, and how to read them.
#[derive(clap::Args, Debug)]
pub struct ConnectArgs {
    /// Kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the
    /// pod's service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Context to scan (repeatable; default: the current context).
    #[arg(long = "context", value_name = "NAME", conflicts_with = "all_contexts")]
    pub contexts: Vec<String>,
    /// Scan every context of the kubeconfig, concurrently.
    #[arg(long)]
    pub all_contexts: bool,
    /// Namespace to scan (repeatable, or comma-separated; default: all).
    /// Cluster-scoped objects are read either way.
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NS",
        value_delimiter = ','
    )]
    pub namespaces: Vec<String>,
    /// Objects per list page.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub page_size: u32,
    /// Lists in flight at once, per cluster.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Seconds allowed for one API request.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub request_timeout: u64,
    /// How Secrets are read: keys (type, key names, annotations; values are
    /// dropped as each page arrives), metadata (metadata-only lists: no
    /// type or keys), or skip.
    #[arg(long, value_enum, default_value_t = SecretsArg::Keys)]
    pub secrets: SecretsArg,
    /// Do not read kubelet configurations through nodes/NAME/proxy/configz.
    #[arg(long)]
    pub no_configz: bool,
    /// Exit 0 (or by --fail-on) even when some resources could not be read;
    /// they are still listed as not evaluated.
    #[arg(long)]
    pub allow_partial: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SecretsArg {
    Keys,
    Metadata,
    Skip,
}

#[derive(clap::Args, Debug)]
pub struct ClusterScanArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit 1 when a reported finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Also write what was analysed as a snapshot to FILE (one context).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Write the snapshot to FILE instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(cmd: ClusterCommand) -> Result<u8, String> {
    match cmd {
        ClusterCommand::Scan(a) => scan(*a),
        ClusterCommand::Snapshot(a) => snapshot(a),
    }
}

/// One context's outcome.
type Collected = (String, Result<Collection, bulwark_cluster::Error>);

/// Reads every selected context concurrently; one that fails does not stop
/// the others.
fn collect_all(c: &ConnectArgs) -> Result<Vec<Collected>, String> {
    bulwark_cluster::install_crypto_provider();
    let creds =
        bulwark_cluster::config::load(c.kubeconfig.as_deref()).map_err(|e| e.to_string())?;
    let contexts = creds
        .select(&c.contexts, c.all_contexts)
        .map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let multi = MultiProgress::new();
    let tty = std::io::stderr().is_terminal();
    let opts = |ctx: &str| CollectOptions {
        namespaces: c.namespaces.clone(),
        page_size: c.page_size.max(1),
        concurrency: c.concurrency.max(1),
        request_timeout: Duration::from_secs(c.request_timeout.max(1)),
        secrets: match c.secrets {
            SecretsArg::Keys => SecretMode::Keys,
            SecretsArg::Metadata => SecretMode::Metadata,
            SecretsArg::Skip => SecretMode::Skip,
        },
        configz: !c.no_configz,
        progress: if tty {
            let pb = multi.add(ProgressBar::new(0));
            pb.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix}: {pos}/{len} resource types, {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            pb.set_prefix(ctx.to_string());
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        } else {
            ProgressBar::hidden()
        },
        ..CollectOptions::default()
    };
    let jobs: Vec<(String, CollectOptions)> = contexts
        .iter()
        .map(|ctx| (ctx.clone(), opts(ctx)))
        .collect();
    Ok(rt.block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for (i, (ctx, opts)) in jobs.into_iter().enumerate() {
            let creds: Credentials = creds.clone();
            set.spawn(async move {
                let r = match creds.client(&ctx).await {
                    Ok(client) => bulwark_cluster::collect(client, &ctx, &opts).await,
                    Err(e) => Err(e),
                };
                (i, ctx, r)
            });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok(x) => out.push(x),
                Err(e) => out.push((
                    usize::MAX,
                    "?".into(),
                    Err(bulwark_cluster::Error::Client {
                        context: "?".into(),
                        message: e.to_string(),
                    }),
                )),
            }
        }
        out.sort_by_key(|(i, _, _)| *i);
        out.into_iter().map(|(_, c, r)| (c, r)).collect()
    }))
}

/// One line on stderr per cluster: what was read.
fn tell(c: &Collection) {
    let workloads = c.pod_counts.len();
    let pods: usize = c.pod_counts.values().sum();
    errln!(
        "bulwark: cluster {} ({}): {} objects read in {} requests; {} pods counted on {} workloads; {} objects analysed (versions checked against the Kubernetes CVE feed taken {}){}",
        c.context,
        c.server_version,
        c.objects_read,
        c.requests,
        pods,
        workloads,
        c.resources.len(),
        bulwark_rules::versions::feed().taken,
        if c.not_evaluated.is_empty() {
            String::new()
        } else {
            format!("; {} resource(s) NOT EVALUATED", c.not_evaluated.len())
        }
    );
}

/// A resource that could not be read, as an input error of the report:
/// it names the rules whose verdict it would have needed.
fn gap(context: &str, n: &NotEvaluated, catalog: &bulwark_core::Catalog) -> InputError {
    let cats = dependent_categories(&n.kind);
    let rules: Vec<&str> = catalog
        .iter()
        .filter(|r| cats.contains(&r.category))
        .map(|r| r.id)
        .collect();
    let ns = n
        .namespace
        .as_deref()
        .map(|ns| format!(" in namespace {ns}"))
        .unwrap_or_default();
    let partial = if n.partial_objects > 0 {
        format!(" (stopped after {} objects)", n.partial_objects)
    } else {
        String::new()
    };
    let rules = if rules.is_empty() {
        String::new()
    } else {
        format!(
            "; {} rule(s) not evaluated (not passed): {}",
            rules.len(),
            rules.join(", ")
        )
    };
    InputError {
        file: format!("cluster {context}: {}{ns}", n.resource),
        line: None,
        column: None,
        message: format!("not evaluated: {}{partial}{rules}", n.reason),
    }
}

fn report_of(c: Collection, settings: &pipeline::ScanSettings) -> pipeline::Scan {
    let catalog = pipeline::catalog();
    let summary = LoadSummary {
        files: 0,
        skipped: c.skipped.clone(),
        errors: c
            .not_evaluated
            .iter()
            .map(|n| gap(&c.context, n, &catalog))
            .collect(),
        folded: c.folded,
        documents: bulwark_core::Tally {
            read: c.resources.len() + c.folded,
            analysed: c.resources.len() + c.folded,
            ..Default::default()
        },
    };
    pipeline::scan_inventory(Inventory::new(c.resources), summary, settings)
}

pub fn format_of(f: OutFormat) -> Format {
    match f {
        OutFormat::Table => Format::Table,
        OutFormat::Json => Format::Json,
        OutFormat::Sarif => Format::Sarif,
        OutFormat::Junit => Format::Junit,
        OutFormat::Prometheus => Format::Prometheus,
        OutFormat::Html => Format::Html,
    }
}

fn render(
    report: &Report,
    format: Format,
    color: bool,
    html: bulwark_report::html::Extras,
) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let opts = bulwark_report::RenderOptions {
        color,
        html,
        ..Default::default()
    };
    bulwark_report::render_with(report, format, &opts, &mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

fn scan(a: ClusterScanArgs) -> Result<u8, String> {
    let f = &a.filter;
    let mut settings = f.settings(&[], a.fail_on)?;
    let format = format_of(a.format);
    if matches!(format, Format::Prometheus | Format::Html) {
        // bulwark_framework_score and the page's scores: every shipped framework.
        settings.compliance = bulwark_compliance::builtin().iter().collect();
    }
    if a.snapshot.is_some() && (a.connect.all_contexts || a.connect.contexts.len() > 1) {
        return Err("--snapshot holds one cluster: pass one --context".into());
    }
    let collected = collect_all(&a.connect)?;
    if collected.len() > 1
        && matches!(
            format,
            Format::Sarif | Format::Junit | Format::Prometheus | Format::Html
        )
    {
        return Err("several clusters are reported as table or json; scan one context at a time for sarif, junit, prometheus or html".into());
    }
    let color = a.output.is_none()
        && anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;

    let mut partial = false;
    let mut unreachable = 0usize;
    let mut scanned = 0usize;
    let mut fail = false;
    let mut out = Vec::new();
    let mut fleet = Vec::new();
    let mut totals: BTreeMap<Severity, usize> = BTreeMap::new();
    let single = collected.len() == 1;
    for (ctx, r) in collected {
        let c = match r {
            Ok(c) => c,
            Err(e) => {
                unreachable += 1;
                errln!("bulwark: {e}");
                fleet.push(serde_json::json!({"context": ctx, "error": e.to_string()}));
                if !single && matches!(format, Format::Table) {
                    writeln!(out, "== cluster {ctx}: NOT SCANNED: {e}\n")
                        .map_err(|e| e.to_string())?;
                }
                continue;
            }
        };
        tell(&c);
        scanned += 1;
        partial |= !c.not_evaluated.is_empty();
        let version = c.server_version.clone();
        if let Some(p) = &a.snapshot {
            write_snapshot(&c, Some(p))?;
        }
        let pipeline::Scan {
            report,
            outcome,
            contexts,
        } = report_of(c, &settings);
        let html = match format {
            Format::Html => crate::html_extras::extras(&format!("cluster {ctx}"), &contexts),
            _ => Default::default(),
        };
        drop(contexts);
        crate::waivers::print_notices(&outcome);
        if f.show_suppressed {
            crate::waivers::print_suppressed(&outcome);
        }
        if let Some(p) = &f.write_baseline {
            crate::waivers::write_baseline(&outcome, p)?;
        }
        if let Some(t) = settings.fail_on {
            fail |= report.findings.iter().any(|f| f.severity >= t);
        }
        for fd in &report.findings {
            *totals.entry(fd.severity).or_insert(0) += 1;
        }
        let bytes = render(&report, format, color, html)?;
        if single {
            out = bytes;
        } else if matches!(format, Format::Json) {
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            fleet.push(serde_json::json!({"context": ctx, "server_version": version, "report": v}));
        } else {
            writeln!(out, "== cluster {ctx} ({version})").map_err(|e| e.to_string())?;
            out.extend(bytes);
            writeln!(out).map_err(|e| e.to_string())?;
        }
    }
    if !single {
        let total: usize = totals.values().sum();
        let by: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|s| {
                totals
                    .get(s)
                    .filter(|n| **n > 0)
                    .map(|n| format!("{n} {s}"))
            })
            .collect();
        match format {
            Format::Json => {
                let doc = serde_json::json!({
                    "clusters": fleet,
                    "summary": {
                        "scanned": scanned,
                        "unreachable": unreachable,
                        "findings": total,
                        "by_severity": totals.iter().map(|(s, n)| (s.as_str(), *n)).collect::<BTreeMap<_, _>>(),
                    },
                });
                out = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
                out.push(b'\n');
            }
            _ => {
                writeln!(
                    out,
                    "Fleet: {} cluster(s) scanned, {} not reachable; {} finding(s){}",
                    scanned,
                    unreachable,
                    total,
                    if by.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", by.join(", "))
                    }
                )
                .map_err(|e| e.to_string())?;
            }
        }
    }
    crate::out::write_to(a.output.as_deref(), &out)?;
    if unreachable > 0 || (partial && !a.connect.allow_partial) {
        return Ok(2);
    }
    Ok(if fail { 1 } else { 0 })
}

fn snapshot(a: SnapshotArgs) -> Result<u8, String> {
    if a.connect.all_contexts || a.connect.contexts.len() > 1 {
        return Err("a snapshot holds one cluster: pass one --context".into());
    }
    let mut collected = collect_all(&a.connect)?;
    let (_, r) = collected
        .pop()
        .ok_or_else(|| "no context selected".to_string())?;
    let c = r.map_err(|e| e.to_string())?;
    tell(&c);
    for n in &c.not_evaluated {
        errln!(
            "bulwark: warning: cluster {}: {}: not in the snapshot: {}",
            c.context,
            n.resource,
            n.reason
        );
    }
    write_snapshot(&c, a.output.as_deref())?;
    Ok(if !c.not_evaluated.is_empty() && !a.connect.allow_partial {
        2
    } else {
        0
    })
}

/// Writes the analysed objects as a snapshot to `to` (stdout when `None`).
fn write_snapshot(c: &Collection, to: Option<&std::path::Path>) -> Result<(), String> {
    let mut buf = Vec::new();
    bulwark_cluster::snapshot::write(&c.resources, &mut buf).map_err(|e| e.to_string())?;
    crate::out::write_to(to, &buf)
}
