//! The webhook server over real HTTPS on 127.0.0.1, with a rustls client
//! that trusts only the minted CA: verdicts, malformed and oversized
//! bodies, a slow client, concurrent requests, metrics, and a certificate
//! rotated while serving.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bulwark_admission::certs::{self, Lifetimes};
use bulwark_admission::server::{ServeOptions, Server, Shared, Tls};
use bulwark_admission::{AdmissionConfig, Admitter};
use bulwark_filter::Filter;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use serde_json::{Value, json};

fn start(dir: &Path, opts: ServeOptions) -> Server {
    let admitter = Admitter::new(
        vec![Box::new(bulwark_rules::BuiltinRules::default())],
        Filter::new(bulwark_filter::today_utc()),
        AdmissionConfig::default(),
        Default::default(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tls = Tls::SelfSigned {
        dir: dir.to_path_buf(),
        names: vec!["localhost".into(), "127.0.0.1".into()],
        lifetimes: Lifetimes::default(),
    };
    Server::start(listener, tls, Shared::new(Arc::new(admitter), opts)).unwrap()
}

fn client(dir: &Path) -> Arc<rustls::ClientConfig> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(dir.join("ca.crt")).unwrap();
    for c in CertificateDer::pem_slice_iter(&pem) {
        roots.add(c.unwrap()).unwrap();
    }
    Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One HTTP/1.1 request; returns (status, body, the server's certificate).
fn request(
    cfg: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    request_declaring(cfg, addr, method, path, body, body.len())
}

/// [`request`] with a declared Content-Length that may exceed what is sent
/// (a server that refuses by the header answers before the body; sending
/// the rest after it closed would reset the connection and lose the answer).
fn request_declaring(
    cfg: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
    declared: usize,
) -> (u16, String, Vec<u8>) {
    let conn =
        rustls::ClientConnection::new(cfg.clone(), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n",
    );
    tls.write_all(head.as_bytes()).unwrap();
    // The server may answer and close before all of it is read.
    let _ = tls.write_all(body);
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out);
    let cert = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (status, body, cert)
}

fn review(uid: &str, privileged: bool) -> Vec<u8> {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "operation": "CREATE", "namespace": "shop",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "a", "image": "registry.example/a:1",
                "securityContext": {"privileged": privileged, "allowPrivilegeEscalation": privileged,
                    "runAsNonRoot": true}}]}}}})
    .to_string()
    .into_bytes()
}

fn response(body: &str) -> Value {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    v["response"].clone()
}

#[test]
fn answers_over_https_and_survives_bad_clients() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ServeOptions {
        body_limit: 64 * 1024,
        body_timeout: Duration::from_millis(500),
        reload_every: Duration::from_millis(200),
        ..Default::default()
    };
    let server = start(dir.path(), opts);
    let cfg = client(dir.path());
    let addr = server.addr;

    let (code, body, first_cert) = request(&cfg, addr, "POST", "/validate", &review("ok", false));
    assert_eq!(code, 200);
    let r = response(&body);
    assert_eq!(
        (r["uid"].as_str(), r["allowed"].as_bool()),
        (Some("ok"), Some(true)),
        "{r}"
    );

    let (_, body, _) = request(&cfg, addr, "POST", "/validate", &review("bad", true));
    let r = response(&body);
    assert_eq!(r["allowed"], false);
    assert_eq!(r["status"]["code"], 403);
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("privileged-container")
    );

    // Malformed, wrong version, missing object: 200 and a well-formed
    // answer, admitted under the fail-open default, with the reason.
    for (body, want) in [
        (b"{not json".to_vec(), "not JSON"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"v","operation":"CREATE","object":{}}}"#.to_vec(),
            "v1beta1",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"m","operation":"CREATE"}}"#.to_vec(),
            "request.object is missing",
        ),
    ] {
        let (code, text, _) = request(&cfg, addr, "POST", "/validate", &body);
        assert_eq!(code, 200, "{text}");
        let r = response(&text);
        assert_eq!(r["allowed"], true);
        assert!(r["warnings"].to_string().contains(want), "{r}");
    }

    // Over the size limit: refused without reading it all.
    let (code, text, _) = request_declaring(&cfg, addr, "POST", "/validate", b"", 200 * 1024);
    assert_eq!(code, 200);
    assert!(
        response(&text)["warnings"]
            .to_string()
            .contains("byte limit")
    );

    // A client that announces a body and never sends it gets an answer
    // after the body timeout, not a hung connection.
    {
        let conn =
            rustls::ClientConnection::new(cfg.clone(), ServerName::try_from("localhost").unwrap())
                .unwrap();
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, sock);
        tls.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
            .unwrap();
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("not received within"), "{text}");
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    // Concurrent requests all get their own answer.
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let uid = format!("c{i}");
                let (_, body, _) =
                    request(&cfg, addr, "POST", "/validate", &review(&uid, i % 2 == 0));
                let r = response(&body);
                assert_eq!(r["uid"], uid.as_str());
                assert_eq!(r["allowed"], i % 2 == 1);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }

    let (code, _, _) = request(&cfg, addr, "GET", "/readyz", b"");
    assert_eq!(code, 200);
    let (code, text, _) = request(&cfg, addr, "GET", "/metrics", b"");
    assert_eq!(code, 200);
    assert!(
        text.contains(r#"bulwark_admission_requests_total{webhook="validate",operation="CREATE",kind="Pod",decision="denied"} 9"#),
        "{text}"
    );
    assert!(
        text.contains(r#"bulwark_admission_denials_total{rule="privileged-container"} 9"#),
        "{text}"
    );
    assert!(text.contains("bulwark_admission_request_duration_seconds_bucket"));

    // Rotation while serving: a new certificate in the directory (from the
    // same CA) is picked up without a restart.
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "new.example".to_string(),
    ];
    certs::ensure(dir.path(), &names, &Lifetimes::default()).unwrap();
    let mut rotated = false;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let (code, _, cert) = request(&cfg, addr, "GET", "/healthz", b"");
        assert_eq!(code, 200);
        if cert != first_cert {
            rotated = true;
            break;
        }
    }
    assert!(rotated, "the new certificate was not served");
    server.shutdown();
    // Stopped: nothing listens any more.
    assert!(TcpStream::connect(addr).is_err());
}
