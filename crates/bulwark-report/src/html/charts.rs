//! The report's charts as inline SVG: horizontal bars, one row per
//! namespace, rule or framework, with severities as stacked segments.
//! Drawn here so the page needs no script or library to show them; each
//! chart says in text what it shows (`<title>`, `aria-label`, row labels).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use bulwark_core::{ObjectRef, Severity};

use crate::model::Report;
use bulwark_compliance::FrameworkScore;

/// Rows in the namespace and rule charts; the rest are summed in one row.
pub const MAX_ROWS: usize = 12;

const WIDTH: f64 = 640.0;
const LABEL: f64 = 230.0;
const NOTE: f64 = 90.0;
const ROW: f64 = 24.0;

/// One stacked part of a bar.
struct Segment {
    value: f64,
    class: &'static str,
    title: String,
}

struct Bar {
    label: String,
    segments: Vec<Segment>,
    /// Text at the bar's right (`12`, `83%`, `not evaluated`).
    note: String,
}

/// Escapes text for SVG/HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// At most `n` characters, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn hbars(label: &str, bars: &[Bar], max: f64) -> String {
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let area = WIDTH - LABEL - NOTE;
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg class="chart" role="img" aria-label="{l}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{l}</title>"#,
        l = esc(label)
    );
    if bars.is_empty() {
        let _ = write!(
            o,
            r#"<text x="0" y="16" class="muted">nothing to show</text>"#
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = ROW * i as f64 + 4.0;
        let _ = write!(
            o,
            r#"<g><title>{full}</title><text x="{lx}" y="{ty}" text-anchor="end" class="label">{short}</text>"#,
            full = esc(&b.label),
            lx = LABEL - 8.0,
            ty = y + 15.0,
            short = esc(&clip(&b.label, 30)),
        );
        let mut x = LABEL;
        for s in &b.segments {
            if s.value <= 0.0 || max <= 0.0 {
                continue;
            }
            let w = (s.value / max * area).max(1.0);
            let _ = write!(
                o,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h}" class="{c}"><title>{t}</title></rect>"#,
                h = ROW - 6.0,
                c = s.class,
                t = esc(&s.title),
            );
            x += w;
        }
        let _ = write!(
            o,
            r#"<text x="{nx:.1}" y="{ty}" class="note">{n}</text></g>"#,
            nx = x + 6.0,
            ty = y + 15.0,
            n = esc(&b.note),
        );
    }
    o.push_str("</svg>");
    o
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "s-critical",
        Severity::High => "s-high",
        Severity::Medium => "s-medium",
        Severity::Low => "s-low",
        Severity::Info => "s-info",
    }
}

fn stacked(label: String, counts: &BTreeMap<Severity, usize>) -> Bar {
    let total: usize = counts.values().sum();
    Bar {
        label,
        segments: Severity::ALL
            .iter()
            .map(|s| {
                let n = counts.get(s).copied().unwrap_or(0);
                Segment {
                    value: n as f64,
                    class: sev_class(*s),
                    title: format!("{n} {s}"),
                }
            })
            .collect(),
        note: total.to_string(),
    }
}

/// Keeps the `MAX_ROWS - 1` largest rows and sums the rest in one.
fn top_with_rest(mut rows: Vec<(String, BTreeMap<Severity, usize>)>, rest_label: &str) -> Vec<Bar> {
    let total = |c: &BTreeMap<Severity, usize>| c.values().sum::<usize>();
    rows.sort_by(|a, b| total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(&b.0)));
    let mut bars = Vec::new();
    if rows.len() > MAX_ROWS {
        let rest = rows.split_off(MAX_ROWS - 1);
        let n = rest.len();
        let mut sum = BTreeMap::new();
        for (_, c) in rest {
            for (s, k) in c {
                *sum.entry(s).or_insert(0) += k;
            }
        }
        bars.extend(rows.into_iter().map(|(l, c)| stacked(l, &c)));
        // Said, not drawn: a sum of many would dwarf every bar above it.
        let mut rest = stacked(format!("{n} other {rest_label}"), &sum);
        rest.segments.clear();
        rest.note = format!("{} findings in all", total(&sum));
        bars.push(rest);
    } else {
        bars.extend(rows.into_iter().map(|(l, c)| stacked(l, &c)));
    }
    bars
}

fn max_total(bars: &[Bar]) -> f64 {
    bars.iter()
        .map(|b| b.segments.iter().map(|s| s.value).sum::<f64>())
        .fold(0.0, f64::max)
}

