//! Prometheus text exposition (format 0.0.4) of a scan, for node_exporter's
//! textfile collector or a push gateway.
//!
//! Label sets are bounded whatever the input: severity (5 values), rule (the
//! rules that ran), framework (the shipped framework ids) and control status
//! (5 values), and namespace (at most [`MAX_NAMESPACES`], the ones with
//! the most findings; the rest are summed in `bulwark_namespace_findings_other`).
//! No label names an object, a file or a CVE, so a big scan never becomes a
//! big series count. Every rule that ran is listed, with 0 when it found
//! nothing, so a fixed problem shows as a drop to 0 rather than a vanished
//! series.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bulwark_core::Severity;

use crate::model::Report;

/// Namespaces given their own series; findings in the others are summed.
pub const MAX_NAMESPACES: usize = 100;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    gauge(
        out,
        "bulwark_info",
        "The bulwark build that wrote these metrics (always 1).",
    )?;
    writeln!(
        out,
        "bulwark_info{{version=\"{}\"}} 1",
        escape(report.tool.version)
    )?;

    let mut by_severity: BTreeMap<Severity, usize> =
        Severity::ALL.iter().map(|&s| (s, 0)).collect();
    let mut by_rule: BTreeMap<&str, usize> = report.catalog.iter().map(|r| (r.id, 0)).collect();
    // Namespace -> counts per severity; "" for cluster-scoped objects.
    let mut by_ns: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for f in &report.findings {
        *by_severity.entry(f.severity).or_default() += 1;
        *by_rule.entry(&f.rule_id).or_default() += 1;
        let ns = f.object.namespace.as_deref().unwrap_or("");
        by_ns.entry(ns).or_default()[f.severity as usize] += 1;
    }

    gauge(
        out,
        "bulwark_findings",
        "Findings reported (after waivers), by severity.",
    )?;
    for sev in Severity::ALL {
        let n = by_severity.get(&sev).copied().unwrap_or(0);
        writeln!(out, "bulwark_findings{{severity=\"{sev}\"}} {n}")?;
    }

    gauge(
        out,
        "bulwark_rule_findings",
        "Findings reported, by rule; every rule that ran is listed.",
    )?;
    for (rule, n) in &by_rule {
        writeln!(
            out,
            "bulwark_rule_findings{{rule=\"{}\"}} {n}",
            escape(rule)
        )?;
    }

    // The namespaces with the most findings (ties by name) get series.
    let mut ranked: Vec<(&str, [usize; 5])> = by_ns.into_iter().collect();
    ranked.sort_by(|a, b| {
        let total = |c: &[usize; 5]| c.iter().sum::<usize>();
        total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(b.0))
    });
    let rest = ranked.split_off(ranked.len().min(MAX_NAMESPACES));
    ranked.sort_by(|a, b| a.0.cmp(b.0));
    gauge(
        out,
        "bulwark_namespace_findings",
        "Findings reported, by namespace (\"\" for cluster-scoped objects) and severity; \
         only the namespaces with the most findings.",
    )?;
    for (ns, counts) in &ranked {
        for sev in Severity::ALL {
            writeln!(
                out,
                "bulwark_namespace_findings{{namespace=\"{}\",severity=\"{sev}\"}} {}",
                escape(ns),
                counts[sev as usize]
            )?;
        }
    }
    gauge(
        out,
        "bulwark_namespace_findings_other",
        "Findings in namespaces beyond the ones listed in bulwark_namespace_findings, by severity.",
    )?;
    for sev in Severity::ALL {
        let n: usize = rest.iter().map(|(_, c)| c[sev as usize]).sum();
        writeln!(
            out,
            "bulwark_namespace_findings_other{{severity=\"{sev}\"}} {n}"
        )?;
    }
    gauge(
        out,
        "bulwark_namespaces_unlisted",
        "Namespaces with findings that have no series of their own.",
    )?;
    writeln!(out, "bulwark_namespaces_unlisted {}", rest.len())?;

    for (name, help, value) in [
        ("bulwark_files_scanned", "Files read.", s.files),
        ("bulwark_objects_scanned", "Objects analysed.", s.objects),
        (
            "bulwark_inputs_skipped",
            "Inputs that were not objects (not evaluated).",
            s.skipped.len(),
        ),
        (
            "bulwark_input_errors",
            "Inputs that could not be read (not evaluated).",
            s.errors.len(),
        ),
        (
            "bulwark_findings_suppressed",
            "Findings waived by annotations, config or baseline.",
            s.suppressed,
        ),
    ] {
        gauge(out, name, help)?;
        writeln!(out, "{name} {value}")?;
    }
    frameworks(report, out)
}

