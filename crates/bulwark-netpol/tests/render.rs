//! The `reach` outputs and filters.

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_str};
use bulwark_netpol::render::{self, Query, parse_port};
use bulwark_netpol::{Model, Options, Protocol};

const Y: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: a}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
";

fn model() -> Model {
    let l = load_str("t.yaml", Y, &LoadOptions::default());
    Model::build(&Inventory::new(l.resources), Options::default())
}

#[test]
fn filters() {
    let m = model();
    let r = m.reachability();
    let web = m.topo.find("a/web");
    let db = m.topo.find("a/db[Deployment]");
    assert_eq!(web.len(), 1);
    assert_eq!(db.len(), 1);
    assert!(m.topo.find("a/nope").is_empty());
    let q = Query {
        from: Some(web.clone()),
        to: Some(db.clone()),
        port: None,
    };
    assert_eq!(
        render::connlist(&r.select(&q)),
        "a/web[Deployment] => a/db[Deployment] : TCP 5432\n"
    );
    let q = Query {
        from: Some(web),
        to: None,
        port: Some((Protocol::Tcp, 443)),
    };
    // web may reach the outside on 443 (no egress policy); not db.
    let lines = render::connlist(&r.select(&q));
    assert_eq!(
        lines,
        "a/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
    );
    assert_eq!(parse_port("udp/53").unwrap(), (Protocol::Udp, 53));
    assert_eq!(parse_port("8080").unwrap(), (Protocol::Tcp, 8080));
    assert!(parse_port("icmp/1").is_err());
    assert!(parse_port("tcp/70000").is_err());
}

#[test]
fn formats() {
    let m = model();
    let r = m.reachability();
    let all = r.select(&Query::default());
    let t = render::table(&all);
    assert!(t.starts_with("SOURCE"));
    assert!(t.contains(&format!("{} allowed connection(s)", all.len())));
    let mx = render::matrix(&all);
    let header = mx.lines().next().unwrap();
    assert!(header.contains("a/db[Deployment]") && header.contains("a/web[Deployment]"));
    // db has an egress policy without rules: it sends nothing.
    let db_row = mx
        .lines()
        .find(|l| l.starts_with("a/db"))
        .map(str::to_string);
    assert!(db_row.is_none(), "db sends nothing: {mx}");
    let dot = render::dot(&all);
    assert!(dot.starts_with("digraph netpol {"));
    assert!(dot.contains("\"a/web[Deployment]\" -> \"a/db[Deployment]\" [label=\"TCP 5432\"]"));
    let v: serde_json::Value = serde_json::from_str(&render::json(&all, &m.problems)).unwrap();
    assert_eq!(v["connections"].as_array().unwrap().len(), all.len());
    assert!(v["connections"][0]["conns"].as_str().is_some());
}

/// `reach --from/--to` expands only the pairs asked for, and answers what
/// the whole expansion filtered answers; on many workloads of one class it
/// expands a row, not the square.
#[test]
fn a_filtered_reachability_is_the_filtered_whole_and_only_that() {
    let m = model();
    let web = m.topo.find("a/web");
    let db = m.topo.find("a/db[Deployment]");
    let whole = m.reachability();
    for (from, to) in [
        (Some(web.clone()), None),
        (None, Some(db.clone())),
        (Some(web.clone()), Some(db.clone())),
        (Some(db.clone()), None),
        (None, None),
    ] {
        let q = Query {
            from: from.clone(),
            to: to.clone(),
            port: None,
        };
        let part = m.reachability_between(from.as_deref(), to.as_deref());
        assert_eq!(
            render::connlist(&part.select(&q)),
            render::connlist(&whole.select(&q)),
            "{from:?} {to:?}"
        );
    }
    // 300 workloads of one class: the whole is 300 × 299 pairs, one
    // source's row 299.
    let mut y = String::new();
    for i in 0..300 {
        y.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i}, namespace: a}}\n\
             spec: {{template: {{metadata: {{labels: {{app: w}}}}, spec: {{containers: [{{name: c, image: x}}]}}}}}}\n"
        ));
    }
    let l = load_str("t.yaml", &y, &LoadOptions::default());
    let m = Model::build(&Inventory::new(l.resources), Options::default());
    let w0 = m.topo.find("a/w0");
    let row = m.reachability_between(Some(&w0), None);
    let workload_pairs = |r: &bulwark_netpol::reach::Reachability<'_>| {
        r.conns
            .iter()
            .filter(|c| {
                use bulwark_netpol::reach::Endpoint::Workload;
                matches!((c.src, c.dst), (Workload(_), Workload(_)))
            })
            .count()
    };
    assert_eq!(workload_pairs(&row), 299);
    assert_eq!(workload_pairs(&m.reachability()), 300 * 299);
}
