//! What happened to the user's inputs: read, skipped, or failed.

use serde::Serialize;

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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// The account of one load: nothing the user gave is silently dropped.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadSummary {
    /// Files (and streams) read.
    pub files: usize,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
}

impl LoadSummary {
    pub fn merge(&mut self, other: LoadSummary) {
        self.files += other.files;
        self.skipped.extend(other.skipped);
        self.errors.extend(other.errors);
    }

    pub fn sort(&mut self) {
        self.skipped.sort();
        self.errors.sort();
    }
}
