//! Open-loop load generator for the webhook (bench/admit.sh): AdmissionReviews
//! of a realistic Deployment and Pod at a fixed rate over keep-alive HTTPS
//! connections (each warmed first: TLS handshake and one request of each
//! body, unmeasured); latency is measured from each request's scheduled send
//! time, so a stalled server shows up as latency instead of a lower rate.
//!
//! `loadgen ADDR CA_PEM RATE SECONDS [CONNECTIONS]`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use serde_json::json;

fn bodies() -> Vec<Vec<u8>> {
    let container = |name: &str| {
        json!({"name": name, "image": "registry.example.com/shop/api:1.4.2",
            "ports": [{"containerPort": 8080}],
            "env": [{"name": "MODE", "value": "prod"}, {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
            "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]}}})
    };
    let pod_spec = json!({"serviceAccountName": "api", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container("api"), container("sidecar")],
        "volumes": [{"name": "tmp", "emptyDir": {}}]});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop", "labels": {"app": "api"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}}, "spec": pod_spec}}});
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "api-7d9f-", "namespace": "shop", "labels": {"app": "api"}},
        "spec": pod_spec});
    [("apps", "Deployment", deployment), ("", "Pod", pod)]
        .into_iter()
        .map(|(g, k, o)| {
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
                "uid": "00000000-0000-0000-0000-000000000000", "operation": "CREATE", "namespace": "shop",
                "kind": {"group": g, "version": "v1", "kind": k},
                "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
                "object": o}})
            .to_string()
            .into_bytes()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: loadgen ADDR CA_PEM RATE SECONDS [CONNECTIONS]");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let rate: f64 = args[3].parse().expect("RATE");
    let secs: f64 = args[4].parse().expect("SECONDS");
    let conns: usize = args.get(5).map_or(8, |c| c.parse().expect("CONNECTIONS"));
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(&args[2]).expect("CA_PEM");
    for c in CertificateDer::pem_slice_iter(&pem) {
        roots.add(c.expect("PEM")).expect("CA");
    }
    let cfg = Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let bodies = Arc::new(bodies());
    // Every connection does its TLS handshake and one unmeasured request of
    // each body first (start-up work, such as the server compiling a kind's
    // schema on its first object, is not latency); the clock starts once
    // all are warm.
    let started: Arc<std::sync::OnceLock<Instant>> = Arc::default();
    let barrier = Arc::new(std::sync::Barrier::new(conns + 1));
    let per_conn = rate / conns as f64;
    let n_per_conn = (per_conn * secs) as usize;
    let threads: Vec<_> = (0..conns)
        .map(|c| {
            let (cfg, bodies, addr) = (cfg.clone(), bodies.clone(), addr.clone());
            let (started, barrier) = (started.clone(), barrier.clone());
            std::thread::spawn(move || {
                let conn = rustls::ClientConnection::new(cfg, ServerName::try_from("localhost").unwrap())
                    .unwrap();
                let sock = TcpStream::connect(&addr).expect("connect");
                sock.set_nodelay(true).unwrap();
                let mut tls = BufReader::new(rustls::StreamOwned::new(conn, sock));
                let mut lat = Vec::with_capacity(n_per_conn);
                let mut errors = 0usize;
                let offset = Duration::from_secs_f64(c as f64 / rate);
                let warm = bodies.len();
                let mut start = Instant::now();
                for i in 0..warm + n_per_conn {
                    if i == warm {
                        barrier.wait();
                        barrier.wait();
                        start = *started.get().expect("start set");
                    }
                    let due = start + offset + Duration::from_secs_f64(i.saturating_sub(warm) as f64 / per_conn);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let body = &bodies[i % bodies.len()];
                    let head = format!(
                        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    let s = tls.get_mut();
                    s.write_all(head.as_bytes()).unwrap();
                    s.write_all(body).unwrap();
                    let mut len = 0usize;
                    let mut status = String::new();
                    tls.read_line(&mut status).unwrap();
                    loop {
                        let mut line = String::new();
                        tls.read_line(&mut line).unwrap();
                        if line == "\r\n" || line.is_empty() {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut buf = vec![0; len];
                    tls.read_exact(&mut buf).unwrap();
                    if !status.contains(" 200 ") || !buf.starts_with(b"{\"apiVersion\"") {
                        errors += 1;
                    }
                    if i >= warm {
                        lat.push(Instant::now().duration_since(due));
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now() + Duration::from_millis(20);
    let _ = started.set(start);
    barrier.wait();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (l, e) = t.join().unwrap();
        all.extend(l);
        errors += e;
    }
    let took = Instant::now().duration_since(start).as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "rate={rate} sent={} errors={errors} throughput={:.0}/s p50={:.3}ms p99={:.3}ms max={:.3}ms",
        all.len(),
        all.len() as f64 / took,
        pct(0.50),
        pct(0.99),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
}
