//! The findings as the page's script reads them: rule texts, files and
//! objects once each, then one short array per finding (that is what keeps
//! 10,000 findings under 2 MB).

use std::collections::HashMap;

use bulwark_core::Severity;
use serde::Serialize;

use crate::model::Report;

#[derive(Serialize)]
struct Rule<'a> {
    id: &'a str,
    title: &'a str,
    category: &'a str,
    description: &'a str,
    remediation: &'a str,
    references: &'a [&'a str],
}

#[derive(Serialize)]
struct Payload<'a> {
    /// Severity names, most severe first; a finding holds an index.
    severities: Vec<&'static str>,
    rules: Vec<Rule<'a>>,
    files: Vec<&'a str>,
    objects: Vec<String>,
    /// `[rule, severity, object, file (-1: none), line (0: none), path, message]`.
    findings: Vec<(usize, usize, usize, i64, u32, String, &'a str)>,
}

/// Interns values in first-seen order.
struct Table<K> {
    index: HashMap<K, usize>,
    values: Vec<K>,
}

impl<K: std::hash::Hash + Eq + Clone> Table<K> {
    fn new() -> Self {
        Self {
            index: HashMap::new(),
            values: Vec::new(),
        }
    }

    fn id(&mut self, k: K) -> usize {
        if let Some(&i) = self.index.get(&k) {
            return i;
        }
        let i = self.values.len();
        self.index.insert(k.clone(), i);
        self.values.push(k);
        i
    }
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// The payload as JSON safe to put inside `<script type="application/json">`:
/// no `<`, `>` or `&` appears literally, so no input can close the element.
pub fn json(report: &Report) -> String {
    let mut rules: Table<&str> = Table::new();
    let mut files: Table<&str> = Table::new();
    let mut objects: Table<String> = Table::new();
    let mut findings = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let rule = rules.id(&f.rule_id);
        let object = objects.id(f.object.display());
        let (file, line) = match &f.location {
            Some(l) => (
                i64::try_from(files.id(&l.file)).unwrap_or(-1),
                l.line.unwrap_or(0),
            ),
            None => (-1, 0),
        };
        findings.push((
            rule,
            severity_index(f.severity),
            object,
            file,
            line,
            f.path.to_string(),
            f.message.as_str(),
        ));
    }
    let rules = rules
        .values
        .iter()
        .map(|id| match report.catalog.get(id) {
            Some(m) => Rule {
                id,
                title: m.title,
                category: m.category,
                description: m.description,
                remediation: m.remediation,
                references: m.references,
            },
            None => Rule {
                id,
                title: id,
                category: "",
                description: "",
                remediation: "",
                references: &[],
            },
        })
        .collect();
    let p = Payload {
        severities: Severity::ALL.iter().map(|s| s.as_str()).collect(),
        rules,
        files: files.values,
        objects: objects.values,
        findings,
    };
    let text = serde_json::to_string(&p).unwrap_or_else(|_| "{}".into());
    script_safe(&text)
}

/// `<`, `>` and `&` as JSON escapes (the same string to a JSON parser).
/// They only occur inside JSON strings, so this never breaks the syntax.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_can_close_the_script_element() {
        let s = script_safe(r#"{"m":"</script><img src=x onerror=alert(1)>&amp;"}"#);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["m"], "</script><img src=x onerror=alert(1)>&amp;");
    }
}
