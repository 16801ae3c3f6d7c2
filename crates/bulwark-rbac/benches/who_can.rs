//! who-can on a generated large cluster: 1,000 namespaces, 10,000 roles
//! (9,000 Roles, 1,000 ClusterRoles of which 5 aggregate others), 100,000
//! bindings (90,000 RoleBindings, 10,000 ClusterRoleBindings), 3 subjects
//! each (1% of the ClusterRoleBindings grant `*` on `*` to a service
//! account). Measures building the model (the index) once, then the queries.

use std::hint::black_box;

use bulwark_core::{Inventory, Origin, Resource};
use bulwark_rbac::escalation::Finder;
use bulwark_rbac::report::WhoCanReport;
use bulwark_rbac::{Model, Request, SubjectName};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

const NAMESPACES: usize = 1_000;
const ROLES_PER_NS: usize = 9;
const CLUSTER_ROLES: usize = 1_000;
const RBS_PER_NS: usize = 90;
const CRBS: usize = 10_000;

/// A small deterministic generator (no dependency for ten lines).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

const RESOURCES: &[(&str, &str)] = &[
    ("", "configmaps"),
    ("", "pods"),
    ("", "pods/log"),
    ("", "services"),
    ("", "secrets"),
    ("", "serviceaccounts"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
    ("example.com", "widgets"),
];
const VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

fn rules(rng: &mut Lcg) -> Value {
    let n = 2 + rng.next(4);
    let rules: Vec<Value> = (0..n)
        .map(|_| {
            let (g, r) = RESOURCES[rng.next(RESOURCES.len())];
            let (g2, r2) = RESOURCES[rng.next(RESOURCES.len())];
            let verbs: Vec<&str> = (0..1 + rng.next(3))
                .map(|_| VERBS[rng.next(VERBS.len())])
                .collect();
            json!({"apiGroups": [g, g2], "resources": [r, r2], "verbs": verbs})
        })
        .collect();
    Value::Array(rules)
}

fn subjects(rng: &mut Lcg, ns: &str) -> Value {
    let s: Vec<Value> = (0..3)
        .map(|_| match rng.next(3) {
            0 => json!({"kind": "User", "name": format!("user-{}", rng.next(20_000))}),
            1 => json!({"kind": "Group", "name": format!("group-{}", rng.next(2_000))}),
            _ => json!({"kind": "ServiceAccount", "name": format!("sa-{}", rng.next(50)), "namespace": ns}),
        })
        .collect();
    Value::Array(s)
}

fn res(v: Value) -> Resource {
    Resource::new(v, Origin::default(), None)
}

/// A generated cluster; `scale` divides every count (1 = full size).
fn cluster(scale: usize) -> Inventory {
    let (namespaces, cluster_roles, crbs) =
        (NAMESPACES / scale, CLUSTER_ROLES / scale, CRBS / scale);
    let mut rng = Lcg(42);
    let mut out =
        Vec::with_capacity(namespaces * (ROLES_PER_NS + RBS_PER_NS) + cluster_roles + crbs);
    let rbac = "rbac.authorization.k8s.io/v1";
    for i in 0..cluster_roles {
        let mut v = json!({"apiVersion": rbac, "kind": "ClusterRole",
            "metadata": {"name": format!("cr-{i}"), "labels": {"agg": format!("{}", i % 5)}},
            "rules": rules(&mut rng)});
        if i < 5 {
            v["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {"agg": format!("{}", (i + 1) % 5)}}]});
        }
        out.push(res(v));
    }
    for n in 0..namespaces {
        let ns = format!("ns-{n}");
        for r in 0..ROLES_PER_NS {
            out.push(res(json!({"apiVersion": rbac, "kind": "Role",
                "metadata": {"name": format!("role-{r}"), "namespace": ns},
                "rules": rules(&mut rng)})));
        }
        for b in 0..RBS_PER_NS {
            let role_ref = if rng.next(3) == 0 {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": format!("cr-{}", rng.next(cluster_roles))})
            } else {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                    "name": format!("role-{}", rng.next(ROLES_PER_NS))})
            };
            out.push(res(json!({"apiVersion": rbac, "kind": "RoleBinding",
                "metadata": {"name": format!("rb-{b}"), "namespace": ns},
                "roleRef": role_ref, "subjects": subjects(&mut rng, &ns)})));
        }
    }
    // One ClusterRole with `*` on `*`, bound by 1% of the ClusterRoleBindings
    // to a service account: the prize escalation paths lead to.
    out.push(res(json!({"apiVersion": rbac, "kind": "ClusterRole",
        "metadata": {"name": "god"},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]})));
    for b in 0..crbs {
        let ns = format!("ns-{}", rng.next(namespaces));
        if b % 100 == 0 {
            out.push(res(json!({"apiVersion": rbac, "kind": "ClusterRoleBinding",
                "metadata": {"name": format!("crb-{b}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "god"},
                "subjects": [{"kind": "ServiceAccount", "name": "sa-0", "namespace": ns}]})));
            continue;
        }
        out.push(res(
            json!({"apiVersion": rbac, "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("crb-{b}")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": format!("cr-{}", rng.next(cluster_roles))},
            "subjects": subjects(&mut rng, &ns)}),
        ));
    }
    Inventory::new(out)
}

