//! Throughput of one thread over an audit log, for `bench/audit.sh`.
//!
//! `audit_bench parse FILE`: read lines and parse each into an `Event`
//! (the same reader and parser the engine uses), nothing else: the
//! baseline. `audit_bench detect FILE`: the same plus every detector
//! (with the built-in scan rules and Pod Security on request objects).
//! Prints one JSON line: mode, events, seconds, events/s, peak RSS.
//!
//! Both modes run with mimalloc, the global allocator of the `bulwark`
//! binary that runs the engine in production (crates/bulwark/src/main.rs).

use std::time::Instant;

use bulwark_audit::reader::{Line, Lines, RawLine, open, parse_line};
use bulwark_audit::{AuditConfig, Engine};
use bulwark_core::Analyzer;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: audit_bench parse|detect FILE");
        std::process::exit(2);
    };
    let start = Instant::now();
    let (mut events, mut alerts, mut bad) = (0u64, 0u64, 0u64);
    let input = match open(file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{file}: {e}");
            std::process::exit(2);
        }
    };
    match mode.as_str() {
        "parse" => {
            let mut lines = Lines::new(input);
            while let Ok(Some((_, raw))) = lines.next_line() {
                match raw {
                    RawLine::Text(t) => match parse_line(t) {
                        Line::Events(v) => events += v.len() as u64,
                        Line::Malformed(_) => bad += 1,
                        Line::Blank => {}
                    },
                    RawLine::TooLong(_) => bad += 1,
                }
            }
        }
        "detect" => {
            let analyzers: Vec<Box<dyn Analyzer>> = vec![
                Box::new(bulwark_rules::BuiltinRules::default()),
                Box::new(bulwark_pss::PssAnalyzer::default()),
            ];
            let mut engine = Engine::new(AuditConfig::default(), analyzers);
            if let Err(e) = engine.run(file, input, &mut |_| alerts += 1) {
                eprintln!("{file}: {e}");
            }
            events = engine.stats.events;
            bad = engine.stats.malformed_count;
            eprintln!("alerts by rule: {:?}", engine.stats.alerts_by_rule);
            eprintln!("excluded: {:?}", engine.stats.excluded);
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"mode\":\"{mode}\",\"events\":{events},\"malformed\":{bad},\"alerts\":{alerts},\"seconds\":{secs:.3},\"events_per_s\":{:.0},\"peak_rss_mb\":{:.1}}}",
        events as f64 / secs,
        peak_rss_mb()
    );
}
