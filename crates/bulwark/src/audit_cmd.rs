//! `bulwark audit`: audit events in, alerts out. Wiring only: the
//! detectors live in bulwark-audit; the scan analyzers it reuses on request
//! objects are handed to it here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bulwark_audit::follow::{FollowOptions, follow};
use bulwark_audit::{Alert, AuditConfig, Engine};
use bulwark_core::{Analyzer, Catalog, Severity};

#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Read audit.k8s.io Event JSON lines (files, `.gz`, or - for stdin)
    /// and report alerts.
    Analyze(AnalyzeArgs),
    /// The API server's audit webhook backend: receive EventList POSTs over
    /// HTTPS and print alerts as JSON lines.
    Serve(ServeArgs),
    /// List the detectors with their metadata.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
}

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// Audit log files (`-` for stdin; `*.gz` decompressed).
    #[arg(required = true)]
    pub files: Vec<String>,
    #[arg(long, value_enum, default_value_t = AlertFormat::Jsonl)]
    pub format: AlertFormat,
    /// Report alerts at or above this severity.
    #[arg(long, default_value = "info")]
    pub severity: Severity,
    /// Exit 1 when an alert reaches this severity.
    #[arg(long)]
    pub fail_on: Option<Severity>,
    /// Config file with an `audit:` section (default: .bulwark.yaml found
    /// upward from the working directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Keep reading the (one) file as it grows, surviving rotation.
    #[arg(long)]
    pub follow: bool,
    /// With --follow: stop after this many seconds without new data.
    #[arg(long, requires = "follow")]
    pub idle_exit: Option<f64>,
    #[command(flatten)]
    pub webhook: WebhookArgs,
}

/// Alerts also POSTed to a URL, falcosidekick-compatible.
#[derive(clap::Args, Debug)]
pub struct WebhookArgs {
    /// POST each alert (Falco output JSON) to this http(s) URL, e.g.
    /// falcosidekick's; retried with backoff, never blocking reading.
    #[arg(long)]
    pub webhook: Option<String>,
    /// PEM roots for an https --webhook (default: the system's).
    #[arg(long, requires = "webhook")]
    pub webhook_ca: Option<PathBuf>,
    /// Alerts waiting for delivery; beyond it they are dropped and counted.
    #[arg(long, default_value_t = 10_000, requires = "webhook")]
    pub webhook_queue: usize,
}

impl WebhookArgs {
    fn start(&self) -> Result<Option<bulwark_audit::sidekick::Webhook>, String> {
        let Some(url) = &self.webhook else {
            return Ok(None);
        };
        let ca_pem = match &self.webhook_ca {
            Some(p) => Some(std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?),
            None => None,
        };
        let opts = bulwark_audit::sidekick::WebhookOptions {
            queue: self.webhook_queue,
            ca_pem,
            ..Default::default()
        };
        bulwark_audit::sidekick::Webhook::start(url, opts).map(Some)
    }
}

/// Waits a little for queued alerts, then says what became of them;
/// true when some were not delivered.
fn finish_webhook(hook: Option<bulwark_audit::sidekick::Webhook>) -> bool {
    let Some(h) = hook else { return false };
    let (s, err) = h.finish(Duration::from_secs(30));
    errln!(
        "bulwark audit: webhook: {} sent, {} failed, {} dropped (queue full){}",
        s.sent,
        s.failed,
        s.dropped,
        err.map(|e| format!("; last error: {e}"))
            .unwrap_or_default()
    );
    s.failed > 0 || s.dropped > 0
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:9443")]
    pub listen: std::net::SocketAddr,
    /// PEM certificate chain; without --cert/--key a throwaway CA and
    /// certificate are minted (write the CA with --ca-out to trust it).
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    #[arg(long, conflicts_with = "cert")]
    pub ca_out: Option<PathBuf>,
    /// Largest accepted batch, in MiB.
    #[arg(long, default_value_t = 64)]
    pub body_limit_mib: usize,
    /// Seconds a client has to send a whole batch.
    #[arg(long, default_value_t = 30.0)]
    pub body_timeout: f64,
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    #[command(flatten)]
    pub webhook: WebhookArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertFormat {
    /// One alert per line, as raised (streaming).
    Jsonl,
    Table,
    Sarif,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

pub fn run(cmd: AuditCommand) -> Result<u8, String> {
    match cmd {
        AuditCommand::Rules { format } => {
            let rules = bulwark_audit::detect::all_rules();
            match format {
                RulesFormat::Json => {
                    let s = serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())?;
                    outln!("{s}");
                }
                RulesFormat::Table => {
                    for r in rules {
                        let mitre = r.mappings.mitre.join(",");
                        outln!("{:<46} {:<9} {:<16} {}", r.id, r.severity, mitre, r.title);
                    }
                }
            }
            Ok(0)
        }
        AuditCommand::Analyze(a) => analyze(a),
        AuditCommand::Serve(a) => serve(a),
    }
}

/// The scan analyzers whose rules detectors reuse on request objects.
fn scan_analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(bulwark_rules::BuiltinRules::default()),
        Box::new(bulwark_pss::PssAnalyzer::default()),
    ]
}

