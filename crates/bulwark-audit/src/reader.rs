//! Streaming JSON-lines reader: one line in memory at a time, every line
//! that is not an audit event counted and kept with its number.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::event::Event;

/// A line longer than this is reported as malformed, never buffered whole
/// (the API server caps a request body at 3 MiB; events are smaller).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// At most this many malformed lines are kept with their messages; all are
/// counted.
pub const KEEP_MALFORMED: usize = 1000;

/// One line that was not an audit event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Malformed {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// Opens `path` for line reading: `-` is stdin, `*.gz` is decompressed.
pub fn open(path: &str) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(Path::new(path))?)
    };
    Ok(if path.ends_with(".gz") {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::read::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(BufReader::with_capacity(256 * 1024, raw))
    })
}

/// What one line held.
pub enum Line {
    Events(Vec<Event>),
    Blank,
    Malformed(String),
}

/// Parses one line: an `Event`, an `EventList`, or a reason it is neither.
pub fn parse_line(line: &[u8]) -> Line {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Line::Blank;
    }
    // Validating the line's UTF-8 once is cheaper than serde_json's check of
    // every string read from a byte slice; a line that is not UTF-8 goes
    // through `from_slice` for the same error it always had.
    let parsed = match std::str::from_utf8(line) {
        Ok(text) => serde_json::from_str::<Event>(text),
        Err(_) => serde_json::from_slice::<Event>(line),
    };
    match parsed {
        Ok(ev) => match ev.kind.as_str() {
            "Event" => Line::Events(vec![ev]),
            "EventList" => Line::Events(ev.items),
            other => Line::Malformed(format!(
                "data not recognized as a k8s audit event (kind {other:?})"
            )),
        },
        Err(e) => Line::Malformed(format!("data not recognized as a k8s audit event: {e}")),
    }
}

/// Reads lines of at most [`MAX_LINE`] bytes into a reused buffer.
pub struct Lines<R> {
    inner: R,
    buf: Vec<u8>,
    /// 1-based number of the line last returned.
    pub line_no: u64,
}

/// A line, or the fact that it was too long (its bytes were skipped).
pub enum RawLine<'a> {
    Text(&'a [u8]),
    TooLong(usize),
}

impl<R: BufRead> Lines<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: Vec::with_capacity(64 * 1024),
            line_no: 0,
        }
    }

    /// The next line without its newline; `None` at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, RawLine<'_>)>> {
        self.buf.clear();
        let n = (&mut self.inner)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() != Some(&b'\n') && self.buf.len() > MAX_LINE {
            // Skip the rest of the line without holding it.
            let mut skipped = self.buf.len();
            loop {
                let chunk = self.inner.fill_buf()?;
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        skipped += i;
                        self.inner.consume(i + 1);
                        break;
                    }
                    None => {
                        let l = chunk.len();
                        skipped += l;
                        self.inner.consume(l);
                    }
                }
            }
            return Ok(Some((self.line_no, RawLine::TooLong(skipped))));
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        Ok(Some((self.line_no, RawLine::Text(&self.buf))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_numbers_and_limits() {
        let mut long = vec![b'x'; MAX_LINE + 10];
        long.push(b'\n');
        let mut input = b"a\r\n\n".to_vec();
        input.extend_from_slice(&long);
        input.extend_from_slice(b"last");
        let mut l = Lines::new(io::Cursor::new(input));
        assert!(matches!(
            l.next_line().unwrap(),
            Some((1, RawLine::Text(b"a")))
        ));
        assert!(matches!(
            l.next_line().unwrap(),
            Some((2, RawLine::Text(b"")))
        ));
        assert!(matches!(
            l.next_line().unwrap(),
            Some((3, RawLine::TooLong(n))) if n == MAX_LINE + 10
        ));
        assert!(matches!(
            l.next_line().unwrap(),
            Some((4, RawLine::Text(b"last")))
        ));
        assert_eq!(l.line_no, 4);
        assert!(l.next_line().unwrap().is_none());
    }

    #[test]
    fn kinds() {
        assert!(matches!(parse_line(br#"{"kind": 0}"#), Line::Malformed(_)));
        assert!(
            matches!(parse_line(br#"{"kind": "Pod"}"#), Line::Malformed(m) if m.contains("Pod"))
        );
        assert!(matches!(parse_line(b"  "), Line::Blank));
        assert!(
            matches!(parse_line(br#"{"kind":"EventList","items":[{"kind":"Event"},{"kind":"Event"}]}"#), Line::Events(v) if v.len() == 2)
        );
        assert!(matches!(parse_line(b"{not json"), Line::Malformed(_)));
    }
}
