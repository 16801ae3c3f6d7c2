//! The webhook over HTTPS (axum, rustls with aws-lc-rs): `/validate`,
//! `/mutate`, `/healthz`, `/readyz`, `/metrics`. Every admission answer is
//! an AdmissionReview with HTTP 200, also for a body that cannot be read
//! (allowed per the configured failure mode), so the API server always gets
//! the answer bulwark meant. Bodies are bounded in size and time, headers
//! and TLS handshakes in time, evaluation in time; certificates are
//! reloaded when their files change, and minted again before they expire
//! when bulwark owns them (`--self-signed`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum_server::tls_rustls::RustlsConfig;

use crate::certs::{CertFiles, Lifetimes, Minted};
use crate::decide::{Admitter, Verdict};
use crate::metrics::Metrics;
use crate::review::envelope;

/// Limits and timings of the server.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// Largest accepted body: an AdmissionReview holds the object and the
    /// old object, each up to the API server's 3 MiB request limit.
    pub body_limit: usize,
    /// Time to receive a whole body.
    pub body_timeout: Duration,
    /// Time to receive the request headers (slow clients).
    pub header_timeout: Duration,
    /// Time to judge one request; past it the failure mode answers.
    pub eval_timeout: Duration,
    /// How often certificate files are checked for changes.
    pub reload_every: Duration,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            body_limit: 8 * 1024 * 1024,
            body_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(5),
            eval_timeout: Duration::from_secs(2),
            reload_every: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}

/// Where the serving certificate comes from.
#[derive(Clone, Debug)]
pub enum Tls {
    /// PEM files managed by someone else (cert-manager, a Secret): reloaded
    /// when they change.
    Files { cert: PathBuf, key: PathBuf },
    /// A directory bulwark mints into (see [`crate::certs`]): renewed before
    /// expiry, then reloaded.
    SelfSigned {
        dir: PathBuf,
        names: Vec<String>,
        lifetimes: Lifetimes,
    },
}

impl Tls {
    fn files(&self) -> (PathBuf, PathBuf) {
        match self {
            Tls::Files { cert, key } => (cert.clone(), key.clone()),
            Tls::SelfSigned { dir, .. } => {
                let f = CertFiles::in_dir(dir);
                (f.cert, f.key)
            }
        }
    }

    /// Mints what is due (self-signed only).
    fn renew(&self) -> Result<Minted, String> {
        match self {
            Tls::Files { .. } => Ok(Minted::Reused),
            Tls::SelfSigned {
                dir,
                names,
                lifetimes,
            } => crate::certs::ensure(dir, names, lifetimes),
        }
    }
}

/// What the handlers share.
pub struct Shared {
    pub admitter: Arc<Admitter>,
    pub metrics: Metrics,
    ready: AtomicBool,
    opts: ServeOptions,
}

impl Shared {
    pub fn new(admitter: Arc<Admitter>, opts: ServeOptions) -> Arc<Self> {
        Arc::new(Self {
            admitter,
            metrics: Metrics::default(),
            ready: AtomicBool::new(false),
            opts,
        })
    }
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/validate", any(validate))
        .route("/mutate", any(mutate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(shared)
        // Bounded in the handler (with an AdmissionReview answer), not by
        // axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::disable())
}

async fn readyz(State(s): State<Arc<Shared>>) -> Response {
    if !s.ready.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response();
    }
    match s.admitter.namespaces.readiness() {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why).into_response(),
    }
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

async fn validate(State(s): State<Arc<Shared>>, req: Request<Body>) -> Response {
    handle(s, req, false).await
}

async fn mutate(State(s): State<Arc<Shared>>, req: Request<Body>) -> Response {
    handle(s, req, true).await
}

fn answer(v: &Verdict) -> Response {
    let body = serde_json::to_vec(&envelope(v.response.clone())).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn handle(s: Arc<Shared>, req: Request<Body>, mutating: bool) -> Response {
    let start = Instant::now();
    let webhook = if mutating { "mutate" } else { "validate" };
    let fail = |msg: String| {
        let v = s
            .admitter
            .failure(String::new(), 400, format!("bulwark: {msg}"));
        s.metrics.record(webhook, &v, start.elapsed());
        answer(&v)
    };
    if req.method() != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "POST an admission.k8s.io/v1 AdmissionReview here",
        )
            .into_response();
    }
    let limit = s.opts.body_limit;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return fail(format!("body larger than the {limit} byte limit"));
    }
    let body = match tokio::time::timeout(
        s.opts.body_timeout,
        axum::body::to_bytes(req.into_body(), limit),
    )
    .await
    {
        Err(_) => {
            return fail(format!(
                "body not received within {:?}",
                s.opts.body_timeout
            ));
        }
        Ok(Err(_)) => {
            return fail(format!("body unreadable or over the {limit} byte limit"));
        }
        Ok(Ok(b)) => b,
    };
    let admitter = s.admitter.clone();
    let job = tokio::task::spawn_blocking(move || admitter.review_body(&body, mutating));
    let v = match tokio::time::timeout(s.opts.eval_timeout, job).await {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => s
            .admitter
            .failure(String::new(), 500, "bulwark: evaluation failed".into()),
        // The uid is not known here without decoding again; the API server
        // then applies the webhook's failurePolicy, as for any timeout.
        Err(_) => s.admitter.failure(
            String::new(),
            504,
            format!(
                "bulwark: evaluation took longer than {:?}",
                s.opts.eval_timeout
            ),
        ),
    };
    s.metrics.record(webhook, &v, start.elapsed());
    answer(&v)
}