/// Compliance scores, when the scan computed them: one series per
/// framework that had an evaluated control (a framework with none has no
/// score, and is not written as 0 or 100), and control counts by status.
/// Labels are the shipped framework ids and the five statuses: bounded.
fn frameworks(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.compliance.is_empty() {
        return Ok(());
    }
    gauge(
        out,
        "bulwark_framework_score",
        "Compliance score in percent: the mean over the framework's evaluated automated \
         controls of passed / evaluated objects; only frameworks with an evaluated control.",
    )?;
    for fw in &report.compliance {
        if let Some(s) = fw.score {
            writeln!(
                out,
                "bulwark_framework_score{{framework=\"{}\"}} {s}",
                escape(&fw.id)
            )?;
        }
    }
    gauge(
        out,
        "bulwark_framework_controls",
        "Controls of each scored framework by status (pass, fail, not-evaluated, \
         not-implemented, manual).",
    )?;
    for fw in &report.compliance {
        let n = &fw.counts;
        for (status, count) in [
            ("pass", n.pass),
            ("fail", n.fail),
            ("not-evaluated", n.not_evaluated),
            ("not-implemented", n.not_implemented),
            ("manual", n.manual),
        ] {
            writeln!(
                out,
                "bulwark_framework_controls{{framework=\"{}\",status=\"{status}\"}} {count}",
                escape(&fw.id)
            )?;
        }
    }
    Ok(())
}

fn gauge(out: &mut dyn Write, name: &str, help: &str) -> io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} gauge")
}

