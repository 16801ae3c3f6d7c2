//! The detection engine: exclusions, then every detector, per event.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufRead};

use bulwark_core::{Analyzer, Location};
use serde::Serialize;

use crate::alert::Alert;
use crate::config::{AuditConfig, Exclusion};
use crate::detect::{Ctx, falco, scan, window::WindowState};
use crate::event::Event;
use crate::reader::{KEEP_MALFORMED, Line, Lines, Malformed, RawLine, parse_line};

/// What one run saw: nothing a user gave goes uncounted.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub lines: u64,
    pub blank_lines: u64,
    /// Lines that held one event or an `EventList`.
    pub event_lines: u64,
    pub events: u64,
    /// Events excluded as noise, by reason.
    pub excluded: BTreeMap<String, u64>,
    pub malformed_count: u64,
    /// The first [`KEEP_MALFORMED`] malformed lines, with their messages.
    pub malformed: Vec<Malformed>,
    pub alerts: u64,
    pub alerts_by_rule: BTreeMap<String, u64>,
    /// Keys or tuples the bounded windows could not hold.
    pub window_dropped: u64,
}

/// Runs the detectors over a stream of events.
pub struct Engine {
    config: AuditConfig,
    analyzers: Vec<Box<dyn Analyzer>>,
    exclusions: Vec<Exclusion>,
    disabled: HashSet<String>,
    /// The per-event detectors not disabled, decided once (not a set
    /// lookup per rule per event).
    rules: Vec<&'static falco::EventRule>,
    scan_enabled: bool,
    window: WindowState,
    pub stats: Stats,
}

impl Engine {
    /// `analyzers` are the scan analyzers run on request objects (the CLI
    /// passes the built-in rules and Pod Security).
    pub fn new(config: AuditConfig, analyzers: Vec<Box<dyn Analyzer>>) -> Self {
        let exclusions = config.all_exclusions();
        let disabled: HashSet<String> = config.disabled_rules.iter().cloned().collect();
        let rules = falco::RULES
            .iter()
            .filter(|r| !disabled.contains(r.meta.id))
            .collect();
        let scan_enabled = !disabled.contains(scan::META.id);
        Self {
            config,
            analyzers,
            exclusions,
            disabled,
            rules,
            scan_enabled,
            window: WindowState::default(),
            stats: Stats::default(),
        }
    }

    pub fn config(&self) -> &AuditConfig {
        &self.config
    }

    /// Runs every detector on one event, appending its alerts.
    pub fn process(&mut self, ev: &Event, location: Option<&Location>, out: &mut Vec<Alert>) {
        self.process_at(ev, &|| location.cloned(), out);
    }

    /// [`Engine::process`], the location made only for an alert.
    fn process_at(
        &mut self,
        ev: &Event,
        location: &dyn Fn() -> Option<Location>,
        out: &mut Vec<Alert>,
    ) {
        self.stats.events += 1;
        if let Some(x) = self.exclusions.iter().find(|x| x.matches(ev)) {
            // Counted without allocating the reason on every excluded event.
            match self.stats.excluded.get_mut(&x.reason) {
                Some(n) => *n += 1,
                None => {
                    self.stats.excluded.insert(x.reason.clone(), 1);
                }
            }
            return;
        }
        register_secrets(ev);
        let disabled = &self.disabled;
        let is_disabled = |id: &str| !disabled.is_empty() && disabled.contains(id);
        let mut hits = Vec::new();
        {
            let ctx = Ctx::new(&self.config, &self.analyzers, ev);
            for r in &self.rules {
                if let Some(h) = r.run(&ctx, ev) {
                    hits.push(h);
                }
            }
            if self.scan_enabled {
                scan::check(&ctx, ev, &mut hits);
            }
        }
        hits.extend(self.window.observe(&self.config, &is_disabled, ev));
        self.stats.window_dropped = self.window.burst_dropped() + self.window.first_seen_dropped;
        for h in hits {
            self.stats.alerts += 1;
            match self.stats.alerts_by_rule.get_mut(h.rule.id) {
                Some(n) => *n += 1,
                None => {
                    self.stats.alerts_by_rule.insert(h.rule.id.to_string(), 1);
                }
            }
            out.push(Alert::new(h, ev, location()));
        }
    }

    /// Counts a line that is not an audit event.
    pub fn malformed(&mut self, file: &str, line: u64, message: String) {
        self.stats.malformed_count += 1;
        if self.stats.malformed.len() < KEEP_MALFORMED {
            self.stats.malformed.push(Malformed {
                file: file.to_string(),
                line,
                message,
            });
        }
    }

    /// Feeds one raw line (`line` is its 1-based number in `file`).
    pub fn feed(&mut self, file: &str, line: u64, raw: RawLine<'_>, out: &mut Vec<Alert>) {
        self.stats.lines += 1;
        let text = match raw {
            RawLine::Text(t) => t,
            RawLine::TooLong(n) => {
                self.malformed(
                    file,
                    line,
                    format!(
                        "line of {n} bytes is longer than the {} byte limit",
                        crate::reader::MAX_LINE
                    ),
                );
                return;
            }
        };
        match parse_line(text) {
            Line::Blank => self.stats.blank_lines += 1,
            Line::Malformed(m) => self.malformed(file, line, m),
            Line::Events(evs) => {
                self.stats.event_lines += 1;
                let loc = || {
                    Some(Location {
                        file: file.to_string(),
                        line: u32::try_from(line).ok(),
                        column: None,
                    })
                };
                for ev in &evs {
                    self.process_at(ev, &loc, out);
                }
            }
        }
    }

    /// Reads `input` to its end, handing each alert to `sink` as it is
    /// raised. Only a read error stops it; bad lines are counted.
    pub fn run<R: BufRead>(
        &mut self,
        file: &str,
        input: R,
        sink: &mut dyn FnMut(Alert),
    ) -> io::Result<()> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        loop {
            let Some((n, raw)) = lines.next_line()? else {
                return Ok(());
            };
            self.feed(file, n, raw, &mut out);
            for a in out.drain(..) {
                sink(a);
            }
        }
    }
}

/// A Secret's values carried by an event (`RequestResponse` level) are
/// registered for scrubbing, as a scan registers those it reads: no alert
/// or message may show them. Only Secret events are parsed for this.
fn register_secrets(ev: &Event) {
    if ev
        .object_ref
        .as_ref()
        .is_none_or(|r| r.resource != "secrets")
    {
        return;
    }
    for obj in [&ev.request_object, &ev.response_object]
        .into_iter()
        .flatten()
    {
        let v = obj.value();
        bulwark_core::scrub::register_secret_values(v);
        // A list response holds its Secrets as items.
        if let Some(items) = v.get("items").and_then(|i| i.as_array()) {
            for item in items {
                let mut item = item.clone();
                if item.get("kind").is_none() {
                    item["kind"] = "Secret".into();
                    item["apiVersion"] = "v1".into();
                }
                bulwark_core::scrub::register_secret_values(&item);
            }
        }
    }
}
