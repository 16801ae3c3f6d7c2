//! `bulwark audit analyze` and `bulwark audit rules` end to end.

use std::io::Write;
use std::process::Command;

use serde_json::{Value, json};

fn bulwark() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    c.arg("audit");
    c
}

fn event(user: &str, verb: &str, resource: &str, sub: &str, code: i64, t: &str) -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("id-{user}-{t}"), "stage": if sub == "exec" { "ResponseStarted" } else { "ResponseComplete" },
        "requestURI": format!("/api/v1/namespaces/default/{resource}/x/{sub}?command=sh"),
        "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.9"], "userAgent": "kubectl/v1.33",
        "objectRef": {"resource": resource, "namespace": "default", "name": "x", "apiVersion": "v1", "subresource": sub},
        "responseStatus": {"code": code},
        "annotations": {"authorization.k8s.io/decision": "allow"},
        "requestReceivedTimestamp": t, "stageTimestamp": t
    })
}

fn log(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("audit.log");
    let mut f = std::fs::File::create(&p).unwrap();
    // line 1: exec into a pod
    writeln!(
        f,
        "{}",
        event(
            "alice",
            "create",
            "pods",
            "exec",
            101,
            "2026-01-01T00:00:00Z"
        )
    )
    .unwrap();
    // line 2: not JSON
    writeln!(f, "{{oops").unwrap();
    // line 3: a health probe by the anonymous user (excluded by default)
    let mut h = event(
        "system:anonymous",
        "get",
        "",
        "",
        200,
        "2026-01-01T00:00:01Z",
    );
    h["requestURI"] = "/healthz".into();
    h["objectRef"] = Value::Null;
    writeln!(f, "{h}").unwrap();
    // line 4: blank; line 5: a kind that is not an event
    writeln!(f).unwrap();
    writeln!(f, "{{\"kind\":\"Pod\"}}").unwrap();
    p
}

#[test]
fn analyze_jsonl_counts_malformed_lines_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = log(dir.path());
    let o = bulwark()
        .args(["analyze", "--no-config"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "malformed lines make exit 2");
    let stdout = String::from_utf8(o.stdout).unwrap();
    let alerts: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let exec: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["rule_id"] == "audit-pod-exec-attach")
        .collect();
    assert_eq!(exec.len(), 1, "{stdout}");
    assert_eq!(exec[0]["auditID"], "id-alice-2026-01-01T00:00:00Z");
    assert_eq!(exec[0]["user"]["username"], "alice");
    assert_eq!(exec[0]["sourceIPs"][0], "10.0.0.9");
    assert_eq!(exec[0]["verb"], "create");
    assert_eq!(exec[0]["object_ref"]["subresource"], "exec");
    assert_eq!(exec[0]["location"]["line"], 1);
    assert!(exec[0]["message"].as_str().unwrap().contains("command=sh"));
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(
        stderr.contains("5 lines, 2 events, 1 excluded as noise, 2 malformed"),
        "{stderr}"
    );
    assert!(stderr.contains(":2: data not recognized"), "{stderr}");
    assert!(stderr.contains(":5: data not recognized"), "{stderr}");
    assert!(stderr.contains("health endpoints"), "{stderr}");
}

#[test]
fn analyze_gzip_stdin_table_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("a.log.gz");
    let line = event(
        "alice",
        "create",
        "pods",
        "exec",
        101,
        "2026-01-01T00:00:00Z",
    )
    .to_string();
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    writeln!(enc, "{line}").unwrap();
    enc.finish().unwrap();
    let o = bulwark()
        .args([
            "analyze",
            "--no-config",
            "--format",
            "table",
            "--fail-on",
            "medium",
        ])
        .arg(&gz)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("audit-pod-exec-attach"), "{s}");

    let mut child = bulwark()
        .args(["analyze", "--no-config", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{line}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8(o.stdout).unwrap().contains("<stdin>"));
}

#[test]
fn config_section_configures_exclusions_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log");
    std::fs::write(
        &p,
        format!(
            "{}\n",
            event(
                "alice",
                "create",
                "pods",
                "exec",
                101,
                "2026-01-01T00:00:00Z"
            )
        ),
    )
    .unwrap();
    let cfg = dir.path().join(".bulwark.yaml");
    std::fs::write(
        &cfg,
        "audit:\n  exclusions:\n  - reason: alice is on call\n    users: [alice]\n",
    )
    .unwrap();
    let o = bulwark()
        .args(["analyze", "--config"])
        .arg(&cfg)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("excluded 1: alice is on call")
    );

    std::fs::write(&cfg, "audit:\n  exclusions:\n  - users: [alice]\n").unwrap();
    let o = bulwark()
        .args(["analyze", "--config"])
        .arg(&cfg)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8(o.stderr).unwrap();
    assert!(
        e.contains(".bulwark.yaml:1:") && e.contains("reason"),
        "{e}"
    );
}

#[test]
fn rules_lists_detectors_with_mitre() {
    let o = bulwark()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let rules: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let exec = rules
        .iter()
        .find(|r| r["id"] == "audit-pod-exec-attach")
        .unwrap();
    assert_eq!(exec["mappings"]["mitre"][0], "T1609");
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "audit-auth-failure-burst-source-ip")
    );
    assert!(rules.len() > 50);
}

#[test]
fn sarif_output_is_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let p = log(dir.path());
    let o = bulwark()
        .args(["analyze", "--no-config", "--format", "sarif"])
        .arg(&p)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "audit-pod-exec-attach")
    );
}

#[test]
fn webhook_output_receives_every_alert() {
    use std::io::{BufRead, BufReader, Read};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", l.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let (mut len, mut line) = (0usize, String::new());
            while r.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                line.clear();
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let _ = tx.send(serde_json::from_slice(&body).unwrap());
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = bulwark()
        .args(["analyze", "--no-config", "--webhook", &url])
        .arg(log(dir.path()))
        .output()
        .unwrap();
    let alerts = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(alerts >= 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("webhook: {alerts} sent, 0 failed, 0 dropped")),
        "{err}"
    );
    let got: Vec<Value> = rx.try_iter().collect();
    assert_eq!(got.len(), alerts);
    assert!(
        got.iter().any(|b| b["rule"] == "audit-pod-exec-attach"
            && b["output_fields"]["ka.user.name"] == "alice")
    );
}
