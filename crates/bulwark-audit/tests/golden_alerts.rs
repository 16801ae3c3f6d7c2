//! The alerts of a generated log are exactly those of the detectors before
//! the throughput work (issue #14): a speed-up must not change output.
//!
//! The log is `bench/audit_gen.py 20000` (fixed seed 42, so the same file on
//! every run); the digest is FNV-1a 64 over every alert's JSON line (the
//! `Alert` serialization `bulwark audit analyze` prints, each followed by
//! `\n`), in order. `EXPECTED_*` were computed once by this test on main at
//! 53c38a2 (before any change to the engine), and must not be edited to make
//! a change pass.

use std::process::Command;

use bulwark_audit::reader::open;
use bulwark_audit::{AuditConfig, Engine};
use bulwark_core::Analyzer;

const EVENTS: usize = 20_000;
const EXPECTED_ALERTS: u64 = 5422;
const EXPECTED_DIGEST: u64 = 0x685d_dd33_b6e4_ca38;

fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[test]
fn generated_log_alerts_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let gen_script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/audit_gen.py");
    let status = Command::new("python3")
        .arg(gen_script)
        .arg(EVENTS.to_string())
        .arg(&log)
        .status()
        .expect("python3 runs bench/audit_gen.py");
    assert!(status.success(), "audit_gen.py failed: {status}");

    let analyzers: Vec<Box<dyn Analyzer>> = vec![
        Box::new(bulwark_rules::BuiltinRules::default()),
        Box::new(bulwark_pss::PssAnalyzer::default()),
    ];
    let mut engine = Engine::new(AuditConfig::default(), analyzers);
    let input = open(log.to_str().unwrap()).unwrap();
    let (mut n, mut digest) = (0u64, 0xcbf2_9ce4_8422_2325u64);
    // A fixed file name: the location is part of each alert.
    engine
        .run("audit.log", input, &mut |a| {
            n += 1;
            digest = fnv1a(digest, serde_json::to_string(&a).unwrap().as_bytes());
            digest = fnv1a(digest, b"\n");
        })
        .unwrap();
    assert_eq!(engine.stats.events, EVENTS as u64);
    assert_eq!(engine.stats.malformed_count, 0);
    println!("alerts {n} digest {digest:#018x}");
    assert_eq!(
        (n, digest),
        (EXPECTED_ALERTS, EXPECTED_DIGEST),
        "alerts changed"
    );
}
