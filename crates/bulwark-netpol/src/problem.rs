//! Errors and warnings about the inputs of a reachability analysis.

use std::fmt;

use bulwark_core::{FieldPath, Location, ObjectRef, Resource};
use serde::Serialize;

/// How serious a problem is: an error makes the answer unreliable, so no
/// answer is given; a warning names something ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

/// One problem, located at the object (and field) that caused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub level: Level,
    pub object: Option<ObjectRef>,
    pub location: Option<Location>,
    pub message: String,
}

impl Problem {
    pub fn at(level: Level, res: &Resource, path: &FieldPath, message: impl Into<String>) -> Self {
        Self {
            level,
            object: Some(res.id.clone()),
            location: res.locate(path),
            message: message.into(),
        }
    }

    pub fn global(level: Level, message: impl Into<String>) -> Self {
        Self {
            level,
            object: None,
            location: None,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lvl = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{lvl}: ")?;
        if let Some(l) = &self.location {
            write!(f, "{}", l.file)?;
            if let Some(line) = l.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(o) = &self.object {
            write!(f, "{}: ", o.display())?;
        }
        f.write_str(&self.message)
    }
}
