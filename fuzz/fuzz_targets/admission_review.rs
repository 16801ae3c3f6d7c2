//! Arbitrary bytes as an AdmissionReview body, through the validating and
//! the mutating answer, with the built-in rules and Pod Security: never a
//! panic, always a response naming a uid (empty when none was readable).
#![no_main]

use std::sync::OnceLock;

use bulwark_admission::{AdmissionConfig, Admitter};
use libfuzzer_sys::fuzz_target;

fn admitter() -> &'static Admitter {
    static A: OnceLock<Admitter> = OnceLock::new();
    A.get_or_init(|| {
        Admitter::new(
            vec![
                Box::new(bulwark_rules::BuiltinRules),
                Box::new(bulwark_pss::PssAnalyzer::default()),
            ],
            bulwark_filter::Filter::new(bulwark_filter::today_utc()),
            AdmissionConfig {
                mutate: bulwark_admission::mutate::MUTATIONS
                    .iter()
                    .map(|m| m.rule.to_string())
                    .collect(),
                ..Default::default()
            },
            Default::default(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let a = admitter();
    for mutating in [false, true] {
        let v = a.review_body(data, mutating);
        let _ = serde_json::to_vec(&bulwark_admission::review::envelope(v.response));
    }
});
