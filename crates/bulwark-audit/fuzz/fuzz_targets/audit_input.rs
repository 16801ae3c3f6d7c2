//! Arbitrary bytes as an audit log (lines, the reader's path) and as one
//! webhook body (the receiver's parse), through every detector: nothing may
//! panic, and every line is accounted for.
#![no_main]

use bulwark_audit::reader::{Line, parse_line};
use bulwark_audit::{AuditConfig, Engine};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut engine = Engine::new(AuditConfig::default(), Vec::new());
    let mut alerts = 0u64;
    engine
        .run("fuzz", std::io::Cursor::new(data), &mut |_| alerts += 1)
        .expect("reading memory cannot fail");
    let s = &engine.stats;
    assert_eq!(
        s.lines,
        data.split(|&b| b == b'\n').count() as u64 - u64::from(data.ends_with(b"\n") || data.is_empty())
    );
    assert_eq!(s.alerts, alerts);
    // The webhook body path: one document, Event or EventList.
    if let Line::Events(evs) = parse_line(data) {
        let mut out = Vec::new();
        for ev in &evs {
            engine.process(ev, None, &mut out);
        }
    }
});
