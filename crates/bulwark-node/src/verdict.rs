//! The outcome of one check, shared by `scan` findings and `node` results.

use bulwark_core::FieldPath;
use serde::Serialize;

/// A check's outcome. A check that could not see its input is
/// `NotEvaluated`, never `Pass`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    /// A person must decide; the evidence says what to look at.
    Warn,
    NotEvaluated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::NotEvaluated => "NOT_EVALUATED",
        }
    }
}

/// A status with its evidence and, for `scan`, the field to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub evidence: Vec<String>,
    /// The field of the input object a finding should point at.
    pub at: Option<FieldPath>,
}

impl Verdict {
    pub fn new(status: Status, evidence: impl Into<String>) -> Self {
        Self {
            status,
            evidence: vec![evidence.into()],
            at: None,
        }
    }
    pub fn pass(e: impl Into<String>) -> Self {
        Self::new(Status::Pass, e)
    }
    pub fn fail(e: impl Into<String>) -> Self {
        Self::new(Status::Fail, e)
    }
    pub fn warn(e: impl Into<String>) -> Self {
        Self::new(Status::Warn, e)
    }
    pub fn not_evaluated(e: impl Into<String>) -> Self {
        Self::new(Status::NotEvaluated, e)
    }
    #[must_use]
    pub fn at(mut self, p: Option<FieldPath>) -> Self {
        self.at = p;
        self
    }

    /// Combines verdicts on several items: the worst status wins
    /// (`Fail` > `NotEvaluated` > `Warn` > `Pass`), evidence is kept.
    pub fn all(items: Vec<Verdict>) -> Verdict {
        let rank = |s: Status| match s {
            Status::Pass => 0,
            Status::Warn => 1,
            Status::NotEvaluated => 2,
            Status::Fail => 3,
        };
        let mut out = Verdict {
            status: Status::Pass,
            evidence: Vec::new(),
            at: None,
        };
        let mut worst = -1;
        for v in items {
            if rank(v.status) > worst {
                worst = rank(v.status);
                out.status = v.status;
                out.at = v.at.clone();
            }
            out.evidence.extend(v.evidence);
        }
        if worst < 0 {
            out.status = Status::NotEvaluated;
            out.evidence.push("nothing to check".into());
        }
        out
    }
}
