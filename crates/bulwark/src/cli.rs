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
    },
    /// Explain a rule: why it matters, how to fix it, its mappings.
    Explain { rule_id: String },
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
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long)]
    pub fail_on: Option<Severity>,
}

pub fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Rules { format } => {
            let cat = pipeline::catalog();
            match format {
                RulesFormat::Json => {
                    let rules: Vec<_> = cat.iter().collect();
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())?
                    );
                }
                RulesFormat::Table => {
                    for r in cat.iter() {
                        println!("{:<40} {:<9} {}", r.id, r.severity, r.title);
                    }
                }
            }
            Ok(0)
        }
        Command::Explain { rule_id } => {
            let cat = pipeline::catalog();
            let r = cat
                .get(&rule_id)
                .ok_or_else(|| format!("unknown rule '{rule_id}' (see `bulwark rules`)"))?;
            println!(
                "{} ({})\n\n{}\n\nRemediation:\n{}",
                r.id, r.severity, r.description, r.remediation
            );
            Ok(0)
        }
    }
}

fn scan(a: ScanArgs) -> Result<u8, String> {
    let report = pipeline::scan(&a.paths, &LoadOptions::default());
    let format = match a.format {
        OutFormat::Table => Format::Table,
        OutFormat::Json => Format::Json,
        OutFormat::Sarif => Format::Sarif,
        OutFormat::Junit => Format::Junit,
    };
    let mut buf = Vec::new();
    bulwark_report::render(&report, format, &mut buf).map_err(|e| e.to_string())?;
    match &a.output {
        Some(p) => std::fs::write(p, &buf).map_err(|e| format!("{}: {e}", p.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&buf)
                .map_err(|e| e.to_string())?;
        }
    }
    if !report.summary.errors.is_empty() {
        return Ok(2);
    }
    if let Some(t) = a.fail_on
        && report.findings.iter().any(|f| f.severity >= t)
    {
        return Ok(1);
    }
    Ok(0)
}
