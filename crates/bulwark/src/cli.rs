//! Command-line interface.

use std::path::PathBuf;

use bulwark_core::Severity;
use bulwark_load::LoadOptions;
use bulwark_report::Format;
use clap::{Parser, Subcommand, ValueEnum};

use crate::pipeline;

#[derive(Parser, Debug)]
#[command(
    name = "bulwark",
    version,
    about = "Kubernetes security checks for manifests, clusters and nodes"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests: files, directories (recursive), or - for stdin.
    Scan(ScanArgs),
    /// List every rule with its metadata.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Also list the rules of the constraints in these policy directories.
        #[arg(long = "policy", value_name = "DIR")]
        policies: Vec<PathBuf>,
    },
    /// Explain a rule: why it matters, how to fix it, its mappings.
    Explain {
        rule_id: String,
        /// Policy directories whose constraints' rules may be explained.
        #[arg(long = "policy", value_name = "DIR")]
        policies: Vec<PathBuf>,
    },
    /// Gatekeeper policies: what a directory holds, and gator-style suites.
    Policy {
        #[command(subcommand)]
        command: crate::policy_cmd::PolicyCommand,
    },
    /// Pod Security Standards, decided as the admission plugin decides them.
    Pss {
        #[command(subcommand)]
        command: crate::pss_cmd::PssCommand,
    },
    /// RBAC questions: who can, can, subjects' permissions.
    Rbac(crate::rbac_cmd::RbacArgs),
    /// Live clusters: scan them, or snapshot them for offline scans.
    Cluster {
        #[command(subcommand)]
        command: crate::cluster_cmd::ClusterCommand,
    },
    /// Network reachability under NetworkPolicy and the admin network tiers.
    Netpol(crate::netpol_cmd::NetpolArgs),
    /// CIS Kubernetes Benchmark of a node: component flags, config files,
    /// file modes and owners, read from the host (or --root).
    Node(crate::node_cmd::NodeArgs),
    /// Known Kubernetes CVEs: the shipped feed, its date, and which CVEs
    /// affect a component version.
    Cves(crate::cves_cmd::CvesArgs),
    /// Kubernetes audit events: detect attacks and policy violations.
    Audit {
        #[command(subcommand)]
        command: crate::audit_cmd::AuditCommand,
    },
    /// Compliance framework scores (CIS, NSA-CISA, MITRE ATT&CK, PSS, PCI
    /// DSS, SOC 2, ISO 27001, HIPAA) of a scan, per control, with CI gates.
    Compliance(crate::compliance_cmd::ComplianceArgs),
    /// Admission webhook: enforce at admission what `scan` reports.
    Admit {
        #[command(subcommand)]
        command: crate::admit_cmd::AdmitCommand,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutFormat {
    Table,
    Json,
    Sarif,
    Junit,
    Prometheus,
    /// One self-contained HTML page; write it with -o report.html.
    Html,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files, directories or - (stdin).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit 1 when a reported finding is at or above this severity
    /// (default: never). Exit 2, which wins, when an input could not be read.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Skip files larger than this (bytes; K, M, G suffixes are powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// How the inputs are split into independent apps: auto (directories
    /// that define the same objects are kept apart), single (one app;
    /// same objects are duplicates) or directory (every directory alone).
    /// Default: `context:` in .bulwark.yaml, else auto.
    #[arg(long, value_name = "MODE")]
    pub context: Option<bulwark_load::contexts::ContextMode>,
    /// Follow symbolic links met in directories wherever they point (by
    /// default a link out of the scanned tree is skipped with the reason).
    #[arg(long)]
    pub follow_symlinks: bool,
}

/// Which findings are reported, waived or baselined.
#[derive(clap::Args, Debug, Default)]
pub struct FilterArgs {
    /// Report findings at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<Severity>,
    /// Report only this rule (repeatable, or comma-separated).
    #[arg(long = "rule", value_name = "ID", value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Do not report this rule (repeatable, or comma-separated).
    #[arg(long = "skip-rule", value_name = "ID", value_delimiter = ',')]
    pub skip_rules: Vec<String>,
    /// Report only rules of this category (repeatable, or comma-separated).
    #[arg(long = "category", value_name = "CAT", value_delimiter = ',')]
    pub categories: Vec<String>,
    /// Config file (default: the nearest .bulwark.yaml or .bulwark.yml
    /// upward from the first scanned path).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no config file.
    #[arg(long)]
    pub no_config: bool,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the findings of this scan (after annotations and config
    /// ignores) as a baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// List suppressed findings, and what waived each, on standard error.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Gatekeeper ConstraintTemplates and Constraints to run (a directory,
    /// read recursively, or a file; repeatable). Each constraint is a rule
    /// `policy:<template-kind>/<constraint>`.
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
}

impl FilterArgs {
    /// The scan settings these flags ask for, merged with the config file
    /// found from `paths` (or named by `--config`).
    pub fn settings(
        &self,
        paths: &[PathBuf],
        fail_on: Option<Severity>,
    ) -> Result<pipeline::ScanSettings, String> {
        let overrides = bulwark_filter::Overrides {
            severity: self.severity,
            fail_on,
            rules: self.rules.clone(),
            skip_rules: self.skip_rules.clone(),
            categories: self.categories.clone(),
        };
        let (policy, policy_errors) = pipeline::load_policies(&self.policies);
        let sources = pipeline::FilterSources {
            config: self.config.as_deref(),
            no_config: self.no_config,
            baseline: self.baseline.as_deref(),
            policy: policy.as_ref(),
        };
        let mut settings = pipeline::settings(paths, &overrides, &sources)?;
        settings.filter.record_baseline = self.write_baseline.is_some();
        settings.policy_errors = policy_errors;
        Ok(settings)
    }
}

/// Parses `1048576`, `512K`, `64M`, `1G` (also `64MiB`, `64MB`: powers of 1024).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let body = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (num, mult) = match body.char_indices().last() {
        Some((i, 'K')) => (&body[..i], 1u64 << 10),
        Some((i, 'M')) => (&body[..i], 1 << 20),
        Some((i, 'G')) => (&body[..i], 1 << 30),
        _ => (body, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("invalid size '{s}' (expected bytes, or a number with K, M or G)"))
}

pub fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Pss { command } => crate::pss_cmd::run(command),
        Command::Rbac(a) => crate::rbac_cmd::run(a),
        Command::Cluster { command } => crate::cluster_cmd::run(command),
        Command::Netpol(a) => crate::netpol_cmd::run(a),
        Command::Node(a) => crate::node_cmd::run(a),
        Command::Cves(a) => crate::cves_cmd::run(a),
        Command::Audit { command } => crate::audit_cmd::run(command),
        Command::Admit { command } => crate::admit_cmd::run(command),
        Command::Compliance(a) => crate::compliance_cmd::run(a),
        Command::Policy { command } => crate::policy_cmd::run(command),
        Command::Rules { format, policies } => {
            let cat = crate::policy_cmd::catalog(&policies)?;
            match format {
                RulesFormat::Json => {
                    let rules: Vec<_> = cat.iter().collect();
                    outln!(
                        "{}",
                        serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())?
                    );
                }
                RulesFormat::Table => {
                    for r in cat.iter() {
                        outln!("{:<40} {:<9} {}", r.id, r.severity, r.title);
                    }
                }
            }
            Ok(0)
        }
        Command::Explain { rule_id, policies } => {
            let cat = crate::policy_cmd::catalog(&policies)?;
            let r = cat
                .get(&rule_id)
                .ok_or_else(|| bulwark_filter::suggest::unknown_rule(&rule_id, &cat))?;
            out!("{}", crate::explain::text(r));
            Ok(0)
        }
    }
}

