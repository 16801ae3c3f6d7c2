//! The filter stage: decides which findings are reported, which are waived
//! (and by what), and which the user did not ask to see.
//!
//! Each finding goes through, in order:
//! 1. the [`Selection`] (`--severity`, `--rule`, `--skip-rule`,
//!    `--category`): outside it, the finding is *deselected* (counted, not
//!    shown, not a waiver);
//! 2. a `bulwark.dev/ignore` annotation on the object (or its pod template),
//!    unless the rule is `strict`;
//! 3. the first unexpired config `ignore:` entry that names it;
//! 4. the baseline.
//!
//! Waived findings are kept with the reason in [`Outcome::suppressed`]:
//! never dropped silently. This crate never does I/O: the caller reads the
//! config and baseline files and passes in the day of the scan.

pub mod annotation;
pub mod baseline;
pub mod config;
pub mod ignore;
pub mod select;
pub mod settings;
pub mod suggest;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bulwark_core::{Catalog, Finding, Inventory, ObjectRef};
use jiff::civil::Date;
use serde_json::Value;

pub use annotation::Annotations;
pub use baseline::{Baseline, BaselineEntry, BaselineFile};
pub use config::{Config, ConfigProblem, IgnoreEntry};
pub use ignore::{FileBase, IgnoreRule};
pub use select::Selection;
pub use settings::{Overrides, Settings, settings};

/// Everything that decides what one scan reports.
#[derive(Clone, Debug)]
pub struct Filter {
    pub selection: Selection,
    /// Rules no annotation can waive.
    pub strict: BTreeSet<String>,
    pub ignores: Vec<IgnoreRule>,
    pub file_base: FileBase,
    pub baseline: Option<BaselineFile>,
    /// Fill [`Outcome::baseline_entries`] (for `--write-baseline`); off by
    /// default, as it costs an entry per finding.
    pub record_baseline: bool,
    /// The day of the scan (UTC), against which `expires` is judged.
    pub today: Date,
}

impl Filter {
    /// A filter that reports everything, judged on `today`.
    pub fn new(today: Date) -> Self {
        Self {
            selection: Selection::default(),
            strict: BTreeSet::new(),
            ignores: Vec::new(),
            file_base: FileBase::default(),
            baseline: None,
            record_baseline: false,
            today,
        }
    }
}

/// Today's date in UTC.
pub fn today_utc() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// What waived a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaivedBy {
    /// A `bulwark.dev/ignore` annotation at `at`.
    Annotation {
        reason: Option<String>,
        at: String,
    },
    /// A config `ignore:` entry at `at`.
    Config {
        reason: String,
        at: String,
    },
    Baseline,
}

impl WaivedBy {
    /// `annotation`, `config` or `baseline`.
    pub fn kind(&self) -> &'static str {
        match self {
            WaivedBy::Annotation { .. } => "annotation",
            WaivedBy::Config { .. } => "config",
            WaivedBy::Baseline => "baseline",
        }
    }

    /// One line for people: what waived it, where, and why.
    pub fn describe(&self) -> String {
        match self {
            WaivedBy::Annotation { reason, at } => format!(
                "{} annotation at {at}: {}",
                annotation::IGNORE,
                reason.as_deref().unwrap_or("no reason given")
            ),
            WaivedBy::Config { reason, at } => format!("config ignore at {at}: {reason}"),
            WaivedBy::Baseline => "in the baseline".to_string(),
        }
    }
}

/// A waived finding and what waived it.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: WaivedBy,
}

/// The filter's verdict on one scan.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Findings to report, in the order they came.
    pub reported: Vec<Finding>,
    /// Findings waived by an annotation, the config or the baseline.
    pub suppressed: Vec<Suppressed>,
    /// Findings outside the selection (severity, rule, category).
    pub deselected: usize,
    /// Things the user should know: expired ignore entries, annotations that
    /// name unknown rules or try to waive strict ones. Sorted, one per line.
    pub notices: Vec<String>,
    /// The baseline of this scan, when [`Filter::record_baseline`] is set:
    /// every finding that passed the selection and was not waived by an
    /// annotation or the config.
    pub baseline_entries: Vec<BaselineEntry>,
}

impl Outcome {
    /// Suppressed findings counted by what waived them.
    pub fn suppressed_by_kind(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for s in &self.suppressed {
            *m.entry(s.by.kind()).or_insert(0) += 1;
        }
        m
    }
}

impl Filter {
    /// Sorts `findings` (from analyzers that ran over `inv`) into reported,
    /// suppressed and deselected.
    pub fn apply(&self, inv: &Inventory, catalog: &Catalog, findings: Vec<Finding>) -> Outcome {
        let annotations = Annotations::index(inv, catalog);
        let mut baseline = self.baseline.as_ref().map(Baseline::new);
        // Object values, to name list items in baseline paths; only built
        // when a baseline is read or written.
        let objects: HashMap<(&ObjectRef, Option<&str>), &Value> =
            if baseline.is_some() || self.record_baseline {
                inv.iter()
                    .map(|r| ((&r.id, r.origin.file.as_deref()), &r.value))
                    .collect()
            } else {
                HashMap::new()
            };
        let mut out = Outcome::default();
        let mut notices: BTreeSet<String> = annotations.notices.iter().cloned().collect();
        let mut expired_hits = vec![0usize; self.ignores.len()];

        for f in findings {
            if !self.selection.selects(&f, catalog) {
                out.deselected += 1;
                continue;
            }
            if let Some(w) = annotations.waiver(&f) {
                if self.strict.contains(f.rule_id.as_ref()) {
                    notices.insert(format!(
                        "{}: '{}' is a strict rule; annotations cannot waive it",
                        w.at, f.rule_id
                    ));
                } else {
                    let by = WaivedBy::Annotation {
                        reason: w.reason.clone(),
                        at: w.at.clone(),
                    };
                    out.suppressed.push(Suppressed { finding: f, by });
                    continue;
                }
            }
            let mut by_config = None;
            for (i, e) in self.ignores.iter().enumerate() {
                if !e.matches(&f, &self.file_base) {
                    continue;
                }
                if e.expired(self.today) {
                    expired_hits[i] += 1;
                    continue;
                }
                by_config = Some(WaivedBy::Config {
                    reason: e.reason.clone(),
                    at: e.at.clone(),
                });
                break;
            }
            if let Some(by) = by_config {
                out.suppressed.push(Suppressed { finding: f, by });
                continue;
            }
            let mut absorbed = false;
            if baseline.is_some() || self.record_baseline {
                let file = f.location.as_ref().map(|l| l.file.as_str());
                let entry = BaselineEntry::of(&f, objects.get(&(&f.object, file)).copied());
                absorbed = baseline.as_mut().is_some_and(|b| b.absorb(&entry));
                if self.record_baseline {
                    out.baseline_entries.push(entry);
                }
            }
            if absorbed {
                out.suppressed.push(Suppressed {
                    finding: f,
                    by: WaivedBy::Baseline,
                });
            } else {
                out.reported.push(f);
            }
        }

        for (e, hits) in self.ignores.iter().zip(expired_hits) {
            if let Some(date) = e.expires.filter(|_| e.expired(self.today)) {
                notices.insert(format!(
                    "{}: ignore entry expired on {date}; it no longer applies \
                     ({hits} finding(s) it matched are reported)",
                    e.at
                ));
            }
        }
        out.notices = notices.into_iter().collect();
        out
    }
}

#[cfg(test)]
mod tests;
