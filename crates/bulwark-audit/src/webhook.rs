//! The API server's audit webhook backend: `EventList` batches POSTed over
//! HTTPS (rustls, aws-lc-rs), each event through the same [`Engine`].
//! Bodies are bounded in size and in time; anything that is not an
//! `Event`/`EventList` gets a well-formed `Status` error and is counted.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_core::Location;

use crate::alert::Alert;
use crate::engine::Engine;
use crate::event::Event;

/// Limits of the receiver.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// Largest accepted body. The API server's default batch is 400 events
    /// and its largest event is bounded by its 3 MiB request limit.
    pub body_limit: usize,
    /// Time to receive a whole body.
    pub body_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            body_limit: 64 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// What the handlers share: the engine (events are processed in arrival
/// order) and where alerts go.
pub struct Shared {
    pub engine: Mutex<Engine>,
    pub sink: Mutex<Box<dyn FnMut(Alert) + Send>>,
    batches: Mutex<u64>,
    opts: ServeOptions,
}

impl Shared {
    pub fn new(
        engine: Engine,
        sink: Box<dyn FnMut(Alert) + Send>,
        opts: ServeOptions,
    ) -> Arc<Self> {
        Arc::new(Self {
            engine: Mutex::new(engine),
            sink: Mutex::new(sink),
            batches: Mutex::new(0),
            opts,
        })
    }
}

/// A `metav1.Status` body, what the API server expects from a webhook.
fn status(code: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "status": if code.is_success() { "Success" } else { "Failure" },
        "code": code.as_u16(),
        "message": message.into(),
    });
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(receive)
        .with_state(shared)
        // Bounded here (with a clear 413), not by axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::disable())
}

async fn receive(State(s): State<Arc<Shared>>, req: Request<Body>) -> Response {
    if req.method() != axum::http::Method::POST {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "POST audit.k8s.io/v1 EventList batches here",
        );
    }
    let limit = s.opts.body_limit;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let batch = {
        let mut b = s.batches.lock().unwrap_or_else(|e| e.into_inner());
        *b += 1;
        *b
    };
    let fail = |code: StatusCode, msg: String| {
        // Refused batches are reported as they happen, not only counted:
        // the API server drops a batch it cannot deliver.
        eprintln!("bulwark: audit webhook: {msg}");
        let mut eng = s.engine.lock().unwrap_or_else(|e| e.into_inner());
        eng.malformed("webhook", batch, msg.clone());
        status(code, msg)
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("batch {batch}: body larger than the {limit} byte limit"),
        );
    }
    let body = match tokio::time::timeout(
        s.opts.body_timeout,
        axum::body::to_bytes(req.into_body(), limit),
    )
    .await
    {
        Err(_) => {
            return fail(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "batch {batch}: body not received within {:?}",
                    s.opts.body_timeout
                ),
            );
        }
        Ok(Err(e)) => {
            return fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("batch {batch}: body unreadable or over the {limit} byte limit: {e}"),
            );
        }
        Ok(Ok(b)) => b,
    };
    let events = match serde_json::from_slice::<Event>(&body) {
        Ok(e) if e.kind == "EventList" => e.items,
        Ok(e) if e.kind == "Event" => vec![e],
        Ok(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("batch {batch}: kind {:?} is not an audit EventList", e.kind),
            );
        }
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("batch {batch}: not an audit EventList: {e}"),
            );
        }
    };
    let n = events.len();
    let mut out = Vec::new();
    {
        let mut eng = s.engine.lock().unwrap_or_else(|e| e.into_inner());
        let loc = Location {
            file: format!("webhook batch {batch}"),
            line: None,
            column: None,
        };
        for ev in &events {
            eng.process(ev, Some(&loc), &mut out);
        }
    }
    let mut sink = s.sink.lock().unwrap_or_else(|e| e.into_inner());
    for a in out {
        sink(a);
    }
    status(StatusCode::OK, format!("batch {batch}: {n} events"))
}

/// A running receiver. Stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// PEM certificate chain and key; [`mint`] makes one.
pub struct TlsPem {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
}

/// A throwaway CA and a server certificate signed by it for `names`
/// (DNS names or IP addresses), for local use and tests; the CA's PEM is
/// what clients trust.
pub fn mint(names: &[&str]) -> Result<(TlsPem, String), String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, SanType,
    };
    let e = |e: rcgen::Error| e.to_string();
    let ca_key = KeyPair::generate().map_err(e)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca.distinguished_name
        .push(DnType::CommonName, "bulwark audit webhook CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).map_err(e)?;
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().map_err(e)?;
    let mut p = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    for n in names {
        p.subject_alt_names
            .push(match n.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*n).try_into().map_err(e)?),
            });
    }
    p.distinguished_name
        .push(DnType::CommonName, "bulwark audit webhook");
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = p.signed_by(&key, &issuer).map_err(e)?;
    Ok((
        TlsPem {
            cert: cert.pem().into_bytes(),
            key: key.serialize_pem().into_bytes(),
        },
        ca_cert.pem(),
    ))
}

impl Server {
    /// Serves on `listener` in a thread of its own.
    pub fn start(
        listener: std::net::TcpListener,
        tls: TlsPem,
        shared: Arc<Shared>,
    ) -> std::io::Result<Server> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        let app = router(shared.clone());
        let (tx, rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                let config = match axum_server::tls_rustls::RustlsConfig::from_pem(
                    tls.cert, tls.key,
                )
                .await
                {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let server = match axum_server::tls_rustls::from_tcp_rustls(listener, config) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let _ = tx.send(Ok(()));
                if let Err(e) = server.handle(h).serve(app.into_make_service()).await {
                    eprintln!("bulwark: audit webhook server stopped: {e}");
                }
            });
        });
        rx.recv().map_err(std::io::Error::other)??;
        Ok(Server {
            addr,
            shared,
            handle,
            thread: Some(thread),
        })
    }

    /// Blocks until the server stops.
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops taking connections and waits up to `grace` for the requests
    /// in flight; returns the state, for the account of the run.
    pub fn drain(mut self, grace: Duration) -> Arc<Shared> {
        self.handle.graceful_shutdown(Some(grace));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