/// What a scan of `paths` is called in a report title.
fn subject_of(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn scan(a: ScanArgs) -> Result<u8, String> {
    let f = &a.filter;
    let mut settings = f.settings(&a.paths, a.fail_on)?;
    if let Some(m) = a.context {
        settings.context = m;
    }
    if matches!(a.format, OutFormat::Prometheus | OutFormat::Html) {
        // bulwark_framework_score and the page's scores: every shipped framework.
        settings.compliance = bulwark_compliance::builtin().iter().collect();
    }
    let mut load = LoadOptions::default();
    if let Some(n) = a.max_file_size {
        load.max_file_size = n;
    }
    load.follow_symlinks = a.follow_symlinks;
    let pipeline::Scan {
        report,
        outcome,
        contexts,
    } = pipeline::scan(&a.paths, &load, &settings);
    let format = crate::cluster_cmd::format_of(a.format);
    let html = match format {
        Format::Html => crate::html_extras::extras(&subject_of(&a.paths), &contexts),
        _ => Default::default(),
    };
    drop(contexts);
    let opts = bulwark_report::RenderOptions {
        // Colour only on a terminal, never under NO_COLOR (CLICOLOR_FORCE forces it).
        color: a.output.is_none()
            && anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never,
        html,
        ..Default::default()
    };
    // Streamed: a report of a million findings is never held as text.
    let (sink, name): (Box<dyn std::io::Write>, String) = match &a.output {
        Some(p) => (
            Box::new(crate::out::create(p)?),
            format!("{}: ", p.display()),
        ),
        None => (Box::new(crate::out::Stdout), String::new()),
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 16, sink);
    bulwark_report::render_with(&report, format, &opts, &mut w)
        .and_then(|()| std::io::Write::flush(&mut w))
        .map_err(|e| format!("{name}{e}"))?;
    crate::waivers::print_notices(&outcome);
    if f.show_suppressed {
        crate::waivers::print_suppressed(&outcome);
    }
    if let Some(p) = &f.write_baseline {
        crate::waivers::write_baseline(&outcome, p)?;
    }
    // 2 wins over 1: a scan that could not read all its inputs is incomplete,
    // whatever it found in the rest.
    if !report.summary.errors.is_empty() {
        return Ok(2);
    }
    if let Some(t) = settings.fail_on
        && report.findings.iter().any(|f| f.severity >= t)
    {
        return Ok(1);
    }
    Ok(0)
}
