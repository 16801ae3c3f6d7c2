//! The human report: findings grouped by file and object, wrapped to the
//! terminal width, then the inputs that failed or were skipped, then a
//! one-line summary.
//!
//! ```text
//! deploy/api.yaml
//!   Deployment/shop/api
//!     CRITICAL  21:13   privileged-container
//!       container "api" runs privileged
//!       at spec.template.spec.containers[0].securityContext.privileged
//!
//! 1 finding (1 critical) in 4 objects from 2 files
//! ```

use std::borrow::Cow;
use std::io::{self, Write};

use bulwark_core::{Finding, Severity};
use owo_colors::{OwoColorize, Style};

use crate::RenderOptions;
use crate::group::{by_file, count};
use crate::model::Report;

/// Indent of a finding's message and path under its heading line.
const BODY_INDENT: usize = 6;

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => Style::new().bright_red().bold(),
        Severity::High => Style::new().red(),
        Severity::Medium => Style::new().yellow(),
        Severity::Low => Style::new().cyan(),
        Severity::Info => Style::new().dimmed(),
    }
}

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let p = Painter { color: opts.color };
    let width = opts.width.max(40);
    let mut first = true;
    for group in by_file(&report.findings) {
        if !first {
            writeln!(out)?;
        }
        first = false;
        let file = group.file.map_or("(not from a file)".into(), one_line);
        writeln!(out, "{}", p.paint(&file, Style::new().bold()))?;
        for obj in &group.objects {
            writeln!(out, "  {}", one_line(&obj.object.display()))?;
            for f in &obj.findings {
                finding(out, &p, f, width)?;
            }
        }
    }
    inputs(out, &p, report, width, !first)?;
    if !first || !report.summary.errors.is_empty() || !report.summary.skipped.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(report, &p))
}

fn finding(out: &mut dyn Write, p: &Painter, f: &Finding, width: usize) -> io::Result<()> {
    let at = match &f.location {
        Some(l) => match (l.line, l.column) {
            (Some(line), Some(col)) => format!("{line}:{col}"),
            (Some(line), None) => line.to_string(),
            _ => "-".to_string(),
        },
        None => "-".to_string(),
    };
    let sev = format!("{:<8}", f.severity.as_str().to_ascii_uppercase());
    writeln!(
        out,
        "    {}  {at:<7} {}",
        p.paint(&sev, severity_style(f.severity)),
        one_line(&f.rule_id)
    )?;
    let indent = " ".repeat(BODY_INDENT);
    for line in wrap(&safe(&f.message), width - BODY_INDENT) {
        writeln!(out, "{indent}{line}")?;
    }
    if !f.path.is_root() {
        for line in wrap(&safe(&format!("at {}", f.path)), width - BODY_INDENT) {
            writeln!(out, "{indent}{}", p.paint(&line, Style::new().dimmed()))?;
        }
    }
    Ok(())
}

/// The inputs that were not scanned, so none is lost silently.
fn inputs(
    out: &mut dyn Write,
    p: &Painter,
    report: &Report,
    width: usize,
    after_findings: bool,
) -> io::Result<()> {
    let mut blank = after_findings;
    let mut section = |out: &mut dyn Write, title: &str, style: Style, lines: Vec<String>| {
        if lines.is_empty() {
            return Ok(());
        }
        if blank {
            writeln!(out)?;
        }
        blank = true;
        writeln!(out, "{}", p.paint(title, style))?;
        for l in lines {
            for (i, part) in wrap(&one_line(&l), width - 4).into_iter().enumerate() {
                let indent = if i == 0 { "  " } else { "    " };
                writeln!(out, "{indent}{part}")?;
            }
        }
        io::Result::Ok(())
    };
    let mut errors = report.summary.errors.clone();
    errors.sort();
    section(
        out,
        "Input errors (not scanned):",
        Style::new().red().bold(),
        errors.iter().map(ToString::to_string).collect(),
    )?;
    let mut skipped = report.summary.skipped.clone();
    skipped.sort();
    section(
        out,
        "Skipped:",
        Style::new().yellow(),
        skipped
            .iter()
            .map(|s| format!("{}: {}", s.file, s.reason))
            .collect(),
    )
}

/// `12 findings (2 critical, 5 high) in 34 objects from 9 files; 3
/// suppressed; 1 skipped; 2 input errors`, on one line.
fn summary_line(report: &Report, p: &Painter) -> String {
    let s = &report.summary;
    let n = report.findings.len();
    let mut line = if n == 0 {
        "No findings".to_string()
    } else {
        let by: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|&sev| {
                let k = s.by_severity.get(&sev).copied().unwrap_or_else(|| {
                    report.findings.iter().filter(|f| f.severity == sev).count()
                });
                (k > 0).then(|| p.paint(&format!("{k} {sev}"), severity_style(sev)))
            })
            .collect();
        format!("{} ({})", count(n, "finding"), by.join(", "))
    };
    line.push_str(&format!(
        " in {} from {}",
        count(s.objects, "object"),
        count(s.files, "file")
    ));
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    if s.folded > 0 {
        let what = if s.folded == 1 {
            "its workload"
        } else {
            "their workloads"
        };
        line.push_str(&format!("; {} folded into {what}", s.folded));
    }
    if !s.skipped.is_empty() {
        line.push_str(&format!("; {} skipped", s.skipped.len()));
    }
    if !s.errors.is_empty() {
        let errs = count(s.errors.len(), "input error");
        line.push_str(&format!("; {}", p.paint(&errs, Style::new().red().bold())));
    }
    line
}

