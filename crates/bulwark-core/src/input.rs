//! What happened to the user's inputs: read, skipped, or failed.

use serde::Serialize;

/// The name a path is reported under, one to one with the path: a UTF-8
/// name is itself, and a name with bytes that are not UTF-8 has them as
/// `\xNN` (and its backslashes doubled, as for any name holding `\x`), so
/// two files never share a name (nor a SARIF URI) because their names
/// are not text.
pub fn path_name(p: &std::path::Path) -> String {
    let bytes = p.as_os_str().as_encoded_bytes();
    if let Ok(s) = std::str::from_utf8(bytes)
        && !s.contains("\\x")
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&chunk.valid().replace('\\', "\\\\"));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// An input that could not be read or parsed. The scan goes on without it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InputError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Something the user gave that was deliberately not scanned, and why.
/// Ordered by file, then numerically by the `:LINE` that ends `file`
/// (`a.yaml:4` before `a.yaml:10`), then reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

impl Skipped {
    /// `(file, line)` of `file:LINE`, or `(file, None)`.
    fn sort_key(&self) -> (&str, Option<u64>) {
        match self.file.rsplit_once(':') {
            Some((f, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
                (f, l.parse().ok())
            }
            _ => (self.file.as_str(), None),
        }
    }
}

impl Ord for Skipped {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key()
            .cmp(&other.sort_key())
            .then_with(|| self.file.cmp(&other.file))
            .then_with(|| self.reason.cmp(&other.reason))
    }
}

impl PartialOrd for Skipped {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What became of every unit of one kind that a source read (documents and
/// list items of a manifest stream, flow lines, audit lines): each was
/// analysed, skipped with a reason, or failed with an error, and the counts
/// add up to what was read, which [`Tally::unaccounted`] checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub read: usize,
    pub analysed: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.read += other.read;
        self.analysed += other.analysed;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }

    /// Units read that are neither analysed, skipped nor failed (0 when the
    /// account holds; a source reports any other number as an error).
    pub fn unaccounted(&self) -> usize {
        self.read
            .saturating_sub(self.analysed + self.skipped + self.failed)
    }
}

/// The account of one load: nothing the user gave is silently dropped.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadSummary {
    /// Files (and streams) read.
    pub files: usize,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
    /// Objects not analysed on their own because they are their owner's
    /// template (pods, ReplicaSets and Jobs counted on their workload).
    #[serde(default)]
    pub folded: usize,
    /// Every document and list item read (a `List` counts as its items):
    /// objects analysed (folded ones among them), skipped, or in error.
    pub documents: Tally,
}

impl LoadSummary {
    pub fn merge(&mut self, other: LoadSummary) {
        self.files += other.files;
        self.skipped.extend(other.skipped);
        self.errors.extend(other.errors);
        self.folded += other.folded;
        self.documents.add(&other.documents);
    }

    pub fn sort(&mut self) {
        self.skipped.sort();
        self.errors.sort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn path_names_are_one_to_one() {
        use std::os::unix::ffi::OsStrExt;
        let p = |b: &[u8]| path_name(std::path::Path::new(std::ffi::OsStr::from_bytes(b)));
        assert_eq!(p(b"dir/a.yaml"), "dir/a.yaml");
        let names = [
            p(b"a\xff.yaml"),
            p(b"a\xfe.yaml"),
            p(b"a\\xff.yaml"),
            p(b"a\\\\xff.yaml"),
            p(b"a\xef\xbf\xbd.yaml"),
        ];
        assert_eq!(names[0], "a\\xff.yaml");
        assert_eq!(names[2], "a\\\\xff.yaml");
        let set: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(set.len(), names.len(), "{names:?}");
    }

    #[test]
    fn skipped_entries_sort_by_line_number() {
        let sk = |f: &str| Skipped {
            file: f.into(),
            reason: "r".into(),
        };
        let mut v = [
            sk("a.yaml:10"),
            sk("b.yaml"),
            sk("a.yaml:4"),
            sk("a.yaml"),
            sk("a.yaml:100"),
        ];
        v.sort();
        let files: Vec<_> = v.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(
            files,
            ["a.yaml", "a.yaml:4", "a.yaml:10", "a.yaml:100", "b.yaml"]
        );
    }
}
