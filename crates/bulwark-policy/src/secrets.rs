//! Secret values kept out of policy messages. A policy's message is the
//! policy author's text, and Rego can print anything it reads (the object
//! under review, or any Secret in `data.inventory`): every value of every
//! Secret in reach, base64 as stored and decoded, is redacted wherever a
//! message quotes it.

use aho_corasick::AhoCorasick;
use base64::Engine;
use bulwark_core::redact::redact;
use serde_json::Value;

/// Values shorter than this are not searched for (they would match
/// ordinary words).
const MIN_LEN: usize = 4;

/// The secret values a set of messages may quote.
pub(crate) struct Secrets {
    values: Vec<String>,
    matcher: Option<AhoCorasick>,
}

fn is_secret(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("Secret")
        && v.get("apiVersion").and_then(Value::as_str) == Some("v1")
}

fn collect(v: &Value, out: &mut Vec<String>) {
    if !is_secret(v) {
        return;
    }
    for key in ["data", "stringData"] {
        let Some(m) = v.get(key).and_then(Value::as_object) else {
            continue;
        };
        for s in m.values().filter_map(Value::as_str) {
            out.push(s.to_string());
            if key == "data"
                && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s.trim())
                && let Ok(text) = String::from_utf8(bytes)
            {
                out.push(text);
            }
        }
    }
}

impl Secrets {
    /// Every Secret value among `objects`.
    pub fn of<'a>(objects: impl Iterator<Item = &'a Value>) -> Secrets {
        let mut values = Vec::new();
        for v in objects {
            collect(v, &mut values);
        }
        values.retain(|s| s.chars().count() >= MIN_LEN);
        // Longest first: a value inside another is redacted with it.
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        let matcher = (!values.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&values)
                    .ok()
            })
            .flatten();
        Secrets { values, matcher }
    }

    /// `msg` with every secret value in it redacted.
    pub fn scrub(&self, msg: String) -> String {
        let Some(ac) = &self.matcher else { return msg };
        if !ac.is_match(&msg) {
            return msg;
        }
        let replacements: Vec<String> = self.values.iter().map(|v| redact(v)).collect();
        ac.replace_all(&msg, &replacements)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_and_decoded_values_are_redacted() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"password": "aHVudGVyMjAyNg=="}, "stringData": {"token": "tok-123456"}});
        let s = Secrets::of([&secret].into_iter());
        let out = s.scrub("pw hunter2026 b64 aHVudGVyMjAyNg== tok tok-123456".into());
        assert!(
            !out.contains("hunter2026")
                && !out.contains("aHVudGVyMjAyNg==")
                && !out.contains("tok-123456"),
            "{out}"
        );
        assert_eq!(s.scrub("nothing here".into()), "nothing here");
    }
}
