//! Alerts POSTed to a URL as falcosidekick-compatible JSON (Falco's own
//! output shape: `output`, `priority`, `rule`, `time`, `source`, `tags`,
//! `output_fields` with `ka.*` fields), so anything behind falcosidekick
//! (or falcosidekick itself) can take them.
//!
//! Delivery never blocks reading: alerts go into a bounded queue drained by
//! one thread that retries with exponential backoff; an alert that finds the
//! queue full is dropped and counted, one that exhausts its retries is
//! counted as failed, and [`Webhook::finish`] reports both.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::Uri;
use bulwark_core::Severity;
use serde_json::{Value, json};

use crate::alert::Alert;

/// How the webhook output behaves.
#[derive(Clone, Debug)]
pub struct WebhookOptions {
    /// Alerts waiting to be sent; beyond it new alerts are dropped (counted).
    pub queue: usize,
    /// Attempts per alert, the first included.
    pub attempts: u32,
    /// Wait before the second attempt; doubled each time, at most 30 s.
    pub backoff: Duration,
    /// Connect, write and read bound of one attempt.
    pub timeout: Duration,
    /// PEM roots for an `https://` URL instead of the system's.
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        Self {
            queue: 10_000,
            attempts: 5,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
            ca_pem: None,
        }
    }
}

/// What became of the alerts handed to the webhook.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WebhookStats {
    pub sent: u64,
    /// Every attempt failed (or the run ended before they were made).
    pub failed: u64,
    /// The queue was full.
    pub dropped: u64,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A running webhook output.
pub struct Webhook {
    tx: Option<SyncSender<String>>,
    counters: Arc<Counters>,
    deadline: Arc<Mutex<Option<Instant>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    tags: HashMap<&'static str, Vec<String>>,
}

struct Target {
    https: bool,
    host: String,
    port: u16,
    path: String,
    tls: Option<Arc<rustls::ClientConfig>>,
}

fn tls_config(ca_pem: Option<&[u8]>) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for c in CertificateDer::pem_slice_iter(pem) {
                let c = c.map_err(|e| format!("webhook CA: {e}"))?;
                roots.add(c).map_err(|e| format!("webhook CA: {e}"))?;
            }
        }
        None => {
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
        }
    }
    if roots.is_empty() {
        return Err("webhook: no trusted roots for https (give a CA file)".into());
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(cfg))
}

impl Target {
    fn parse(url: &str, ca_pem: Option<&[u8]>) -> Result<Target, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("webhook URL {url:?}: {e}"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(format!("webhook URL {url:?}: http:// or https:// expected")),
        };
        let host = uri
            .host()
            .ok_or_else(|| format!("webhook URL {url:?}: no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string());
        let tls = if https {
            Some(tls_config(ca_pem)?)
        } else {
            None
        };
        Ok(Target {
            https,
            host,
            port,
            path,
            tls,
        })
    }

    /// One POST; Ok when the answer is 2xx.
    fn post(&self, body: &str, timeout: Duration) -> Result<(), String> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| format!("{}: {e}", self.host))?
            .next()
            .ok_or_else(|| format!("{}: no address", self.host))?;
        let tcp = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(timeout))
            .and_then(|_| tcp.set_write_timeout(Some(timeout)))
            .map_err(|e| e.to_string())?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: bulwark/{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            self.port,
            env!("CARGO_PKG_VERSION"),
            body.len()
        );
        let mut resp = Vec::new();
        let io = |s: &mut dyn ReadWrite, resp: &mut Vec<u8>| -> std::io::Result<()> {
            s.write_all(head.as_bytes())?;
            s.write_all(body.as_bytes())?;
            s.flush()?;
            // The status line is all that is needed; bounded.
            let mut buf = [0u8; 1024];
            while !resp.windows(2).any(|w| w == b"\r\n") && resp.len() < 8192 {
                let n = s.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                resp.extend_from_slice(&buf[..n]);
            }
            Ok(())
        };
        match (&self.tls, self.https) {
            (Some(cfg), true) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| e.to_string())?;
                let conn =
                    rustls::ClientConnection::new(cfg.clone(), name).map_err(|e| e.to_string())?;
                let mut s = rustls::StreamOwned::new(conn, tcp);
                io(&mut s, &mut resp)
            }
            _ => {
                let mut s = tcp;
                io(&mut s, &mut resp)
            }
        }
        .map_err(|e| e.to_string())?;
        let line = String::from_utf8_lossy(&resp);
        let code: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| "no HTTP status in the answer".to_string())?;
        if (200..300).contains(&code) {
            Ok(())
        } else {
            Err(format!("HTTP {code}"))
        }
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Falco's priority names for bulwark's severities.
pub fn priority(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "Error",
        Severity::Medium => "Warning",
        Severity::Low => "Notice",
        Severity::Info => "Informational",
    }
}