/// A label value as the exposition format quotes it: backslash, double
/// quote and line feed escaped; everything else (any UTF-8) as is.
fn escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use bulwark_compliance::{Counts, FrameworkScore};
    use bulwark_core::Severity;

    use crate::sample;
    use crate::{Format, RenderOptions};

    /// Parses `text` with the Prometheus project's own Python client
    /// (`prometheus_client.parser`, Debian's python3-prometheus-client,
    /// installed by .ci/run) and returns every sample as
    /// `name{label=value,...}` -> value. `None` when the parser is missing
    /// outside CI (under CI=1 a missing parser fails the test).
    fn parse(text: &str) -> Option<BTreeMap<String, f64>> {
        const SCRIPT: &str = r#"
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    assert fam.type == "gauge", fam
    for s in fam.samples:
        key = s.name + "{" + ",".join(k + "=" + v for k, v in sorted(s.labels.items())) + "}"
        assert key not in out, "duplicate series " + key
        out[key] = s.value
print(json.dumps(out))
"#;
        let probe = Command::new("/usr/bin/python3")
            .args(["-c", "import prometheus_client.parser"])
            .status();
        if !matches!(probe, Ok(s) if s.success()) {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI: python3-prometheus-client is required (apt-get install python3-prometheus-client)"
            );
            eprintln!("skipped: /usr/bin/python3 with prometheus_client is not installed");
            return None;
        }
        let mut child = Command::new("/usr/bin/python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write to parser");
        let done = child.wait_with_output().expect("parser ran");
        assert!(
            done.status.success(),
            "the parser refused the exposition:\n{}\n---\n{text}",
            String::from_utf8_lossy(&done.stderr)
        );
        Some(serde_json::from_slice(&done.stdout).expect("parser output is JSON"))
    }

    fn render(r: &crate::Report) -> String {
        sample::render(r, Format::Prometheus, &RenderOptions::default())
    }

    #[test]
    fn sample_report_parses_with_the_counts_of_its_findings() {
        let r = sample::report();
        let Some(m) = parse(&render(&r)) else { return };
        // Counted from the findings, not from the output.
        for sev in Severity::ALL {
            let want = r.findings.iter().filter(|f| f.severity == sev).count() as f64;
            assert_eq!(
                m[&format!("bulwark_findings{{severity={sev}}}")],
                want,
                "{sev}"
            );
        }
        for rule in r.catalog.iter() {
            let want = r.findings.iter().filter(|f| f.rule_id == rule.id).count() as f64;
            assert_eq!(
                m[&format!("bulwark_rule_findings{{rule={}}}", rule.id)],
                want
            );
        }
        // The rule that found nothing is still a series.
        assert_eq!(m["bulwark_rule_findings{rule=image-latest-tag}"], 0.0);
        assert_eq!(
            m["bulwark_namespace_findings{namespace=shop,severity=critical}"],
            1.0
        );
        assert_eq!(
            m["bulwark_namespace_findings{namespace=,severity=high}"],
            r.findings
                .iter()
                .filter(|f| f.object.namespace.is_none() && f.severity == Severity::High)
                .count() as f64
        );
        assert_eq!(
            m["bulwark_inputs_skipped{}"],
            r.summary.skipped.len() as f64
        );
        assert_eq!(m["bulwark_input_errors{}"], r.summary.errors.len() as f64);
        assert_eq!(m["bulwark_namespaces_unlisted{}"], 0.0);
        // No label names an object or a file.
        assert!(m.keys().all(|k| !k.contains("api") && !k.contains(".yaml")));
        // No scores were computed: no framework series at all.
        assert!(m.keys().all(|k| !k.starts_with("bulwark_framework")));
    }

    fn framework(id: &str, score: Option<f64>, counts: [usize; 5]) -> FrameworkScore {
        let [pass, fail, not_evaluated, not_implemented, manual] = counts;
        FrameworkScore {
            id: id.into(),
            name: id.to_uppercase(),
            version: "1".into(),
            source: "test".into(),
            score,
            counts: Counts {
                controls: counts.iter().sum(),
                pass,
                fail,
                not_evaluated,
                not_implemented,
                manual,
            },
            controls: Vec::new(),
        }
    }

    #[test]
    fn framework_scores_are_series_only_where_a_control_was_evaluated() {
        let mut r = sample::report();
        r.compliance = vec![
            framework("cis", Some(49.75), [8, 25, 55, 24, 19]),
            // Nothing evaluated: no score series (never 0, never 100).
            framework("hipaa", None, [0, 0, 9, 0, 0]),
            framework("pss", Some(100.0), [21, 0, 0, 0, 0]),
        ];
        let Some(m) = parse(&render(&r)) else { return };
        assert_eq!(m["bulwark_framework_score{framework=cis}"], 49.75);
        assert_eq!(m["bulwark_framework_score{framework=pss}"], 100.0);
        assert!(!m.contains_key("bulwark_framework_score{framework=hipaa}"));
        assert_eq!(
            m["bulwark_framework_controls{framework=cis,status=fail}"],
            25.0
        );
        assert_eq!(
            m["bulwark_framework_controls{framework=cis,status=not-implemented}"],
            24.0
        );
        assert_eq!(
            m["bulwark_framework_controls{framework=hipaa,status=not-evaluated}"],
            9.0
        );
        let series = m
            .keys()
            .filter(|k| k.starts_with("bulwark_framework_controls{"))
            .count();
        assert_eq!(series, 3 * 5);
    }

    #[test]
    fn hostile_namespace_names_round_trip_and_namespaces_are_capped() {
        let mut r = sample::report();
        let hostile = "a\"b\\c\nd}e,f=g";
        let template = r.findings[0].clone();
        r.findings.clear();
        let mut add = |ns: &str, n: usize| {
            for _ in 0..n {
                let mut f = template.clone();
                f.object.namespace = Some(ns.into());
                f.severity = Severity::Critical;
                r.findings.push(f);
            }
        };
        add(hostile, 3);
        for i in 0..super::MAX_NAMESPACES + 20 {
            add(&format!("ns-{i:03}"), 1);
        }
        let text = render(&r);
        let Some(m) = parse(&text) else { return };
        assert_eq!(
            m[&format!("bulwark_namespace_findings{{namespace={hostile},severity=critical}}")],
            3.0
        );
        // The hostile namespace (most findings) plus 99 of the 120 with one.
        let listed = m
            .keys()
            .filter(|k| k.starts_with("bulwark_namespace_findings{") && k.ends_with("critical}"))
            .count();
        assert_eq!(listed, super::MAX_NAMESPACES);
        assert_eq!(m["bulwark_namespaces_unlisted{}"], 21.0);
        assert_eq!(
            m["bulwark_namespace_findings_other{severity=critical}"],
            21.0
        );
        // Ties are broken by name: the last 21 by name are the unlisted ones.
        assert!(m.contains_key("bulwark_namespace_findings{namespace=ns-098,severity=critical}"));
        assert!(!m.contains_key("bulwark_namespace_findings{namespace=ns-099,severity=critical}"));
    }
}
