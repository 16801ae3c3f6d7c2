//! YAML text to JSON values with spans: the loader's hot path, per byte.
//!
//!     cargo bench -p bulwark-load --bench yaml

use std::hint::black_box;

use bulwark_load::yaml::{Budget, parse_all};
use bulwark_load::{LoadOptions, load_str};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A realistic stream: Deployments, Services and ConfigMaps, repeated.
fn stream(copies: usize) -> String {
    let deployment = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, tier: frontend}
  annotations:
    description: "the storefront"
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
      - name: web
        image: ghcr.io/acme/web:1.4.2
        args: ["--port=8080", "--log-level=info"]
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        env:
        - name: MODE
          value: production
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: web, key: token}}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: "1", memory: 512Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
      volumes:
      - name: config
        configMap: {name: web, defaultMode: 0644}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web, namespace: shop}
data:
  enabled: "on"
  app.properties: |
    a = 1
    b = 2
    c = three
"#;
    let mut s = String::new();
    for _ in 0..copies {
        s.push_str("---\n");
        s.push_str(deployment);
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = stream(100);
    let mut g = c.benchmark_group("yaml");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse_all (values + spans)", |b| {
        b.iter(|| parse_all(black_box(&text), Budget::default()))
    });
    g.bench_function("load_str (objects)", |b| {
        b.iter(|| load_str("bench.yaml", black_box(&text), &LoadOptions::default()))
    });
    g.bench_function("saphyr events only", |b| {
        b.iter(|| {
            let mut p = saphyr_parser::Parser::new_from_str(black_box(&text));
            let mut n = 0usize;
            while let Some(Ok(_)) = p.next_event() {
                n += 1;
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