/// The falcosidekick (Falco output) body of one alert.
pub fn body(a: &Alert, tags: &[String]) -> Value {
    let r = a.object_ref.clone().unwrap_or_default();
    let time = a.time.clone().unwrap_or_default();
    json!({
        "uuid": a.audit_id,
        "output": format!("{time}: {} {}", priority(a.finding.severity), a.finding.message),
        "priority": priority(a.finding.severity),
        "rule": a.finding.rule_id,
        "time": time,
        "source": "k8s_audit",
        "hostname": "bulwark",
        "tags": tags,
        "output_fields": {
            "ka.auditid": a.audit_id,
            "ka.stage": a.stage,
            "ka.user.name": a.user.username,
            "ka.user.groups": a.user.groups,
            "ka.impuser.name": a.impersonated_user.as_ref().map(|u| u.username.as_str()),
            "ka.verb": a.verb,
            "ka.uri": a.request_uri,
            "ka.useragent": a.user_agent,
            "ka.sourceips": a.source_ips,
            "ka.target.resource": r.resource,
            "ka.target.subresource": r.subresource,
            "ka.target.namespace": r.namespace,
            "ka.target.name": r.name,
            "ka.resp.code": a.response_code,
            "bulwark.severity": a.finding.severity,
        },
    })
}

fn worker(
    target: Target,
    rx: Receiver<String>,
    opts: WebhookOptions,
    c: Arc<Counters>,
    deadline: Arc<Mutex<Option<Instant>>>,
) {
    let past_deadline = || {
        deadline
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|d| Instant::now() >= d)
    };
    for body in rx {
        let mut wait = opts.backoff;
        let mut ok = false;
        for attempt in 0..opts.attempts.max(1) {
            if past_deadline() {
                *c.last_error.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some("run ended before delivery".into());
                break;
            }
            if attempt > 0 {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(30));
            }
            match target.post(&body, opts.timeout) {
                Ok(()) => {
                    ok = true;
                    break;
                }
                Err(e) => *c.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e),
            }
        }
        let n = if ok { &c.sent } else { &c.failed };
        n.fetch_add(1, Ordering::Relaxed);
    }
}

impl Webhook {
    /// Starts the sender thread for `url` (`http://` or `https://`).
    pub fn start(url: &str, opts: WebhookOptions) -> Result<Webhook, String> {
        let target = Target::parse(url, opts.ca_pem.as_deref())?;
        let (tx, rx) = sync_channel(opts.queue.max(1));
        let counters = Arc::new(Counters::default());
        let deadline = Arc::new(Mutex::new(None));
        let (c, d) = (counters.clone(), deadline.clone());
        let thread = std::thread::Builder::new()
            .name("bulwark-webhook".into())
            .spawn(move || worker(target, rx, opts, c, d))
            .map_err(|e| e.to_string())?;
        let tags = crate::detect::all_rules()
            .into_iter()
            .map(|r| {
                let mut t = vec!["k8s".to_string(), "k8s_audit".to_string()];
                t.extend(r.mappings.mitre.iter().map(|m| m.to_string()));
                (r.id, t)
            })
            .collect();
        Ok(Webhook {
            tx: Some(tx),
            counters,
            deadline,
            thread: Some(thread),
            tags,
        })
    }

    /// Queues one alert; never waits (a full queue drops it, counted).
    pub fn send(&self, a: &Alert) {
        let tags = self
            .tags
            .get(&*a.finding.rule_id)
            .map_or(&[][..], Vec::as_slice);
        let Some(tx) = &self.tx else { return };
        match tx.try_send(body(a, tags).to_string()) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> WebhookStats {
        WebhookStats {
            sent: self.counters.sent.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
        }
    }

    /// Delivers what is queued, trying for at most `grace`, then reports.
    /// The last delivery error, if any, comes with the counts.
    pub fn finish(mut self, grace: Duration) -> (WebhookStats, Option<String>) {
        *self.deadline.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + grace);
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let err = self
            .counters
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (self.stats(), err)
    }
}
