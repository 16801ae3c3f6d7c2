//! Streaming behaviour: windows, learning, follow across rotation.

use std::io::Write;
use std::time::Duration;

use bulwark_audit::follow::{FollowOptions, follow};
use bulwark_audit::{AuditConfig, Engine};
use serde_json::{Value, json};

fn ev(user: &str, ip: &str, verb: &str, res: &str, sub: &str, code: i64, secs: u64) -> Value {
    let t = format!("2026-01-01T00:{:02}:{:02}Z", secs / 60, secs % 60);
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": format!("a{secs}{user}"),
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/namespaces/ns1/{res}"),
        "verb": verb, "user": {"username": user}, "sourceIPs": [ip], "userAgent": "curl/8",
        "objectRef": {"resource": res, "namespace": "ns1", "name": "n", "subresource": sub},
        "responseStatus": {"code": code}, "stageTimestamp": t
    })
}

fn run(engine: &mut Engine, events: &[Value]) -> Vec<bulwark_audit::Alert> {
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    let mut out = Vec::new();
    engine
        .run("mem", std::io::Cursor::new(text), &mut |a| out.push(a))
        .unwrap();
    out
}

fn ids(alerts: &[bulwark_audit::Alert], id: &str) -> Vec<String> {
    alerts
        .iter()
        .filter(|a| a.finding.rule_id == id)
        .map(|a| a.finding.message.clone())
        .collect()
}

#[test]
fn bursts_fire_at_threshold_within_window_with_top_offenders() {
    let mut cfg = AuditConfig::default();
    cfg.burst.threshold = 5;
    cfg.burst.window_secs = 10.0;
    let mut engine = Engine::new(cfg, Vec::new());
    let mut evs = Vec::new();
    // 4 failures from one IP spread over 40s: never 5 within 10s.
    for i in 0..4 {
        evs.push(ev(
            "mallory",
            "203.0.113.9",
            "get",
            "secrets",
            "",
            403,
            i * 10,
        ));
    }
    // then one from another address, and 5 within 5s by two users from the first.
    evs.push(ev("eve", "198.51.100.1", "get", "pods", "", 401, 99));
    for i in 0..5 {
        let u = if i % 2 == 0 { "eve" } else { "trudy" };
        evs.push(ev(u, "203.0.113.9", "get", "secrets", "", 401, 100 + i));
    }
    let alerts = run(&mut engine, &evs);
    let ip = ids(&alerts, "audit-auth-failure-burst-source-ip");
    assert_eq!(ip.len(), 1, "{alerts:#?}");
    assert!(
        ip[0].starts_with("5 refused requests (401/403) by source IP 203.0.113.9"),
        "{}",
        ip[0]
    );
    assert!(
        ip[0].contains("198.51.100.1 (1)"),
        "top offenders name the other IP: {}",
        ip[0]
    );
    // per user: eve has 3, trudy 2: below threshold.
    assert!(ids(&alerts, "audit-auth-failure-burst-user").is_empty());
    // per user agent: the 6 within 10s share curl/8 (the 5th fires, the 6th starts over).
    assert_eq!(ids(&alerts, "audit-auth-failure-burst-user-agent").len(), 1);
}

#[test]
fn first_seen_after_learning_only() {
    let mut cfg = AuditConfig::default();
    cfg.first_seen.learning_secs = 60.0;
    let mut engine = Engine::new(cfg, Vec::new());
    let alerts = run(
        &mut engine,
        &[
            ev("alice", "10.0.0.1", "get", "pods", "", 200, 0),
            ev("alice", "10.0.0.1", "list", "pods", "", 200, 30),
            ev("alice", "10.0.0.1", "get", "pods", "", 200, 90), // learnt
            ev("alice", "10.0.0.1", "delete", "pods", "", 200, 95), // new
            ev("alice", "10.0.0.1", "delete", "pods", "", 200, 96), // seen now
        ],
    );
    let fs = ids(&alerts, "audit-first-seen-activity");
    assert_eq!(fs.len(), 1, "{fs:?}");
    assert!(fs[0].contains("alice did delete on pods in ns1"));
}

