//! The one way a command writes: stdout, stderr and output files all pass
//! through [`bulwark_core::scrub`], so a secret registered anywhere in the
//! run never reaches them. A write that fails (disk full, EIO) is an error
//! message and exit 2, never a panic. A closed pipe ends the process
//! quietly (SIGPIPE is restored in `main`).

use std::io::Write;
use std::sync::{LazyLock, Mutex};

use bulwark_core::scrub::ScrubWriter;

/// Stdout, scrubbed. One per process, so text held back by one writer is
/// never overtaken by another's.
static STDOUT: LazyLock<Mutex<ScrubWriter<std::io::Stdout>>> =
    LazyLock::new(|| Mutex::new(ScrubWriter::new(std::io::stdout())));

/// A handle on the scrubbed stdout, for renderers that take a writer.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        STDOUT.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        STDOUT.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// Writes formatted text to stdout (used through `out!` and `outln!`).
pub fn write_fmt(args: std::fmt::Arguments<'_>) -> Result<(), String> {
    Stdout.write_fmt(args).map_err(failed)
}

/// Flushes stdout: the last partial line of a command's output is written
/// here, and its error reported like any other.
pub fn flush() -> Result<(), String> {
    Stdout.flush().map_err(failed)
}

/// An output file, scrubbed like stdout.
pub fn create(path: &std::path::Path) -> Result<ScrubWriter<std::fs::File>, String> {
    std::fs::File::create(path)
        .map(ScrubWriter::new)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `bytes` to `path` (scrubbed), or to stdout when `None`.
pub fn write_to(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), String> {
    match path {
        Some(p) => {
            let mut w = create(p)?;
            w.write_all(bytes)
                .and_then(|()| w.flush())
                .map_err(|e| format!("{}: {e}", p.display()))
        }
        None => Stdout
            .write_all(bytes)
            .and_then(|()| Stdout.flush())
            .map_err(failed),
    }
}

/// Writes a message to stderr, scrubbed (used through `errln!`). Stderr
/// has no one else to report its own failure to.
pub fn err_fmt(args: std::fmt::Arguments<'_>) {
    let text = args.to_string();
    let text = bulwark_core::scrub::scrub(&text);
    let mut e = anstream::stderr().lock();
    let _ = e.write_all(text.as_bytes());
    let _ = e.write_all(b"\n");
}

/// The message of a failed write to stdout.
pub fn failed(e: std::io::Error) -> String {
    format!("cannot write the output: {e}")
}
