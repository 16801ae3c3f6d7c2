//! `bulwark audit serve` end to end: the binary, its own certificate
//! files, HTTPS on 127.0.0.1, a 400-event batch, malformed bodies, a
//! 100 KB+ event, a body that never finishes; alerts on stdout as JSON
//! lines, refusals on stderr.

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::serve::Running;
use serde_json::{Value, json};

fn serve(args: &[&str]) -> Running {
    let mut all = vec!["audit", "serve", "--no-config", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    common::serve::spawn(&all, "bulwark: audit webhook listening on https://")
}

/// One POST to /audit; `len` is the declared Content-Length.
fn post(addr: SocketAddr, ca_pem: &[u8], body: &[u8], len: usize) -> (u16, Value) {
    let (code, body) = common::serve::request(addr, ca_pem, "POST", "/audit", body, Some(len));
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn event(i: usize) -> Value {
    let exec = i == 7;
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("id-{i}"),
        "stage": if exec { "ResponseStarted" } else { "ResponseComplete" },
        "requestURI": "/api/v1/namespaces/default/pods/web/exec?command=sh",
        "verb": if exec { "create" } else { "get" },
        "user": {"username": "kubernetes-admin"}, "sourceIPs": ["10.0.0.1"],
        "objectRef": {"resource": "pods", "namespace": "default", "name": "web",
                      "subresource": if exec { "exec" } else { "" }},
        "responseStatus": {"code": if exec { 101 } else { 200 }},
        "stageTimestamp": "2026-01-01T00:00:00Z"
    })
}

fn next_json(rx: &Receiver<String>) -> Value {
    let l = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("an alert line");
    serde_json::from_str(&l).unwrap_or_else(|e| panic!("{l}: {e}"))
}

fn stderr_until(rx: &Receiver<String>, want: &str) -> String {
    loop {
        let l = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no stderr line containing {want:?}"));
        if l.contains(want) {
            return l;
        }
    }
}

#[test]
fn serve_with_given_certificate_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, ca) = bulwark_audit::webhook::mint(&["localhost", "127.0.0.1"]).unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &tls.cert).unwrap();
    std::fs::write(&key, &tls.key).unwrap();
    let s = serve(&[
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--body-limit-mib",
        "4",
        "--body-timeout",
        "1",
    ]);
    let ca = ca.as_bytes();

    let items: Vec<Value> = (0..400).map(event).collect();
    let list = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items});
    let body = list.to_string();
    let (code, st) = post(s.addr, ca, body.as_bytes(), body.len());
    assert_eq!(
        (code, st["message"].as_str()),
        (200, Some("batch 1: 400 events"))
    );
    let a = next_json(&s.stdout);
    assert_eq!(a["rule_id"], "audit-pod-exec-attach", "{a}");
    assert_eq!(a["auditID"], "id-7");
    assert_eq!(a["user"]["username"], "kubernetes-admin");
    assert_eq!(a["sourceIPs"], json!(["10.0.0.1"]));
    assert_eq!(a["location"]["file"], "webhook batch 1");

    for (body, want) in [
        (&b"{not json"[..], "not an audit EventList"),
        (&b"[1,2]"[..], "not an audit EventList"),
        (&b"{\"kind\":\"Pod\"}"[..], "kind \"Pod\""),
    ] {
        let (code, st) = post(s.addr, ca, body, body.len());
        assert_eq!(code, 400, "{st}");
        assert_eq!(
            (st["kind"].as_str(), st["code"].as_u64()),
            (Some("Status"), Some(400))
        );
        assert!(st["message"].as_str().unwrap().contains(want), "{st}");
        stderr_until(&s.stderr, want);
    }

    // A ~150 KB event: a config map with a credential among its data.
    let mut big = event(1000);
    big["verb"] = "create".into();
    big["objectRef"] = json!({"resource": "configmaps", "namespace": "default", "name": "big"});
    big["responseStatus"] = json!({"code": 201});
    big["requestObject"] = json!({"kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": "big"},
        "data": {"blob": "x".repeat(150_000), "db": "password=hunter2"}});
    let body = json!({"kind": "EventList", "items": [big]}).to_string();
    assert!(body.len() > 100_000);
    let (code, st) = post(s.addr, ca, body.as_bytes(), body.len());
    assert_eq!(code, 200, "{st}");
    let a = next_json(&s.stdout);
    assert_eq!(a["rule_id"], "audit-configmap-credentials", "{a}");
    assert!(!a.to_string().contains("hunter2"), "values never shown");

    // Over the limit: 413 before reading; a body that stops short: 408
    // once the time bound passes.
    let (code, st) = post(s.addr, ca, b"", 5 * 1024 * 1024);
    assert_eq!((code, st["kind"].as_str()), (413, Some("Status")), "{st}");
    let (code, st) = post(s.addr, ca, b"{\"kind\":", 1000);
    assert_eq!((code, st["kind"].as_str()), (408, Some("Status")), "{st}");
    stderr_until(&s.stderr, "not received within");
}

#[test]
fn serve_refuses_unreadable_certificate_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("tls.crt");
    std::fs::write(&cert, "not a certificate").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["audit", "serve", "--no-config", "--listen", "127.0.0.1:0"])
        .args([
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            cert.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tls.crt"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// SIGTERM (a kubelet stopping the pod): the receiver stops, exits 0 and
/// gives the account of the run, counting the batch it received.
#[cfg(unix)]
#[test]
fn serve_stops_on_sigterm_with_the_account_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    let mut s = serve(&["--ca-out", ca_file.to_str().unwrap()]);
    let ca = std::fs::read(&ca_file).unwrap();
    let items: Vec<Value> = (0..10).map(event).collect();
    let body = json!({"kind": "EventList", "items": items}).to_string();
    let (code, _) = post(s.addr, &ca, body.as_bytes(), body.len());
    assert_eq!(code, 200);
    let pid = i32::try_from(s.child.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = s.child.wait().unwrap();
    let said: Vec<String> = s.stderr.iter().collect();
    assert!(status.success(), "{status:?} {said:?}");
    // A webhook batch is one line of input holding 10 events.
    assert!(
        said.iter()
            .any(|l| l.starts_with("bulwark audit: ") && l.contains(" 10 events,")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|l| l.contains("finishing batches in flight")),
        "{said:?}"
    );
}