#[test]
fn token_requests_and_impersonation_by_unusual_subjects() {
    let mut cfg = AuditConfig::default();
    cfg.first_seen.learning_secs = 10.0;
    let mut engine = Engine::new(cfg, Vec::new());
    let mut imp = ev("ci-bot", "10.0.0.1", "get", "pods", "", 200, 30);
    imp["impersonatedUser"] = json!({"username": "admin", "groups": ["system:masters"]});
    let mut imp_learnt = ev("ops", "10.0.0.1", "get", "pods", "", 200, 1);
    imp_learnt["impersonatedUser"] = json!({"username": "admin"});
    let mut imp_again = imp_learnt.clone();
    imp_again["stageTimestamp"] = "2026-01-01T00:00:40Z".into();
    let alerts = run(
        &mut engine,
        &[
            ev(
                "system:node:n1",
                "10.0.0.1",
                "create",
                "serviceaccounts",
                "token",
                201,
                0,
            ),
            imp_learnt,
            ev(
                "system:node:n1",
                "10.0.0.1",
                "create",
                "serviceaccounts",
                "token",
                201,
                20,
            ),
            ev(
                "mallory",
                "10.0.0.1",
                "create",
                "serviceaccounts",
                "token",
                201,
                21,
            ),
            imp,
            imp_again,
        ],
    );
    let tok = ids(&alerts, "audit-unusual-token-request");
    assert_eq!(tok.len(), 1, "{tok:?}");
    assert!(tok[0].starts_with("mallory requested a token"));
    let im = ids(&alerts, "audit-unusual-impersonation");
    assert_eq!(im.len(), 1, "{im:?}");
    assert!(im[0].starts_with("ci-bot impersonated admin"));
}

#[test]
fn follow_survives_rename_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let exec = |n: u64| {
        let mut e = ev("alice", "10.0.0.1", "create", "pods", "exec", 101, n);
        e["stage"] = "ResponseStarted".into();
        format!("{e}\n")
    };
    std::fs::write(&path, exec(1)).unwrap();
    let p2 = path.clone();
    let first = exec(2);
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        // a line written in two pieces is parsed once, whole
        let mut f = std::fs::OpenOptions::new().append(true).open(&p2).unwrap();
        let (a, b) = first.split_at(20);
        f.write_all(a.as_bytes()).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        f.write_all(b.as_bytes()).unwrap();
        drop(f);
        std::thread::sleep(Duration::from_millis(300));
        // logrotate: rename, then a new file
        std::fs::rename(&p2, p2.with_extension("log.1")).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(&p2, format!("{}not json\n", exec(3))).unwrap();
        std::thread::sleep(Duration::from_millis(600));
        // copytruncate: same file, cut to zero, written again
        let f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&p2)
            .unwrap();
        drop(f);
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(&p2, exec(4)).unwrap();
    });
    let mut engine = Engine::new(AuditConfig::default(), Vec::new());
    let mut got = Vec::new();
    let opts = FollowOptions {
        poll: Duration::from_millis(50),
        idle_exit: Some(Duration::from_millis(1500)),
        from_end: false,
    };
    follow(&mut engine, &path, opts, &mut |a| {
        if a.finding.rule_id == "audit-pod-exec-attach" {
            got.push(a.audit_id.clone());
        }
    })
    .unwrap();
    writer.join().unwrap();
    assert_eq!(got, ["a1alice", "a2alice", "a3alice", "a4alice"]);
    assert_eq!(engine.stats.malformed_count, 1);
    assert_eq!(engine.stats.malformed[0].line, 2);
    assert!(engine.stats.malformed[0].file.contains("after rotation 1"));
}
