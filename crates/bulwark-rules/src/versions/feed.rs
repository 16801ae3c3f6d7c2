//! The shipped Kubernetes CVE data: OSV records of the official Kubernetes
//! CVE feed, and the OSV rules for deciding whether a version is affected.
//!
//! The records are read with our own small types: the `osv` crate rejects
//! this feed's `"ecosystem": "kubernetes"` (it only knows `Kubernetes`).

use std::sync::LazyLock;

use semver::Version;
use serde::Deserialize;

use super::version;

/// The data file, compiled in (see `data/README.md` for where it came from
/// and how to refresh it).
pub const DATA: &str = include_str!("../../data/kubernetes-cves.json");

/// The feed as shipped: its provenance and its records.
#[derive(Debug, Deserialize)]
pub struct Feed {
    /// Where the records were taken from.
    pub source: String,
    /// The day the copy was taken (`YYYY-MM-DD`): what bulwark states.
    pub taken: String,
    /// The newest `modified` time among the records.
    pub newest_record: String,
    pub vulnerabilities: Vec<Advisory>,
}

/// One OSV record.
#[derive(Debug, Deserialize)]
pub struct Advisory {
    pub id: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub affected: Vec<Affected>,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Record-wide severity (OSV allows it here or per package).
    #[serde(default)]
    pub severity: Vec<Score>,
}

#[derive(Debug, Deserialize)]
pub struct Affected {
    pub package: Package,
    #[serde(default)]
    pub severity: Vec<Score>,
    #[serde(default)]
    pub ranges: Vec<Range>,
}

#[derive(Debug, Deserialize)]
pub struct Package {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Score {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    pub events: Vec<Event>,
    #[serde(skip)]
    order: std::sync::OnceLock<Vec<(Option<Version>, usize)>>,
}

/// An OSV range event (`{"introduced": "1.30.0"}`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

#[derive(Debug, Deserialize)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub url: String,
}

/// The compiled-in feed. The file is tested to parse; a build whose data
/// does not is broken, not an input error.
pub fn feed() -> &'static Feed {
    static FEED: LazyLock<Feed> = LazyLock::new(|| {
        serde_json::from_str(DATA).expect("data/kubernetes-cves.json is valid (tested)")
    });
    &FEED
}

/// A version inside an advisory's affected range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The first fixed release above the version, when the feed names one.
    pub fixed: Option<String>,
    /// Else the last affected release at or above it (the feed often says
    /// "affected through 1.33.3" instead of "fixed in 1.33.4").
    pub last_affected: Option<String>,
}

impl Hit {
    /// What to upgrade to, as a person reads it.
    pub fn remedy(&self) -> String {
        match (&self.fixed, &self.last_affected) {
            (Some(f), _) => format!("fixed in {f}"),
            (None, Some(l)) => format!("affected through {l}: upgrade past it"),
            (None, None) => "no fixed release in the feed".to_string(),
        }
    }
}

impl Advisory {
    /// Whether `v` of `package` is affected, with the release that fixes it.
    pub fn affects(&self, package: &str, v: &Version) -> Option<Hit> {
        self.affected
            .iter()
            .filter(|a| a.package.name == package)
            .flat_map(|a| &a.ranges)
            .filter(|r| r.kind == "SEMVER")
            .find_map(|r| r.affects(v))
    }

    /// The CVSS base score: the package's own, else the record's.
    pub fn score(&self, package: &str) -> Option<f64> {
        let own = self
            .affected
            .iter()
            .filter(|a| a.package.name == package)
            .flat_map(|a| &a.severity);
        own.chain(&self.severity).find_map(|s| {
            matches!(s.kind.as_str(), "CVSS_V3" | "CVSS_V4")
                .then(|| s.score.parse::<cvss::Cvss>().ok())
                .flatten()
                .map(|c| c.score())
        })
    }

    /// The Kubernetes announcement issue, else the first reference.
    pub fn url(&self) -> Option<&str> {
        self.references
            .iter()
            .find(|r| r.url.contains("github.com/kubernetes/"))
            .or_else(|| self.references.first())
            .map(|r| r.url.as_str())
    }

    /// Every package the record names.
    pub fn packages(&self) -> impl Iterator<Item = &str> {
        self.affected.iter().map(|a| a.package.name.as_str())
    }
}

impl Event {
    /// The version the event names, as written.
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(s) | Self::Fixed(s) | Self::LastAffected(s) | Self::Limit(s) => s,
        }
    }
}

/// An event's version: `0` (before everything) or a release.
fn event_version(s: &str) -> Option<Option<Version>> {
    if s == "0" {
        return Some(None);
    }
    version::parse(s).map(|k| Some(k.semver))
}

impl Range {
    /// The readable events as (version, index) in version order, parsed
    /// once per range. Stable: events at one version keep their order.
    fn order(&self) -> &[(Option<Version>, usize)] {
        self.order.get_or_init(|| {
            let mut events: Vec<(Option<Version>, usize)> = self
                .events
                .iter()
                .enumerate()
                .filter_map(|(i, e)| event_version(e.version()).map(|ver| (ver, i)))
                .collect();
            events.sort_by(|a, b| a.0.cmp(&b.0));
            events
        })
    }

