//! The manifest loader on arbitrary bytes: never a panic, every error
//! names a line, and the input account adds up (every document and list
//! item read is an object, a skip or an error).
#![no_main]

use bulwark_load::{LoadOptions, load_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let l = load_bytes("f.yaml", data, &LoadOptions::default());
    let d = l.summary.documents;
    assert_eq!(d.read, d.analysed + d.skipped + d.failed, "{d:?}");
    assert_eq!(d.analysed, l.resources.len(), "{d:?}");
    for e in &l.summary.errors {
        assert!(e.line.is_none_or(|n| n >= 1), "{e}");
    }
});
