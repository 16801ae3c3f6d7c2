//! The one place text from an input leaves the process redacted.
//!
//! Rules redact what they quote ([`crate::redact::redact`]), but a secret
//! can reach an output by other roads: an error that echoes a scalar, a
//! name, an annotation copy, a renderer that prints a field no rule
//! redacted. So every secret value bulwark recognises anywhere (a Secret's
//! `data`/`stringData`, every value a rule or reader redacts) is
//! [`register`]ed here, and every writer the binary uses is a
//! [`ScrubWriter`] (or calls [`scrub`]), which replaces each registered
//! value — raw, base64, and JSON/HTML-escaped — with its redacted form.
//!
//! What is registered: values of at least [`MIN_CHARS`] characters that
//! hold a character other than an ASCII letter, or are at least
//! [`MIN_WORD_CHARS`] long. Shorter or dictionary-like values ("default",
//! "password") would scrub ordinary words from every report; the rules'
//! own redaction still covers them where they quote them. Multi-line
//! values are registered line by line, so no pattern spans a newline and
//! output can be scrubbed as it streams. At most [`MAX_REGISTERED`] values
//! are held (a long-running server sees unbounded input); past that,
//! [`overflowed`] counts what was not registered.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, LazyLock, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

/// Shortest value registered.
pub const MIN_CHARS: usize = 8;
/// Shortest value of ASCII letters only that is registered.
pub const MIN_WORD_CHARS: usize = 20;
/// Most values held.
pub const MAX_REGISTERED: usize = 50_000;

#[derive(Default)]
struct Registry {
    values: HashSet<String>,
    overflow: usize,
    /// Built on first use after a change.
    built: Option<Arc<Automaton>>,
}

