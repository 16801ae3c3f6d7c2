//! Policy levels and policy versions, parsed and printed as the namespace
//! labels write them (`restricted`, `v1.25`, `latest`).

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// The newest policy version this crate knows. `latest` means this version,
/// and a newer version (`v1.40`) is evaluated as this one, as the admission
/// plugin does with versions newer than its newest check.
pub const MAX_MINOR: u32 = 37;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            other => Err(format!(
                "invalid level '{other}' (expected privileged, baseline or restricted)"
            )),
        }
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A policy version: `v1.<minor>` or `latest`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Version {
    Minor(u32),
    #[default]
    Latest,
}

impl Version {
    /// The minor version whose checks apply.
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Minor(m) => m.min(MAX_MINOR),
            Version::Latest => MAX_MINOR,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Minor(m) => write!(f, "v1.{m}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

impl FromStr for Version {
    type Err = String;
    /// Accepts `latest` and `v1.N` (N without leading zeros), as the plugin's
    /// version label does.
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let bad = || format!("invalid version '{s}' (expected v1.<minor> or latest)");
        let minor = s.strip_prefix("v1.").ok_or_else(bad)?;
        let well_formed = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !well_formed {
            return Err(bad());
        }
        minor.parse().map(Version::Minor).map_err(|_| bad())
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A level at a version: what one evaluation is against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl LevelVersion {
    pub fn new(level: Level, version: Version) -> Self {
        Self { level, version }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_the_label() {
        assert_eq!("v1.25".parse::<Version>(), Ok(Version::Minor(25)));
        assert_eq!("v1.0".parse::<Version>(), Ok(Version::Minor(0)));
        assert_eq!("latest".parse::<Version>(), Ok(Version::Latest));
        for bad in ["1.25", "v1.025", "v2.0", "v1.", "v1.x", "Latest", ""] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
        assert_eq!(Version::Minor(99).effective_minor(), MAX_MINOR);
        assert_eq!(Version::Minor(3).to_string(), "v1.3");
    }

    #[test]
    fn levels_order_and_parse() {
        assert!(Level::Baseline < Level::Restricted);
        assert_eq!("baseline".parse::<Level>(), Ok(Level::Baseline));
        assert!("Baseline".parse::<Level>().is_err());
    }
}