/// Findings per namespace, stacked by severity.
pub fn severity_by_namespace(report: &Report) -> String {
    let mut by: HashMap<&str, BTreeMap<Severity, usize>> = HashMap::new();
    for f in &report.findings {
        let ns = f.object.namespace.as_deref().unwrap_or("(cluster-scoped)");
        *by.entry(ns).or_default().entry(f.severity).or_insert(0) += 1;
    }
    let rows = by.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let bars = top_with_rest(rows, "namespaces");
    hbars(
        "Findings per namespace, by severity",
        &bars,
        max_total(&bars),
    )
}

/// The rules with the most findings.
pub fn top_rules(report: &Report) -> String {
    let mut by: HashMap<&str, BTreeMap<Severity, usize>> = HashMap::new();
    for f in &report.findings {
        *by.entry(&f.rule_id)
            .or_default()
            .entry(f.severity)
            .or_insert(0) += 1;
    }
    let rows = by.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let bars = top_with_rest(rows, "rules");
    hbars("Rules with the most findings", &bars, max_total(&bars))
}

/// The scanned objects by their worst finding (clean ones included).
pub fn objects_by_worst(report: &Report) -> String {
    let mut worst: HashMap<&ObjectRef, Severity> = HashMap::new();
    for f in &report.findings {
        let w = worst.entry(&f.object).or_insert(f.severity);
        *w = (*w).max(f.severity);
    }
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for s in worst.values() {
        *counts.entry(*s).or_insert(0) += 1;
    }
    let clean = report.summary.objects.saturating_sub(worst.len());
    let mut bars: Vec<Bar> = Severity::ALL
        .iter()
        .map(|s| {
            let n = counts.get(s).copied().unwrap_or(0);
            Bar {
                label: format!("worst finding {s}"),
                segments: vec![Segment {
                    value: n as f64,
                    class: sev_class(*s),
                    title: format!("{n} objects whose worst finding is {s}"),
                }],
                note: n.to_string(),
            }
        })
        .collect();
    bars.push(Bar {
        label: "no finding".into(),
        segments: vec![Segment {
            value: clean as f64,
            class: "s-clean",
            title: format!("{clean} objects with no finding"),
        }],
        note: clean.to_string(),
    });
    let max = bars
        .iter()
        .flat_map(|b| b.segments.iter().map(|s| s.value))
        .fold(0.0, f64::max);
    hbars(
        &format!(
            "The {} scanned objects by their worst finding",
            report.summary.objects
        ),
        &bars,
        max,
    )
}

/// Framework scores; a framework with nothing evaluated says so instead of
/// drawing a bar.
pub fn framework_scores(frameworks: &[FrameworkScore]) -> String {
    let bars: Vec<Bar> = frameworks
        .iter()
        .map(|f| match f.score {
            Some(s) => Bar {
                label: format!("{} {}", f.name, f.version),
                segments: vec![Segment {
                    value: s,
                    class: if s >= 90.0 {
                        "score-good"
                    } else if s >= 60.0 {
                        "score-fair"
                    } else {
                        "score-poor"
                    },
                    title: format!("{s:.1}%: the mean over the evaluated controls"),
                }],
                note: format!("{s:.1}%"),
            },
            None => Bar {
                label: format!("{} {}", f.name, f.version),
                segments: Vec::new(),
                note: "not evaluated".into(),
            },
        })
        .collect();
    hbars("Compliance framework scores", &bars, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_clipped() {
        let bars = vec![Bar {
            label: "<script>alert(1)</script>-a-very-long-namespace-name-indeed".into(),
            segments: vec![Segment {
                value: 3.0,
                class: "s-high",
                title: "3 \"high\"".into(),
            }],
            note: "3".into(),
        }];
        let svg = hbars("t", &bars, 3.0);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt;-a-very-long-namespace-name-indeed</title>"
        ));
        assert!(svg.contains("3 &quot;high&quot;"));
        assert!(svg.contains('…'));
    }

    #[test]
    fn many_namespaces_keep_the_chart_bounded() {
        let rows: Vec<(String, BTreeMap<Severity, usize>)> = (0..50)
            .map(|i| {
                (
                    format!("ns-{i:02}"),
                    BTreeMap::from([(Severity::Low, i + 1)]),
                )
            })
            .collect();
        let bars = top_with_rest(rows, "namespaces");
        assert_eq!(bars.len(), MAX_ROWS);
        assert_eq!(bars[0].label, "ns-49");
        assert_eq!(bars[MAX_ROWS - 1].label, "39 other namespaces");
        assert!(bars[MAX_ROWS - 1].segments.is_empty());
        // 1 + 2 + ... + 39
        assert_eq!(
            bars[MAX_ROWS - 1].note,
            format!("{} findings in all", (1..=39).sum::<usize>())
        );
    }
}
