//! `scan --format html` end to end: the page of `examples/insecure` opened
//! in real headless Chromium (Debian `chromium`), with a scripted harness
//! that clicks the filters and reports what the page shows; and the size
//! budget on a scan with more than 10,000 findings.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bulwark(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

/// `scan --format html` of `input` into `out`; findings do not fail it.
fn html_of(input: &str, out: &str) {
    let o = bulwark(&["scan", "--no-config", input, "-f", "html", "-o", out]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{o:?}");
}

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|f| f.is_file())
        })
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: chromium is not installed (.ci/run installs it)"
        );
        eprintln!("skipping: no chromium on PATH");
    }
    found
}

/// Headless Chromium with everything that would reach the network off.
fn headless(bin: &Path, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,2400",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Recorded before the page's own script runs: errors, CSP violations,
/// console errors and any dialog (an injected `alert` would land here).
const HEAD_HARNESS: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) { __errors.push('error: ' + e.message); });
window.addEventListener('securitypolicyviolation', function (e) { __errors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI); });
(function () { var ce = console.error; console.error = function () { __errors.push('console: ' + [].join.call(arguments, ' ')); ce.apply(console, arguments); }; })();
window.alert = function (m) { __errors.push('alert: ' + m); };
</script>"#;

/// After the page's script: what renders, then scripted clicks.
const TAIL_HARNESS: &str = r#"<script>
(function () {
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('#findings-table tbody tr.finding')); }
  var r = {};
  r.ready = document.body.dataset.ready || '';
  r.rows = rows().length;
  r.chart_rects = document.querySelectorAll('svg.chart rect').length;
  r.charts = document.querySelectorAll('svg.chart').length;
  r.shown = document.getElementById('shown').textContent;
  document.querySelector('.sev-toggle[data-sev="low"]').click();
  r.after_low_off = rows().length;
  r.sevs_after_low_off = rows().map(function (t) { return t.dataset.sev; }).filter(function (v, i, a) { return a.indexOf(v) === i; }).sort();
  document.querySelector('.sev-toggle[data-sev="low"]').click();
  var sel = document.getElementById('rule');
  sel.value = 'host-path-volume';
  sel.dispatchEvent(new Event('change'));
  r.rule_rows = rows().map(function (t) { return t.dataset.rule; });
  sel.value = '';
  sel.dispatchEvent(new Event('change'));
  var q = document.getElementById('q');
  q.value = 'docker.sock';
  q.dispatchEvent(new Event('input'));
  r.search_rows = rows().length;
  q.value = '';
  q.dispatchEvent(new Event('input'));
  document.querySelector('#findings-table th[data-key="rule"]').click();
  r.first_rule_sorted = rows()[0].dataset.rule;
  rows()[0].click();
  var d = document.querySelector('#findings-table tr.detail pre');
  r.detail_remediation = d ? d.textContent : '';
  r.errors = window.__errors;
  var pre = document.createElement('pre');
  pre.id = 'harness';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
}());
</script>"#;

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn insecure_example_report_renders_filters_and_sorts_in_chromium() {
    let Some(chrome) = chromium() else { return };
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&out_dir).unwrap();
    let html_path = out_dir.join("insecure.html");
    html_of("examples/insecure", html_path.to_str().unwrap());
    let html = std::fs::read_to_string(&html_path).unwrap();
    // Self-contained: nothing is loaded from anywhere.
    assert!(html.contains("default-src 'none'"));
    for external in ["<link", " src=", "url(", "@import"] {
        assert!(!html.contains(external), "{external}");
    }

    // Framework scores are those of `bulwark compliance`, in the chart and
    // the per-framework summary.
    let c = bulwark(&[
        "compliance",
        "--no-config",
        "--format",
        "json",
        "examples/insecure",
    ]);
    let scores: Value = serde_json::from_slice(&c.stdout).unwrap();
    assert!(html.contains(r#"<figure id="chart-frameworks">"#));
    for fw in scores["frameworks"].as_array().unwrap() {
        let s = fw["score"].as_f64().unwrap();
        let name = format!(
            "{} {}",
            fw["name"].as_str().unwrap(),
            fw["version"].as_str().unwrap()
        );
        // minijinja's HTML escaping of the name.
        let escaped = name.replace('&', "&amp;").replace('/', "&#x2f;");
        let summary = format!("<strong>{escaped}</strong>: {s:?}%");
        assert!(html.contains(&summary), "{summary}");
        assert!(html.contains(&format!(">{s:.1}%</text>")), "{name} {s}");
    }

    // The numbers the page must show, from the same scan as JSON.
    let json = bulwark(&["scan", "--no-config", "examples/insecure", "-f", "json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let total = findings.len();
    assert!(total > 100 && total < 500, "{total}");
    let mut by_sev: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *by_sev.entry(f["severity"].as_str().unwrap()).or_default() += 1;
    }
    let host_path = findings
        .iter()
        .filter(|f| f["rule_id"] == "host-path-volume")
        .count();
    let docker_sock = findings
        .iter()
        .filter(|f| f.to_string().contains("docker.sock"))
        .count();
    let first_rule = findings
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .min()
        .unwrap();

    let harnessed = html
        .replacen("<head>", &format!("<head>{HEAD_HARNESS}"), 1)
        .replacen("</body>", &format!("{TAIL_HARNESS}</body>"), 1);
    let probe = out_dir.join("insecure-harness.html");
    std::fs::write(&probe, harnessed).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&chrome, profile.path())
        .arg("--dump-dom")
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    assert!(dom.status.success(), "{dom:?}");
    let dom = String::from_utf8_lossy(&dom.stdout);
    let start = dom
        .find("<pre id=\"harness\">")
        .unwrap_or_else(|| panic!("the harness did not run: {dom}"));
    let body = &dom[start + "<pre id=\"harness\">".len()..];
    let r: Value = serde_json::from_str(&unescape(&body[..body.find("</pre>").unwrap()])).unwrap();

    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    assert_eq!(r["ready"], "true");
    assert_eq!(r["rows"], total, "{r}");
    assert_eq!(
        r["shown"],
        format!("{total} of {total} matching findings shown ({total} in all)")
    );
    assert!(r["charts"].as_u64().unwrap() >= 3, "{r}");
    assert!(r["chart_rects"].as_u64().unwrap() >= 10, "{r}");
    let low = by_sev.get("low").copied().unwrap_or(0);
    assert!(low > 0);
    assert_eq!(r["after_low_off"], total - low, "{r}");
    let sevs: BTreeSet<&str> = r["sevs_after_low_off"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !sevs.contains("low") && sevs.contains("critical"),
        "{sevs:?}"
    );
    let rule_rows = r["rule_rows"].as_array().unwrap();
    assert_eq!(rule_rows.len(), host_path);
    assert!(rule_rows.iter().all(|v| v == "host-path-volume"));
    assert_eq!(r["search_rows"], docker_sock, "{r}");
    assert_eq!(r["first_rule_sorted"], first_rule);
    assert!(
        r["detail_remediation"]
            .as_str()
            .unwrap()
            .contains("```yaml"),
        "{r}"
    );

    // For humans: what the page looks like.
    let shot = out_dir.join("insecure.png");
    let _ = std::fs::remove_file(&shot);
    let s = headless(&chrome, profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html_path.display()))
        .output()
        .unwrap();
    assert!(s.status.success(), "{s:?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000);
    eprintln!("screenshot: {}", shot.display());
}

/// Input-derived text never becomes markup: an object whose name is HTML
/// is shown as text (the harness would record the alert).
#[test]
fn hostile_names_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("evil.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"</script><img src=x onerror=alert(1)>\"\n  namespace: \"<svg onload=alert(2)>\"\nspec:\n  containers:\n    - name: a\n      image: \"x:latest</script>\"\n      securityContext: {privileged: true}\n",
    )
    .unwrap();
    let out = dir.path().join("r.html");
    html_of(f.to_str().unwrap(), out.to_str().unwrap());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("privileged-container"));
    for raw in ["<img src=x", "<svg onload", "x:latest</script>"] {
        assert!(!html.contains(raw), "{raw} appears unescaped");
    }
    // Exactly the page's own two script elements (data, code) close.
    assert_eq!(html.matches("</script>").count(), 2);
}