struct Automaton {
    ac: Option<AhoCorasick>,
    replacements: Vec<String>,
    longest: usize,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

fn qualifies(line: &str) -> bool {
    let n = line.chars().count();
    n >= MIN_CHARS && (n >= MIN_WORD_CHARS || !line.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Records a secret value so that no output shows it.
pub fn register(secret: &str) {
    let lines: Vec<&str> = secret
        .lines()
        .map(str::trim)
        .filter(|l| qualifies(l))
        .collect();
    if lines.is_empty() {
        return;
    }
    {
        let r = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        if lines.iter().all(|l| r.values.contains(*l)) {
            return;
        }
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    for l in lines {
        if r.values.contains(l) {
            continue;
        }
        if r.values.len() >= MAX_REGISTERED {
            r.overflow += 1;
            continue;
        }
        r.values.insert(l.to_string());
        r.built = None;
    }
}

/// Registers the values of a Secret's `data` (decoded) and `stringData`:
/// every source turns its input into resources, so this sees every Secret
/// a scan reads, before any output is written.
pub fn register_secret_values(value: &serde_json::Value) {
    use base64::Engine as _;
    let core_v1 = value.get("apiVersion").and_then(|v| v.as_str()) == Some("v1");
    if !core_v1 || value.get("kind").and_then(|k| k.as_str()) != Some("Secret") {
        return;
    }
    if let Some(data) = value.get("data").and_then(|d| d.as_object()) {
        for v in data.values().filter_map(|v| v.as_str()) {
            let decoded = base64::engine::general_purpose::STANDARD.decode(v.trim());
            match decoded.ok().and_then(|b| String::from_utf8(b).ok()) {
                Some(text) => register(&text),
                // Binary or not base64: the literal is what an output could show.
                None => register(v),
            }
        }
    }
    if let Some(data) = value.get("stringData").and_then(|d| d.as_object()) {
        for v in data.values().filter_map(|v| v.as_str()) {
            register(v);
        }
    }
}

/// Values seen but not registered because [`MAX_REGISTERED`] were held.
pub fn overflowed() -> usize {
    REGISTRY.read().unwrap_or_else(|e| e.into_inner()).overflow
}

/// The forms a value can take in an output: as is, base64 (as in a
/// Secret's `data`), and escaped by the JSON, HTML/XML renderers.
fn forms(value: &str) -> Vec<String> {
    use base64::Engine as _;
    let mut out = vec![value.to_string()];
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    out.push(b64.trim_end_matches('=').to_string());
    out.push(b64);
    let json = serde_json::to_string(value).unwrap_or_default();
    if let Some(inner) = json.get(1..json.len().saturating_sub(1)) {
        out.push(inner.to_string());
    }
    let html = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    out.push(html.replace("&#39;", "&#x27;"));
    out.push(html);
    out.sort();
    out.dedup();
    out
}

fn automaton() -> Arc<Automaton> {
    if let Some(a) = &REGISTRY.read().unwrap_or_else(|e| e.into_inner()).built {
        return a.clone();
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if let Some(a) = &r.built {
        return a.clone();
    }
    let mut patterns = Vec::new();
    let mut replacements = Vec::new();
    let mut values: Vec<&String> = r.values.iter().collect();
    values.sort();
    for v in values {
        let shown = crate::redact::redacted_form(v);
        for f in forms(v) {
            patterns.push(f);
            replacements.push(shown.clone());
        }
    }
    let longest = patterns.iter().map(String::len).max().unwrap_or(0);
    let ac = (!patterns.is_empty())
        .then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .ok()
        })
        .flatten();
    let a = Arc::new(Automaton {
        ac,
        replacements,
        longest,
    });
    r.built = Some(a.clone());
    a
}

/// `text` with every registered secret replaced by its redacted form.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let a = automaton();
    let Some(ac) = &a.ac else {
        return Cow::Borrowed(text);
    };
    if !ac.is_match(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(ac.replace_all(text, &a.replacements))
}

/// A writer that scrubs registered secrets from what passes through it,
/// however the text is cut into writes: it holds back the end of the text
/// that could still be the start of a secret (never past a newline, which
/// no pattern holds) until more comes or it is flushed.
pub struct ScrubWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> ScrubWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes out what is scrubbed up to `cut` (or further, to the end of
    /// a secret that starts before it).
    fn emit(&mut self, all: bool) -> std::io::Result<()> {
        let a = automaton();
        let len = self.pending.len();
        let mut cut = if all {
            len
        } else {
            let after_newline = self
                .pending
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            len.saturating_sub(a.longest.saturating_sub(1))
                .max(after_newline)
        };
        let mut out = Vec::with_capacity(cut + 64);
        let mut last = 0;
        if let Some(ac) = &a.ac {
            for m in ac.find_iter(&self.pending[..]) {
                if m.start() >= cut {
                    break;
                }
                out.extend_from_slice(&self.pending[last..m.start()]);
                out.extend_from_slice(a.replacements[m.pattern().as_usize()].as_bytes());
                last = m.end();
            }
        }
        cut = cut.max(last);
        out.extend_from_slice(&self.pending[last..cut]);
        self.pending.drain(..cut);
        self.inner.write_all(&out)
    }
}

/// Text held back is written out at the latest when the writer goes away
/// (a failure then has no one to tell: call `flush` to see it).
impl<W: Write> Drop for ScrubWriter<W> {
    fn drop(&mut self) {
        let _ = self.emit(true);
    }
}

impl<W: Write> Write for ScrubWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= 8192 || buf.contains(&b'\n') {
            self.emit(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.emit(true)?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` through a [`ScrubWriter`] in pieces of `step` bytes.
    fn through_writer(text: &str, step: usize) -> String {
        let mut buf = Vec::new();
        {
            let mut w = ScrubWriter::new(&mut buf);
            for chunk in text.as_bytes().chunks(step) {
                w.write_all(chunk).expect("write");
            }
            w.flush().expect("flush");
        }
        String::from_utf8(buf).expect("utf8")
    }

    #[test]
    fn every_form_of_a_registered_value_is_scrubbed_however_the_text_is_cut() {
        use base64::Engine as _;
        let secret = "Scrub\"Me<7781>&";
        register(secret);
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        let text = format!(
            "raw {secret} json {} b64 {b64} html {} end\nnext line {secret}",
            serde_json::to_string(secret).expect("json"),
            "Scrub&quot;Me&lt;7781&gt;&amp;"
        );
        for step in [1, 2, 3, 7, 64, 100_000] {
            let out = through_writer(&text, step);
            assert!(!out.contains("Me<7781"), "step {step}: {out}");
            assert!(!out.contains("Me\\\"<7781"), "step {step}: {out}");
            assert!(!out.contains(&b64), "step {step}: {out}");
            assert!(!out.contains("Me&lt;7781"), "step {step}: {out}");
            assert_eq!(out.matches("(15 chars, redacted)").count(), 5, "{out}");
            assert!(out.starts_with("raw ") && out.contains(" end\nnext line "));
        }
        assert_eq!(scrub(&text), through_writer(&text, 5));
    }

    #[test]
    fn short_and_dictionary_values_are_not_registered() {
        register("default");
        register("passwordpassword");
        register("abc123");
        assert_eq!(
            scrub("default passwordpassword abc123"),
            "default passwordpassword abc123"
        );
        register("hunter2hunter2");
        assert_eq!(
            scrub("x hunter2hunter2 y"),
            "x hun***(14 chars, redacted) y"
        );
    }

    #[test]
    fn multi_line_values_are_registered_line_by_line() {
        register("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQ\nQCx7781lineTwo==\n");
        let out = scrub("key: MIIEvQIBADANBgkqhkiG9w0BAQ and QCx7781lineTwo==");
        assert!(!out.contains("MIIEvQIBADANBgkqhkiG9w0BAQ"), "{out}");
        assert!(!out.contains("QCx7781lineTwo"), "{out}");
    }

    #[test]
    fn text_without_secrets_passes_unchanged() {
        let text = "no secrets here, just text\nand lines\n";
        assert_eq!(through_writer(text, 3), text);
        assert!(matches!(scrub(text), Cow::Borrowed(_)));
    }
}