    /// OSV's evaluation: walk the events in version order; `introduced`
    /// at or below `v` turns it affected, `fixed` at or below `v` (or a
    /// `last_affected`/`limit` below it) turns it back.
    pub fn affects(&self, v: &Version) -> Option<Hit> {
        let events = || {
            self.order()
                .iter()
                .map(|(ver, i)| (ver.as_ref(), &self.events[*i]))
        };
        let mut affected = false;
        for (ver, e) in events() {
            let at_or_below = ver.is_none_or(|x| x <= v);
            let below = ver.is_none_or(|x| x < v);
            match e {
                Event::Introduced(_) if at_or_below => affected = true,
                Event::Fixed(_) | Event::Limit(_) if at_or_below => affected = false,
                Event::LastAffected(_) if below => affected = false,
                _ => {}
            }
        }
        if !affected {
            return None;
        }
        let release = |e: &Event| e.version().trim_start_matches('v').to_string();
        Some(Hit {
            fixed: events()
                .find(|(ver, e)| matches!(e, Event::Fixed(_)) && ver.is_some_and(|x| x > v))
                .map(|(_, e)| release(e)),
            last_affected: events()
                .find(|(ver, e)| matches!(e, Event::LastAffected(_)) && ver.is_some_and(|x| x >= v))
                .map(|(_, e)| release(e)),
        })
    }

    /// Versions in the events that do not parse (the data test wants none).
    pub fn unreadable(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(Event::version)
            .filter(|s| event_version(s).is_none())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(json: &str) -> Range {
        serde_json::from_str(json).expect("test range")
    }

    fn at(r: &Range, v: &str) -> Option<Option<String>> {
        let v = version::parse(v).expect("test version").semver;
        r.affects(&v).map(|h| h.fixed)
    }

    fn remedy(r: &Range, v: &str) -> Option<String> {
        let v = version::parse(v).expect("test version").semver;
        r.affects(&v).map(|h| h.remedy())
    }

    /// Branch-wise fixes listed out of order, as the feed writes them.
    #[test]
    fn unsorted_branch_ranges() {
        let r = range(
            r#"{"type":"SEMVER","events":[{"introduced":"1.28.0"},{"fixed":"1.28.4"},
            {"introduced":"1.27.0"},{"fixed":"1.27.8"},{"introduced":"1.8.0"},{"fixed":"1.25.16"}]}"#,
        );
        assert_eq!(at(&r, "1.7.9"), None);
        assert_eq!(at(&r, "1.8.0"), Some(Some("1.25.16".into())));
        assert_eq!(at(&r, "1.25.15"), Some(Some("1.25.16".into())));
        assert_eq!(at(&r, "1.25.16"), None);
        assert_eq!(at(&r, "1.26.3"), None, "1.26 is not in this range");
        assert_eq!(at(&r, "1.27.7"), Some(Some("1.27.8".into())));
        assert_eq!(at(&r, "1.27.8"), None);
        assert_eq!(at(&r, "1.28.3"), Some(Some("1.28.4".into())));
        assert_eq!(at(&r, "1.28.4"), None);
        assert_eq!(at(&r, "1.29.0"), None);
    }

    #[test]
    fn introduced_zero_and_unfixed() {
        let r = range(r#"{"type":"SEMVER","events":[{"introduced":"0"}]}"#);
        assert_eq!(at(&r, "1.0.0"), Some(None));
        assert_eq!(at(&r, "1.99.0"), Some(None));
        let r = range(r#"{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.29.14"}]}"#);
        assert_eq!(at(&r, "1.29.13"), Some(Some("1.29.14".into())));
        assert_eq!(at(&r, "1.29.14"), None);
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = range(
            r#"{"type":"SEMVER","events":[{"introduced":"1.1.0"},{"last_affected":"1.16.0"}]}"#,
        );
        assert_eq!(at(&r, "1.16.0"), Some(None));
        assert_eq!(at(&r, "1.16.1"), None);
        assert_eq!(at(&r, "1.0.9"), None);
        assert_eq!(
            remedy(&r, "1.15.2").as_deref(),
            Some("affected through 1.16.0: upgrade past it")
        );
        let r = range(
            r#"{"type":"SEMVER","events":[{"introduced":"1.32.0"},{"last_affected":"1.32.5"},
            {"introduced":"1.33.0"},{"last_affected":"1.33.1"}]}"#,
        );
        assert_eq!(
            remedy(&r, "1.33.1").as_deref(),
            Some("affected through 1.33.1: upgrade past it")
        );
        assert_eq!(
            remedy(&r, "1.32.2").as_deref(),
            Some("affected through 1.32.5: upgrade past it")
        );
        assert_eq!(remedy(&r, "1.33.2"), None);
        assert_eq!(remedy(&r, "1.32.6"), None);
    }

    #[test]
    fn prerelease_of_a_fixed_release_is_still_affected() {
        let r = range(r#"{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.31.0"}]}"#);
        assert_eq!(at(&r, "v1.31.0-rc.1"), Some(Some("1.31.0".into())));
        assert_eq!(
            at(&r, "v1.31.0-eks-abc"),
            None,
            "vendor builds compare as their release"
        );
    }

    #[test]
    fn the_shipped_feed_parses_and_every_range_is_readable() {
        let f = feed();
        assert!(f.vulnerabilities.len() >= 50, "{}", f.vulnerabilities.len());
        assert_eq!(f.taken.len(), 10, "taken is a date: {}", f.taken);
        let mut ids = std::collections::BTreeSet::new();
        for a in &f.vulnerabilities {
            assert!(ids.insert(a.id.as_str()), "duplicate record {}", a.id);
            assert!(a.id.starts_with("CVE-"), "{}", a.id);
            for af in &a.affected {
                for r in &af.ranges {
                    assert!(r.unreadable().is_empty(), "{}: {:?}", a.id, r.unreadable());
                }
            }
            for s in a
                .affected
                .iter()
                .flat_map(|x| &x.severity)
                .chain(&a.severity)
            {
                if s.kind.starts_with("CVSS") {
                    assert!(
                        s.score.parse::<cvss::Cvss>().is_ok(),
                        "{}: {}",
                        a.id,
                        s.score
                    );
                }
            }
        }
    }
}
