//! `bulwark policy list | test`: what policy directories hold, and their
//! gator-style suites.

use std::path::PathBuf;

use bulwark_core::Catalog;
use bulwark_policy::PolicySet;
use bulwark_policy::suite::{Outcome, find_suites, run_suite};
use clap::Subcommand;

use crate::pipeline;

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// What was loaded (templates, constraints and their rule ids), from
    /// which file, and every error. Exit 2 when a policy has errors.
    List {
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// Run the gator suites (kind: Suite) found below the directories: one
    /// line per case. Exit 1 when a case fails, 2 when no suite is found.
    Test {
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
}

pub fn run(cmd: PolicyCommand) -> Result<u8, String> {
    match cmd {
        PolicyCommand::List { dirs } => list(&dirs),
        PolicyCommand::Test { dirs } => test(&dirs),
    }
}

fn at(file: &str, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

fn list(dirs: &[PathBuf]) -> Result<u8, String> {
    let (set, errors) = PolicySet::load(dirs);
    let templates = set.templates();
    outln!("templates ({}):", templates.len());
    for t in &templates {
        outln!("  {:<40} {}", t.kind, at(&t.file, t.line));
    }
    let constraints = set.constraints();
    outln!("constraints ({}):", constraints.len());
    for c in &constraints {
        outln!(
            "  {:<60} {:<6} {:<8} {}",
            c.rule_id,
            c.enforcement_action,
            c.severity.as_str(),
            at(&c.file, c.line)
        );
    }
    if errors.is_empty() {
        return Ok(0);
    }
    outln!("errors ({}):", errors.len());
    for e in &errors {
        outln!("  {e}");
    }
    Ok(2)
}

fn test(dirs: &[PathBuf]) -> Result<u8, String> {
    let (suites, errors) = find_suites(dirs);
    for e in &errors {
        errln!("bulwark: {e}");
    }
    if suites.is_empty() {
        return Err("no gator suite (kind: Suite) found".into());
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for s in &suites {
        for r in run_suite(s) {
            match &r.outcome {
                Outcome::Pass => {
                    passed += 1;
                    outln!("ok   {}", r.id());
                }
                Outcome::Skipped => {
                    skipped += 1;
                    outln!("skip {}", r.id());
                }
                Outcome::Fail(why) => {
                    failed += 1;
                    outln!("FAIL {}: {why}", r.id());
                }
            }
        }
    }
    outln!(
        "{} suites, {} cases: {passed} passed, {failed} failed, {skipped} skipped",
        suites.len(),
        passed + failed + skipped
    );
    Ok(if failed > 0 {
        1
    } else if errors.is_empty() {
        0
    } else {
        2
    })
}

/// The rule catalog, with the constraints of `dirs` when given; policy
/// errors are told on standard error and the rest is listed.
pub fn catalog(dirs: &[PathBuf]) -> Result<Catalog, String> {
    let (set, errors) = pipeline::load_policies(dirs);
    for e in &errors {
        errln!("bulwark: {e}");
    }
    Ok(pipeline::catalog_with(set.as_ref()))
}
