//! The `bulwark` binary: argument parsing and wiring only. No rule logic
//! lives here.

/// Every command allocates many small JSON nodes from several threads;
/// mimalloc does that with far less contention than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `print!` through [`out::write_fmt`]: `?` turns a failed write into the
/// command's error (exit 2).
macro_rules! out {
    ($($t:tt)*) => {
        $crate::out::write_fmt(format_args!($($t)*))?
    };
}

/// `println!` through [`out::write_fmt`].
macro_rules! outln {
    () => {
        $crate::out::write_fmt(format_args!("\n"))?
    };
    ($($t:tt)*) => {{
        $crate::out::write_fmt(format_args!($($t)*))?;
        $crate::out::write_fmt(format_args!("\n"))?
    }};
}

/// `eprintln!` through [`out::err_fmt`]: scrubbed of registered secrets.
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::out::err_fmt(format_args!($($t)*))
    };
}

mod admit_cmd;
mod admit_namespaces;
mod audit_cmd;
mod cli;
mod cluster_cmd;
mod compliance_cmd;
mod cves_cmd;
mod explain;
mod html_extras;
mod netpol_cmd;
mod node_cmd;
mod out;
mod pipeline;
mod policy_cmd;
mod pss_cmd;
mod rbac_cmd;
mod signals;
mod waivers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    restore_sigpipe();
    let args = cli::Cli::parse();
    // Flushed whatever the outcome: the scrubbing writer holds back the end
    // of the output until then.
    let result = cli::run(args);
    let flushed = out::flush();
    match result.and_then(|code| flushed.map(|()| code)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            errln!("bulwark: {e}");
            ExitCode::from(2)
        }
    }
}

/// `bulwark scan … | head` must end quietly like any Unix tool: Rust ignores
/// SIGPIPE by default, which turns a closed pipe into a panic in `println!`.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; resetting
    // a signal disposition to its default has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
