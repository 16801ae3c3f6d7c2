//! The webhook backend over real HTTPS on 127.0.0.1: a 400-event batch (the
//! API server's default), malformed bodies, a 100 KB+ event, an oversized
//! body.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use bulwark_audit::webhook::{ServeOptions, Server, Shared, mint};
use bulwark_audit::{Alert, AuditConfig, Engine};
use rustls::pki_types::{CertificateDer, pem::PemObject};
use serde_json::{Value, json};

fn start(opts: ServeOptions) -> (Server, Vec<u8>, Arc<Mutex<Vec<Alert>>>) {
    let (tls, ca) = mint(&["localhost", "127.0.0.1"]).unwrap();
    let ca = ca.into_bytes();
    let alerts = Arc::new(Mutex::new(Vec::new()));
    let a = alerts.clone();
    let shared = Shared::new(
        Engine::new(AuditConfig::default(), Vec::new()),
        Box::new(move |al| a.lock().unwrap().push(al)),
        opts,
    );
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    (Server::start(l, tls, shared).unwrap(), ca, alerts)
}

fn post(addr: SocketAddr, ca_pem: &[u8], body: &[u8]) -> (u16, Value) {
    post_declared(addr, ca_pem, body, body.len())
}

/// Posts `body` declaring `len` bytes.
fn post_declared(addr: SocketAddr, ca_pem: &[u8], body: &[u8], len: usize) -> (u16, Value) {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem).unwrap())
        .unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(cfg), "localhost".try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(addr).unwrap());
    write!(
        tls,
        "POST /audit HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        len
    )
    .unwrap();
    if let Err(e) = tls.write_all(body) {
        eprintln!("write: {e}");
    }
    let _ = tls.flush();
    let mut resp = Vec::new();
    if let Err(e) = tls.read_to_end(&mut resp) {
        eprintln!("read: {e}");
    }
    let text = String::from_utf8_lossy(&resp).into_owned();
    let code: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (code, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn event(i: usize) -> Value {
    let exec = i == 7;
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("id-{i}"),
        "stage": if exec { "ResponseStarted" } else { "ResponseComplete" },
        "requestURI": "/api/v1/namespaces/default/pods/web/exec?command=sh",
        "verb": if exec { "create" } else { "get" },
        "user": {"username": "alice"}, "sourceIPs": ["10.0.0.1"],
        "objectRef": {"resource": "pods", "namespace": "default", "name": "web",
                      "subresource": if exec { "exec" } else { "" }},
        "responseStatus": {"code": if exec { 101 } else { 200 }},
        "stageTimestamp": "2026-01-01T00:00:00Z"
    })
}

#[test]
fn batches_malformed_bodies_and_large_events() {
    let (server, ca, alerts) = start(ServeOptions {
        body_limit: 4 * 1024 * 1024,
        ..Default::default()
    });
    let items: Vec<Value> = (0..400).map(event).collect();
    let list = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items});
    let (code, st) = post(server.addr, &ca, list.to_string().as_bytes());
    assert_eq!(code, 200, "{st}");
    assert_eq!(st["message"], "batch 1: 400 events");
    {
        let a = alerts.lock().unwrap();
        let exec: Vec<_> = a
            .iter()
            .filter(|a| a.finding.rule_id == "audit-pod-exec-attach")
            .collect();
        assert_eq!(exec.len(), 1);
        assert_eq!(exec[0].audit_id, "id-7");
    }

    for (body, want) in [
        (&b"{not json"[..], "not an audit EventList"),
        (&b"{\"kind\":\"Pod\"}"[..], "kind \"Pod\""),
        (&b""[..], "not an audit EventList"),
    ] {
        let (code, st) = post(server.addr, &ca, body);
        assert_eq!(code, 400, "{st}");
        assert_eq!(st["kind"], "Status");
        assert_eq!(st["status"], "Failure");
        assert!(st["message"].as_str().unwrap().contains(want), "{st}");
    }

    // One event of ~150 KB: a config map with a password among its data.
    let mut big = event(1000);
    big["verb"] = "create".into();
    big["objectRef"] = json!({"resource": "configmaps", "namespace": "default", "name": "big"});
    big["responseStatus"] = json!({"code": 201});
    big["requestObject"] = json!({"kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": "big"},
        "data": {"blob": "x".repeat(150_000), "db": "password=hunter2"}});
    let body = json!({"kind": "EventList", "items": [big]}).to_string();
    assert!(body.len() > 100_000);
    let (code, st) = post(server.addr, &ca, body.as_bytes());
    assert_eq!(code, 200, "{st}");
    {
        let a = alerts.lock().unwrap();
        let cm = a
            .iter()
            .find(|a| a.finding.rule_id == "audit-configmap-credentials")
            .unwrap();
        assert!(
            !cm.finding.message.contains("hunter2"),
            "values never shown"
        );
    }

    // Over the limit: refused with 413 from the declared length, before
    // the body is read; counted.
    let (code, st) = post_declared(server.addr, &ca, b"", 5 * 1024 * 1024);
    assert_eq!(code, 413, "{st}");
    assert_eq!(st["kind"], "Status");

    let eng = server.shared.engine.lock().unwrap();
    assert_eq!(eng.stats.events, 401);
    assert_eq!(eng.stats.malformed_count, 4);
    assert!(eng.stats.malformed.iter().any(|m| m.line == 2));
}