/// Budget: under 2 MB per 10,000 findings, on a real scan of more than
/// 10,000 (400 copies of the insecure example's Deployment).
#[test]
fn html_size_stays_within_budget() {
    let template = std::fs::read_to_string(root().join("examples/insecure/api.yaml")).unwrap();
    let first = template.split("\n---").next().unwrap();
    assert!(first.contains("kind: Deployment"), "{first}");
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..400 {
        text.push_str(&first.replacen("name: api", &format!("name: api-{i:03}"), 1));
        text.push_str("\n---\n");
    }
    let input = dir.path().join("many.yaml");
    std::fs::write(&input, text).unwrap();
    let json = bulwark(&["scan", "--no-config", input.to_str().unwrap(), "-f", "json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let n = report["findings"].as_array().unwrap().len();
    assert!(n > 10_000, "{n} findings");
    let out = dir.path().join("r.html");
    html_of(input.to_str().unwrap(), out.to_str().unwrap());
    let size = std::fs::metadata(&out).unwrap().len() as usize;
    let budget = 2_000_000 * n / 10_000;
    assert!(
        size < budget,
        "{size} bytes for {n} findings (budget {budget})"
    );
    eprintln!("{size} bytes for {n} findings");
}

/// The RBAC view: a path from a CI service account through pod creation
/// in kube-system to cluster-admin, each step with its reason; and a
/// credential found in the inputs appears redacted only.
#[test]
fn escalation_paths_are_drawn_and_secrets_stay_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rbac.yaml");
    std::fs::write(
        &f,
        format!(
            "{}---
apiVersion: v1
kind: ConfigMap
metadata: {{name: ci-settings, namespace: ci}}
data:
  AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
",
            common::fixtures::ESCALATION
        ),
    )
    .unwrap();
    let out = dir.path().join("r.html");
    html_of(f.to_str().unwrap(), out.to_str().unwrap());
    let html = std::fs::read_to_string(&out).unwrap();
    let start = html
        .find(r#"<section id="rbac">"#)
        .expect("the RBAC section");
    let rbac = &html[start..start + html[start..].find("</section>").unwrap()];
    let nodes: Vec<&str> = rbac
        .split(r#"<li class="node">"#)
        .skip(1)
        .map(|s| &s[..s.find("</li>").unwrap()])
        .collect();
    assert_eq!(
        nodes,
        [
            "sa:ci&#x2f;deployer",
            "sa:kube-system&#x2f;backup",
            "cluster-admin"
        ]
    );
    assert!(
        rbac.contains("can create pods in namespace kube-system"),
        "{rbac}"
    );
    assert!(html.contains("credential-in-configmap"));
    assert!(
        !html.contains("wJalrXUtnFEMI"),
        "the secret value is in the page"
    );
    assert!(
        !html.contains("EXAMPLEKEY"),
        "the secret value is in the page"
    );
}
