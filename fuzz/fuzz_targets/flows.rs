//! The flow reader on arbitrary text: every line is a flow or an error
//! naming its line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (flows, errors) = bulwark_netpol::flows::parse_flows(text);
    let lines = text.lines().count();
    assert!(flows.len() + errors.len() <= lines);
    assert!(flows.iter().all(|f| f.line >= 1 && f.line <= lines));
});
