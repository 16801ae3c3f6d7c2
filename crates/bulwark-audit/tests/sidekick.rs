//! The falcosidekick-compatible webhook output against local HTTP servers
//! on 127.0.0.1: the body's shape, retry with backoff after a failure, and
//! a receiver that never answers, which must neither block the sender nor
//! lose alerts silently.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use bulwark_audit::sidekick::{Webhook, WebhookOptions, WebhookStats};
use bulwark_audit::{AuditConfig, Engine, Event};
use serde_json::{Value, json};

fn exec_alert() -> bulwark_audit::Alert {
    let ev: Event = serde_json::from_value(json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a-1",
        "stage": "ResponseStarted", "verb": "create",
        "requestURI": "/api/v1/namespaces/default/pods/web/exec?command=sh",
        "user": {"username": "kubernetes-admin", "groups": ["system:masters"]},
        "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl/v1.33",
        "objectRef": {"resource": "pods", "namespace": "default", "name": "web", "subresource": "exec"},
        "responseStatus": {"code": 101}, "stageTimestamp": "2026-01-01T00:00:00Z"
    }))
    .unwrap();
    let mut out = Vec::new();
    Engine::new(AuditConfig::default(), Vec::new()).process(&ev, None, &mut out);
    out.into_iter()
        .find(|a| a.finding.rule_id == "audit-pod-exec-attach")
        .expect("exec alert")
}

/// Answers each request with the next of `codes` (200 after them), and
/// hands over every body received.
fn server(codes: Vec<u16>) -> (String, std::sync::mpsc::Receiver<(Instant, Value)>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/falco", l.local_addr().unwrap());
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut codes = codes.into_iter();
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            let mut line = String::new();
            let mut first = true;
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if first {
                    assert!(line.starts_with("POST /falco "), "{line}");
                    first = false;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let _ = tx.send((Instant::now(), serde_json::from_slice(&body).unwrap()));
            let code = codes.next().unwrap_or(200);
            let _ = write!(s, "HTTP/1.1 {code} X\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (url, rx)
}

#[test]
fn falcosidekick_body_retried_with_backoff() {
    let (url, rx) = server(vec![503, 500]);
    let hook = Webhook::start(
        &url,
        WebhookOptions {
            backoff: Duration::from_millis(100),
            ..Default::default()
        },
    )
    .unwrap();
    hook.send(&exec_alert());
    let (stats, err) = hook.finish(Duration::from_secs(20));
    assert_eq!(
        stats,
        WebhookStats {
            sent: 1,
            failed: 0,
            dropped: 0
        }
    );
    assert_eq!(err.as_deref(), Some("HTTP 500"));
    let got: Vec<(Instant, Value)> = rx.try_iter().collect();
    assert_eq!(got.len(), 3, "two failures, then delivered");
    assert!(got[1].0 - got[0].0 >= Duration::from_millis(100));
    assert!(
        got[2].0 - got[1].0 >= Duration::from_millis(200),
        "backoff doubles"
    );
    let b = &got[2].1;
    assert_eq!(b, &got[0].1, "the same body each time");
    assert_eq!(b["rule"], "audit-pod-exec-attach");
    assert_eq!(b["priority"], "Warning", "medium is Falco's Warning");
    assert_eq!(b["source"], "k8s_audit");
    assert_eq!(b["uuid"], "a-1");
    assert_eq!(b["time"], "2026-01-01T00:00:00Z");
    assert!(
        b["output"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-01T00:00:00Z: Warning ")
    );
    assert!(
        b["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().starts_with('T'))
    );
    let f = &b["output_fields"];
    assert_eq!(f["ka.user.name"], "kubernetes-admin");
    assert_eq!(f["ka.verb"], "create");
    assert_eq!(f["ka.target.subresource"], "exec");
    assert_eq!(f["ka.sourceips"], json!(["10.0.0.1"]));
    assert_eq!(f["ka.resp.code"], 101);
}

#[test]
fn stalled_receiver_never_blocks_and_losses_are_counted() {
    // Accepts connections and never answers.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", l.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for s in l.incoming().take(20) {
            conns.push(s);
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    let hook = Webhook::start(
        &url,
        WebhookOptions {
            queue: 4,
            attempts: 2,
            backoff: Duration::from_millis(50),
            timeout: Duration::from_millis(300),
            ca_pem: None,
        },
    )
    .unwrap();
    let a = exec_alert();
    let t = Instant::now();
    for _ in 0..200 {
        hook.send(&a);
    }
    assert!(t.elapsed() < Duration::from_millis(200), "send never waits");
    let mid = hook.stats();
    assert!(mid.dropped >= 195, "{mid:?}");
    let t = Instant::now();
    let (s, err) = hook.finish(Duration::from_millis(500));
    assert!(t.elapsed() < Duration::from_secs(3), "finish is bounded");
    assert_eq!(s.sent, 0);
    assert_eq!(
        s.sent + s.failed + s.dropped,
        200,
        "every alert accounted: {s:?}"
    );
    assert!(err.is_some());
    drop(held);
}

#[test]
fn bad_urls_refused_clearly() {
    for (u, want) in [
        ("ftp://x/", "http:// or https://"),
        ("http://", "webhook URL"),
        ("not a url", "webhook URL"),
    ] {
        let e = Webhook::start(u, WebhookOptions::default()).err().unwrap();
        assert!(e.contains(want), "{u}: {e}");
    }
}
