//! `--follow`: tail a log file as the API server writes it, surviving
//! rotation (the file renamed and a new one created, or truncated in place
//! as `copytruncate` does).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::alert::Alert;
use crate::engine::Engine;
use crate::reader::{MAX_LINE, RawLine};

/// When to stop following.
#[derive(Clone, Copy, Debug)]
pub struct FollowOptions {
    /// How often to look for new data and rotation.
    pub poll: Duration,
    /// Stop after this long without new data (`None`: never).
    pub idle_exit: Option<Duration>,
    /// Start at the end of the file (like `tail -f`) rather than the start.
    pub from_end: bool,
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// Follows `path` until `opts.idle_exit` (or forever), feeding every
/// complete line to `engine`. A line is only parsed once its newline is
/// written; the last line of a rotated file is parsed when the rotation is
/// seen. Line numbers restart in each new file; the label says which.
pub fn follow(
    engine: &mut Engine,
    path: &Path,
    opts: FollowOptions,
    sink: &mut dyn FnMut(Alert),
) -> io::Result<()> {
    let label = path.display().to_string();
    let mut generation = 0u32;
    let mut file = File::open(path)?;
    let mut id = identity(&file.metadata()?);
    if opts.from_end {
        file.seek(SeekFrom::End(0))?;
    }
    let mut pos = file.stream_position()?;
    let mut reader = BufReader::new(file);
    let mut pending: Vec<u8> = Vec::new();
    let mut line_no = 0u64;
    let mut out = Vec::new();
    let mut last_data = Instant::now();
    let name = |g: u32| {
        if g == 0 {
            label.clone()
        } else {
            format!("{label} (after rotation {g})")
        }
    };
    loop {
        let n = (&mut reader)
            .take((MAX_LINE + 1 - pending.len().min(MAX_LINE)) as u64)
            .read_until(b'\n', &mut pending)?;
        pos += n as u64;
        if n > 0 {
            last_data = Instant::now();
            if pending.last() == Some(&b'\n') || pending.len() > MAX_LINE {
                line_no += 1;
                emit(
                    engine,
                    &name(generation),
                    line_no,
                    &mut pending,
                    &mut out,
                    sink,
                );
            }
            continue;
        }
        // At the end of what is written: rotated or truncated?
        let rotated = match std::fs::metadata(path) {
            Ok(m) => identity(&m) != id || m.len() < pos,
            Err(_) => false, // renamed away, new one not created yet
        };
        if rotated && let Ok(f) = File::open(path) {
            if !pending.is_empty() {
                line_no += 1;
                emit(
                    engine,
                    &name(generation),
                    line_no,
                    &mut pending,
                    &mut out,
                    sink,
                );
            }
            id = identity(&f.metadata()?);
            reader = BufReader::new(f);
            pos = 0;
            line_no = 0;
            generation += 1;
            continue;
        }
        if let Some(idle) = opts.idle_exit
            && last_data.elapsed() >= idle
        {
            if !pending.is_empty() {
                line_no += 1;
                emit(
                    engine,
                    &name(generation),
                    line_no,
                    &mut pending,
                    &mut out,
                    sink,
                );
            }
            return Ok(());
        }
        std::thread::sleep(opts.poll);
    }
}

fn emit(
    engine: &mut Engine,
    file: &str,
    line_no: u64,
    pending: &mut Vec<u8>,
    out: &mut Vec<Alert>,
    sink: &mut dyn FnMut(Alert),
) {
    if pending.len() > MAX_LINE {
        engine.feed(file, line_no, RawLine::TooLong(pending.len()), out);
    } else {
        let mut t: &[u8] = pending;
        if t.last() == Some(&b'\n') {
            t = &t[..t.len() - 1];
        }
        if t.last() == Some(&b'\r') {
            t = &t[..t.len() - 1];
        }
        engine.feed(file, line_no, RawLine::Text(t), out);
    }
    pending.clear();
    for a in out.drain(..) {
        sink(a);
    }
}