/// A running server. Shut down (draining) when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn mtime(p: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

impl Server {
    /// Serves on `listener` in a thread of its own (a two-worker runtime:
    /// evaluation runs on blocking threads beside it).
    pub fn start(
        listener: std::net::TcpListener,
        tls: Tls,
        shared: Arc<Shared>,
    ) -> Result<Server, String> {
        tls.renew()?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        let app = router(shared.clone());
        let sh = shared.clone();
        let (tx, rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            rt.block_on(async move {
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                let (cert, key) = tls.files();
                let config = match RustlsConfig::from_pem_file(&cert, &key).await {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(format!("{}: {e}", cert.display())));
                        return;
                    }
                };
                let mut server =
                    match axum_server::tls_rustls::from_tcp_rustls(listener, config.clone()) {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                server
                    .http_builder()
                    .http1()
                    .header_read_timeout(Some(sh.opts.header_timeout));
                tokio::spawn(watch_certs(tls, config, sh.opts.reload_every));
                sh.ready.store(true, Ordering::Relaxed);
                let _ = tx.send(Ok(()));
                if let Err(e) = server.handle(h).serve(app.into_make_service()).await {
                    eprintln!("bulwark: admission server stopped: {e}");
                }
            });
        });
        rx.recv().map_err(|e| e.to_string())??;
        Ok(Server {
            addr,
            shared,
            handle,
            thread: Some(thread),
        })
    }

    /// Stops taking connections, reports not ready, and waits up to the
    /// drain time for requests in flight.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.ready.store(false, Ordering::Relaxed);
        self.handle.graceful_shutdown(Some(self.shared.opts.drain));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Connections being served now.
    pub fn connections(&self) -> usize {
        self.handle.connection_count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Renews (self-signed) and reloads the certificate when its files change.
/// A file that cannot be read keeps the certificate in use: a half-written
/// Secret update never takes the webhook down.
async fn watch_certs(tls: Tls, config: RustlsConfig, every: Duration) {
    let (cert, key) = tls.files();
    let mut seen = (mtime(&cert), mtime(&key));
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let t = tls.clone();
        match tokio::task::spawn_blocking(move || t.renew()).await {
            Ok(Err(e)) => eprintln!("bulwark: certificate renewal failed: {e}"),
            Ok(Ok(Minted::CaAndServer)) => eprintln!(
                "bulwark: minted a new CA: update the webhook configurations' caBundle (bulwark admit manifests)"
            ),
            _ => {}
        }
        let now = (mtime(&cert), mtime(&key));
        if now == seen {
            continue;
        }
        match config.reload_from_pem_file(&cert, &key).await {
            Ok(()) => {
                eprintln!("bulwark: reloaded {}", cert.display());
                seen = now;
            }
            Err(e) => eprintln!(
                "bulwark: keeping the current certificate: {}: {e}",
                cert.display()
            ),
        }
    }
}
