//! The `bulwark` binary: argument parsing and wiring only. No rule logic
//! lives here.

mod cli;
mod explain;
mod pipeline;
mod pss_cmd;
mod rbac_cmd;
mod waivers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("bulwark: {e}");
            ExitCode::from(2)
        }
    }
}
