//! `bulwark cves`: the shipped Kubernetes CVE data, where it came from and
//! when, and which of its CVEs affect a given component version.

use bulwark_rules::versions::{self, Component, version};

#[derive(clap::Args, Debug)]
pub struct CvesArgs {
    /// A version to look up (`v1.30.2`, `1.29.3+k3s1`, `v1.11.4`).
    #[arg(long, requires = "component")]
    pub version: Option<String>,
    /// What the version is of: control-plane (what the API server's
    /// /version reports), kube-apiserver, kube-controller-manager,
    /// kube-scheduler, kubelet, kube-proxy, ingress-nginx.
    #[arg(long, value_parser = component_name)]
    pub component: Option<String>,
    #[arg(long, value_enum, default_value_t = CvesFormat::Table)]
    pub format: CvesFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CvesFormat {
    Table,
    Json,
}

fn component_name(s: &str) -> Result<String, String> {
    Component::from_name(s)
        .map(|_| s.to_string())
        .ok_or_else(|| {
            let names: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
            format!("unknown component {s:?}; one of: {}", names.join(", "))
        })
}

/// Exit 0 when nothing known affects the version (or none was asked), 1
/// when something does.
pub fn run(a: CvesArgs) -> Result<u8, String> {
    let feed = versions::feed();
    let component = a.component.as_deref().and_then(Component::from_name);
    let rows: Vec<Row> = match (&a.version, component) {
        (Some(raw), Some(c)) => {
            let v = version::parse(raw).ok_or_else(|| {
                format!("{raw:?} is not a Kubernetes release version (MAJOR.MINOR.PATCH)")
            })?;
            versions::matches(c, &v.semver)
                .into_iter()
                .map(|m| Row {
                    id: m.advisory.id.clone(),
                    summary: m.advisory.summary.trim().to_string(),
                    packages: vec![m.package.to_string()],
                    severity: Some(m.severity().to_string()),
                    score: m.score,
                    fixed: Some(m.hit.remedy()),
                    url: m.advisory.url().map(str::to_string),
                })
                .collect()
        }
        _ => feed
            .vulnerabilities
            .iter()
            .filter(|adv| component.is_none_or(|c| adv.packages().any(|p| c.covers(p))))
            .map(|adv| Row {
                id: adv.id.clone(),
                summary: adv.summary.trim().to_string(),
                packages: adv.packages().map(str::to_string).collect(),
                severity: None,
                score: adv.packages().find_map(|p| adv.score(p)),
                fixed: None,
                url: adv.url().map(str::to_string),
            })
            .collect(),
    };
    let header = format!(
        "Kubernetes CVE feed taken {} (newest record {}; {} records) from {}",
        feed.taken,
        feed.newest_record,
        feed.vulnerabilities.len(),
        feed.source
    );
    match a.format {
        CvesFormat::Json => {
            let v = serde_json::json!({
                "feed": {
                    "source": feed.source,
                    "taken": feed.taken,
                    "newest_record": feed.newest_record,
                    "records": feed.vulnerabilities.len(),
                },
                "query": a.version.as_ref().map(|v| serde_json::json!({
                    "version": v, "component": a.component,
                })),
                "cves": rows.iter().map(Row::json).collect::<Vec<_>>(),
            });
            let s = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
            outln!("{s}");
        }
        CvesFormat::Table => {
            outln!("{header}");
            if let (Some(v), Some(c)) = (&a.version, &a.component) {
                outln!("{c} {v}: {} known CVE(s)", rows.len());
            }
            let asked = a.version.is_some();
            let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rows {
                let score = r.score.map(|s| format!("CVSS {s:.1}")).unwrap_or_default();
                if asked {
                    outln!(
                        "  {:width$}  {:8}  {:8}  {:40}  {}",
                        r.id,
                        r.severity.as_deref().unwrap_or(""),
                        score,
                        r.fixed.as_deref().unwrap_or(""),
                        r.summary
                    );
                } else {
                    outln!(
                        "  {:width$}  {:8}  {}  [{}]",
                        r.id,
                        score,
                        r.summary,
                        r.packages.join(", ")
                    );
                }
            }
        }
    }
    Ok(u8::from(a.version.is_some() && !rows.is_empty()))
}

struct Row {
    id: String,
    summary: String,
    packages: Vec<String>,
    severity: Option<String>,
    score: Option<f64>,
    fixed: Option<String>,
    url: Option<String>,
}

impl Row {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "summary": self.summary,
            "packages": self.packages,
            "severity": self.severity,
            "cvss": self.score,
            "fixed": self.fixed,
            "url": self.url,
        })
    }
}