/// `s` with control characters (other than newline and tab) written as
/// `\u{1b}`: names and values come from untrusted manifests, and a raw
/// escape sequence must not reach the user's terminal.
fn safe(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if bad(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `s` on one line: every control character, newlines and tabs too,
/// written as `\u{a}`. File and object names come from untrusted input and
/// a newline in one must not print a line of its own (a forged "No
/// findings" summary).
fn one_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Greedy word wrap to `width` characters; a word longer than a line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let sep = usize::from(len > 0);
                if len + sep + word.len() <= width {
                    if sep == 1 {
                        line.push(' ');
                    }
                    line.extend(word.iter());
                    len += sep + word.len();
                    break;
                }
                if len > 0 {
                    lines.push(std::mem::take(&mut line));
                    len = 0;
                    continue;
                }
                let rest = word.split_off(width);
                lines.push(word.into_iter().collect());
                word = rest;
            }
        }
        if len > 0 || lines.is_empty() {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;
    use crate::{Format, RenderOptions};

    fn plain(r: &Report) -> String {
        sample::render(r, Format::Table, &RenderOptions::default())
    }

    #[test]
    fn groups_by_file_then_object_in_line_order() {
        let out = plain(&sample::report());
        let expected = "\
(not from a file)
  ClusterRole/admin-all
    HIGH      -       rbac-wildcard
      rule 0 grants '*' on '*'
      at rules[0]

/repo/k8s/db set.yaml
  StatefulSet/shop/db
    HIGH      12:11   run-as-root
      the pod runs as UID 0 (runAsUser: 0)
      at spec.template.spec.securityContext.runAsUser

deploy/api.yaml
  Deployment/shop/api
    MEDIUM    17:9    run-as-root
      container \"api\" runs as root: neither the container nor the pod sets
      runAsNonRoot: true, and the image's USER cannot be known from the manifest
      alone, so the process may start as UID 0
      at spec.template.spec.containers[0]
    CRITICAL  21:13   privileged-container
      container \"api\" runs privileged
      at spec.template.spec.containers[0].securityContext.privileged
    MEDIUM    30:9    run-as-root
      container \"sidecar\" runs as root
      at spec.template.spec.containers[1]

Input errors (not scanned):
  deploy/broken.yaml:3:5: did not find expected key

Skipped:
  README.md: not a YAML or JSON file

5 findings (1 critical, 2 high, 2 medium) in 5 objects from 3 files; 2 suppressed; 1 skipped; 1 input error
";
        assert_eq!(out, expected);
    }

    #[test]
    fn fits_80_columns_except_the_summary_line() {
        let out = plain(&sample::report());
        let lines: Vec<&str> = out.lines().collect();
        for l in &lines[..lines.len() - 1] {
            assert!(l.chars().count() <= 80, "too wide: {l:?}");
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let r = sample::report();
        assert!(!plain(&r).contains('\x1b'));
        let opts = RenderOptions {
            color: true,
            ..RenderOptions::default()
        };
        let coloured = sample::render(&r, Format::Table, &opts);
        let critical = format!("{}", "CRITICAL".style(severity_style(Severity::Critical)));
        assert!(coloured.contains(&critical), "{coloured}");
        // Same text once the escapes are gone.
        let stripped = strip_ansi(&coloured);
        assert_eq!(stripped, plain(&r));
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn clean_scan_is_one_summary_line() {
        assert_eq!(
            plain(&sample::clean_report()),
            "No findings in 5 objects from 3 files\n"
        );
    }

    #[test]
    fn singular_counts() {
        let mut r = sample::clean_report();
        r.summary.objects = 1;
        r.summary.files = 1;
        r.findings = vec![sample::report().findings.remove(0)];
        r.summary.by_severity.insert(Severity::High, 1);
        assert!(
            plain(&r).ends_with("\n1 finding (1 high) in 1 object from 1 file\n"),
            "{}",
            plain(&r)
        );
    }

    #[test]
    fn escape_sequences_from_manifests_do_not_reach_the_terminal() {
        let mut r = sample::report();
        r.findings[0].object.name = "evil\x1b]0;pwned\x07".into();
        r.findings[0].message = "bad \x1b[2J value".into();
        r.summary.errors[0].message = "odd \u{9b}31m byte".into();
        for color in [false, true] {
            let opts = RenderOptions {
                color,
                ..RenderOptions::default()
            };
            let out = sample::render(&r, Format::Table, &opts);
            assert!(
                out.contains("ClusterRole/evil\\u{1b}]0;pwned\\u{7}"),
                "{out}"
            );
            assert!(out.contains("bad \\u{1b}[2J value"));
            assert!(out.contains("odd \\u{9b}31m byte"));
            assert!(!out.contains('\x07') && !out.contains('\u{9b}'));
            if !color {
                assert!(!out.contains('\x1b'));
            }
        }
    }

    #[test]
    fn newlines_in_names_cannot_forge_lines() {
        let mut r = sample::report();
        r.findings[0].object.name = "x\nNo findings in 0 objects from 0 files".into();
        if let Some(l) = r.findings.iter_mut().find_map(|f| f.location.as_mut()) {
            l.file = "a.yaml\nNo findings".into();
        }
        r.summary.skipped[0].file = "s.md\nNo findings".into();
        let out = plain(&r);
        assert!(!out.lines().any(|l| l.starts_with("No findings")), "{out}");
        assert!(out.contains("x\\u{a}No findings in 0 objects"), "{out}");
        assert!(out.contains("a.yaml\\u{a}No findings"), "{out}");
        assert!(out.contains("s.md\\u{a}No findings"), "{out}");
    }

    #[test]
    fn wrap_breaks_words_and_cuts_long_ones() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh ij", 3), vec!["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("one\ntwo", 20), vec!["one", "two"]);
        assert_eq!(wrap("", 20), vec![""]);
    }
}
