//! The one way a command writes to stdout: a write that fails (disk full,
//! EIO) is an error message and exit 2, never a panic. A closed pipe ends
//! the process quietly (SIGPIPE is restored in `main`).

use std::io::Write;

/// Writes formatted text to stdout (used through `out!` and `outln!`).
pub fn write_fmt(args: std::fmt::Arguments<'_>) -> Result<(), String> {
    std::io::stdout().lock().write_fmt(args).map_err(failed)
}

/// Flushes stdout: the last partial line of a command's output is written
/// here, and its error reported like any other.
pub fn flush() -> Result<(), String> {
    std::io::stdout().lock().flush().map_err(failed)
}

/// The message of a failed write to stdout.
pub fn failed(e: std::io::Error) -> String {
    format!("cannot write the output: {e}")
}