fn load_config(config: Option<&Path>, no_config: bool) -> Result<AuditConfig, String> {
    if no_config {
        return Ok(AuditConfig::default());
    }
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
            bulwark_load::config::find_config(&cwd).map_err(|e| e.to_string())?
        }
    };
    let Some(path) = path else {
        return Ok(AuditConfig::default());
    };
    let file = bulwark_load::config::read_config::<bulwark_filter::Config>(&path)
        .map_err(|e| e.to_string())?;
    match &file.value.audit {
        Some(v) => AuditConfig::from_value(v).map_err(|e| {
            format!(
                "{}: audit: {e}",
                file.locate(&bulwark_core::FieldPath::parse("audit"))
            )
        }),
        None => Ok(AuditConfig::default()),
    }
}

fn analyze(a: AnalyzeArgs) -> Result<u8, String> {
    let config = load_config(a.config.as_deref(), a.no_config)?;
    if a.follow && (a.files.len() != 1 || a.files[0] == "-") {
        return Err("--follow takes exactly one file (stdin is followed by reading it)".into());
    }
    let mut engine = Engine::new(config, scan_analyzers());
    let hook = a.webhook.start()?;
    let mut out = std::io::BufWriter::new(crate::out::Stdout);
    let mut kept: Vec<Alert> = Vec::new();
    let mut worst: Option<Severity> = None;
    let mut write_err: Option<std::io::Error> = None;
    let mut unreadable = 0usize;
    {
        let mut sink = |al: Alert| {
            if al.finding.severity < a.severity {
                return;
            }
            worst = worst.max(Some(al.finding.severity));
            if let Some(h) = &hook {
                h.send(&al);
            }
            if a.format == AlertFormat::Jsonl {
                let r = serde_json::to_writer(&mut out, &al)
                    .map_err(std::io::Error::other)
                    .and_then(|_| out.write_all(b"\n"))
                    .and_then(|_| if a.follow { out.flush() } else { Ok(()) });
                if let Err(e) = r {
                    write_err.get_or_insert(e);
                }
            } else {
                kept.push(al);
            }
        };
        if a.follow {
            let opts = FollowOptions {
                poll: Duration::from_millis(200),
                idle_exit: a.idle_exit.map(Duration::from_secs_f64),
                from_end: false,
            };
            if let Err(e) = follow(&mut engine, Path::new(&a.files[0]), opts, &mut sink) {
                errln!("bulwark: {}: {e}", a.files[0]);
                unreadable += 1;
            }
        } else {
            for f in &a.files {
                let label = if f == "-" { "<stdin>" } else { f.as_str() };
                let r = bulwark_audit::reader::open(f)
                    .and_then(|input| engine.run(label, input, &mut sink));
                if let Err(e) = r {
                    errln!("bulwark: {label}: cannot read: {e}");
                    unreadable += 1;
                }
            }
        }
    }
    if let Some(e) = write_err {
        return Err(format!("writing alerts: {e}"));
    }
    match a.format {
        AlertFormat::Jsonl => {}
        AlertFormat::Table => {
            for al in &kept {
                let at = al
                    .finding
                    .location
                    .as_ref()
                    .map(|l| format!("{}:{}", l.file, l.line.unwrap_or(0)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{:<9} {:<44} {:<28} {}\n          {}",
                    al.finding.severity,
                    al.finding.rule_id,
                    al.user.username,
                    at,
                    al.finding.message
                )
                .map_err(|e| e.to_string())?;
            }
        }
        AlertFormat::Sarif => {
            let catalog = Catalog::from_analyzers(&[
                Box::new(bulwark_audit::detect::Detectors) as Box<dyn Analyzer>
            ]);
            let mut by_severity = std::collections::BTreeMap::new();
            for al in &kept {
                *by_severity.entry(al.finding.severity).or_insert(0) += 1;
            }
            let report = bulwark_report::Report {
                tool: bulwark_report::Tool {
                    name: "bulwark",
                    version: env!("CARGO_PKG_VERSION"),
                },
                summary: bulwark_report::Summary {
                    files: a.files.len(),
                    objects: engine.stats.events as usize,
                    // The units of an audit log are its lines.
                    documents: bulwark_core::Tally {
                        read: engine.stats.lines as usize,
                        analysed: engine.stats.event_lines as usize,
                        skipped: engine.stats.blank_lines as usize,
                        failed: engine.stats.malformed_count as usize,
                    },
                    by_severity,
                    ..Default::default()
                },
                findings: kept.into_iter().map(|al| al.finding).collect(),
                catalog,
                compliance: Vec::new(),
            };
            let opts = bulwark_report::RenderOptions {
                width: 100,
                ..Default::default()
            };
            bulwark_report::sarif::render(&report, &opts, &mut out).map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    let balanced = summarize(&engine, true);
    let undelivered = finish_webhook(hook);
    if engine.stats.malformed_count > 0 || unreadable > 0 || undelivered || !balanced {
        return Ok(2);
    }
    Ok(match (a.fail_on, worst) {
        (Some(f), Some(w)) if w >= f => 1,
        _ => 0,
    })
}

fn serve(a: ServeArgs) -> Result<u8, String> {
    use bulwark_audit::webhook::{ServeOptions, Server, Shared, TlsPem, mint};
    let config = load_config(a.config.as_deref(), a.no_config)?;
    let tls = match (&a.cert, &a.key) {
        (Some(c), Some(k)) => TlsPem {
            cert: std::fs::read(c).map_err(|e| format!("{}: {e}", c.display()))?,
            key: std::fs::read(k).map_err(|e| format!("{}: {e}", k.display()))?,
        },
        _ => {
            let ip = a.listen.ip().to_string();
            let (tls, ca) = mint(&["localhost", &ip])?;
            match &a.ca_out {
                Some(p) => std::fs::write(p, ca).map_err(|e| format!("{}: {e}", p.display()))?,
                None => errln!(
                    "bulwark: no --cert/--key: serving a throwaway certificate (use --ca-out FILE to trust it)"
                ),
            }
            tls
        }
    };
    let listener = std::net::TcpListener::bind(a.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
    // Shared with the sink, and taken back at shutdown to deliver what is
    // still queued.
    let hook = std::sync::Arc::new(std::sync::Mutex::new(a.webhook.start()?));
    let sink_hook = hook.clone();
    let sink = Box::new(move |al: Alert| {
        if let Some(h) = sink_hook.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            h.send(&al);
        }
        if let Ok(line) = serde_json::to_string(&al) {
            let mut out = crate::out::Stdout;
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
    let opts = ServeOptions {
        body_limit: a.body_limit_mib.saturating_mul(1024 * 1024),
        body_timeout: Duration::try_from_secs_f64(a.body_timeout)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or("--body-timeout: a positive number of seconds")?,
    };
    let shared = Shared::new(Engine::new(config, scan_analyzers()), sink, opts);
    let server = Server::start(listener, tls, shared).map_err(|e| match &a.cert {
        Some(c) => format!(
            "{} / {}: {e}",
            c.display(),
            a.key.as_deref().unwrap_or(c).display()
        ),
        None => e.to_string(),
    })?;
    let addr = server.addr;
    crate::signals::wait_for_termination(|| {
        errln!("bulwark: audit webhook listening on https://{addr}");
    })?;
    // The API server's batches in flight are finished and their alerts
    // written before the account of the run.
    errln!("bulwark: shutting down, finishing batches in flight");
    let shared = server.drain(Duration::from_secs(10));
    let balanced = summarize(
        &shared.engine.lock().unwrap_or_else(|e| e.into_inner()),
        false,
    );
    let undelivered = finish_webhook(hook.lock().unwrap_or_else(|e| e.into_inner()).take());
    Ok(if undelivered || !balanced { 2 } else { 0 })
}

/// The account of the run, on stderr: nothing read goes uncounted.
/// Returns whether it adds up. `from_lines`: the events came from log
/// lines, each of which is accounted for (a webhook's units are batches).
fn summarize(engine: &Engine, from_lines: bool) -> bool {
    let s = &engine.stats;
    let excluded: u64 = s.excluded.values().sum();
    errln!(
        "bulwark audit: {} lines, {} events, {} excluded as noise, {} malformed, {} alerts",
        s.lines,
        s.events,
        excluded,
        s.malformed_count,
        s.alerts
    );
    // Every line is one of these three: the account must add up.
    let accounted = s.event_lines + s.blank_lines + s.malformed_count;
    let balanced = !from_lines || accounted == s.lines;
    if from_lines {
        errln!(
            "  lines: {} with events, {} blank, {} malformed{}",
            s.event_lines,
            s.blank_lines,
            s.malformed_count,
            if balanced {
                String::new()
            } else {
                format!(
                    " (internal error: {} lines unaccounted)",
                    s.lines.abs_diff(accounted)
                )
            }
        );
    }
    for (reason, n) in &s.excluded {
        errln!("  excluded {n}: {reason}");
    }
    for m in &s.malformed {
        errln!("  {}:{}: {}", m.file, m.line, m.message);
    }
    if s.malformed_count > s.malformed.len() as u64 {
        errln!(
            "  … and {} more malformed lines",
            s.malformed_count - s.malformed.len() as u64
        );
    }
    if s.window_dropped > 0 {
        errln!(
            "  {} window keys not tracked (bounds reached)",
            s.window_dropped
        );
    }
    balanced
}