fn bench(c: &mut Criterion) {
    let inv = cluster(1);
    let mut g = c.benchmark_group("rbac-100k-bindings");
    g.sample_size(10);
    g.bench_function("build model and indexes", |b| {
        b.iter(|| Model::build(black_box(&inv)))
    });
    let m = Model::build(&inv);
    assert_eq!(m.bindings.len(), NAMESPACES * RBS_PER_NS + CRBS);
    assert_eq!(m.roles.len(), NAMESPACES * ROLES_PER_NS + CLUSTER_ROLES + 1);
    assert!(m.issues.is_empty(), "{:?}", m.issues.first());
    let req = Request::parse("get", "secrets")
        .unwrap()
        .in_namespace(Some("ns-500"));
    let n = m.who_can(&req).len();
    println!("who-can get secrets -n ns-500: {n} grants");
    assert!(n > 0);
    g.sample_size(50);
    g.bench_function("who-can get secrets -n ns-500", |b| {
        b.iter(|| m.who_can(black_box(&req)))
    });
    g.bench_function("who-can get secrets -n ns-500 with chains", |b| {
        b.iter(|| WhoCanReport::new(&m, black_box(&req)))
    });
    let cluster_req = Request::parse("list", "secrets").unwrap();
    g.bench_function("who-can list secrets (cluster-wide)", |b| {
        b.iter(|| m.who_can(black_box(&cluster_req)))
    });
    g.bench_function("who-can list secrets -A (any namespace)", |b| {
        b.iter(|| m.who_can_anywhere(black_box(&cluster_req)))
    });
    let user = SubjectName::parse("sa:ns-500/sa-7").unwrap().user_info();
    g.bench_function("can sa:ns-500/sa-7 get secrets -n ns-500", |b| {
        b.iter(|| m.can(black_box(&user), black_box(&req)))
    });
    g.finish();
    drop(m);
    drop(inv);

    // Escalation paths search every subject: measured on a cluster 50
    // times smaller (20 namespaces, 2,000 bindings).
    let small = cluster(50);
    let m = Model::build(&small);
    let r = Finder::new(&m).report(true);
    println!(
        "escalations on 1/50 cluster: {} subjects, {} paths, {} admins",
        m.subjects().len(),
        r.paths.len(),
        r.admins.len()
    );
    let mut g = c.benchmark_group("rbac-2k-bindings");
    g.sample_size(10);
    g.bench_function("escalations report (every subject)", |b| {
        b.iter(|| Finder::new(&m).report(true))
    });
    g.finish();
}

/// A chain of `n` aggregating ClusterRoles, each selecting the next and
/// written top first (issue #18: aggregation was cubic in such chains).
fn aggregation_chain(n: usize) -> Inventory {
    let mut out: Vec<Resource> = (0..n)
        .map(|i| {
            res(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": format!("r{i}"), "labels": {format!("l{i}"): "y"}},
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {format!("l{}", i + 1): "y"}}]},
                "rules": []
            }))
        })
        .collect();
    out.push(res(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": format!("r{n}"), "labels": {format!("l{n}"): "y"}},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
    })));
    Inventory::new(out)
}

/// Linear in the chain's length: 10x the roles, about 10x the time.
fn aggregation(c: &mut Criterion) {
    let mut g = c.benchmark_group("rbac-aggregation-chain");
    g.sample_size(10);
    for n in [300, 3_000] {
        let inv = aggregation_chain(n);
        let m = Model::build(&inv);
        let top = m.cluster_role("r0").expect("top role");
        assert_eq!(m.roles[top].rules.len(), 1, "the chain settles");
        g.bench_function(format!("build model, {n} roles"), |b| {
            b.iter(|| Model::build(black_box(&inv)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench, aggregation);
criterion_main!(benches);
