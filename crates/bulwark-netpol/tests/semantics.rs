//! One test per semantic corner of NetworkPolicy (and the admin tiers),
//! each on a small cluster written in YAML.

use std::collections::BTreeMap;

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_str};
use bulwark_netpol::{Model, Options};

fn model(yaml: &str, opts: Options) -> Model {
    let loaded = load_str("test.yaml", yaml, &LoadOptions::default());
    assert!(
        loaded.summary.errors.is_empty(),
        "{:?}",
        loaded.summary.errors
    );
    Model::build(&Inventory::new(loaded.resources), opts)
}

/// `src => dst` -> conns, for every allowed pair.
fn reach_with(yaml: &str, opts: Options) -> BTreeMap<String, String> {
    let m = model(yaml, opts);
    let errs: Vec<_> = m.problems.iter().filter(|p| p.is_error()).collect();
    assert!(errs.is_empty(), "{errs:?}");
    m.reachability()
        .views()
        .into_iter()
        .map(|v| (format!("{} => {}", v.src, v.dst), v.conns.to_string()))
        .collect()
}

fn reach(yaml: &str) -> BTreeMap<String, String> {
    reach_with(yaml, Options::default())
}

fn get<'a>(r: &'a BTreeMap<String, String>, k: &str) -> Option<&'a str> {
    r.get(k).map(String::as_str)
}

fn deploy(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  template:\n    metadata:\n      labels: {labels}\n    spec:\n      containers:\n      - name: c\n        image: x\n        ports: {ports}\n"
    )
}

fn ns(name: &str, labels: &str) -> String {
    format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n")
}

const ALL: &str = "All Connections";
const EXT: &str = "0.0.0.0-255.255.255.255[External]";

#[test]
fn no_policy_allows_everything() {
    let y = deploy("a", "web", "{app: web}", "[]") + &deploy("a", "db", "{app: db}", "[]");
    let r = reach(&y);
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, &format!("{EXT} => a/db[Deployment]")), Some(ALL));
    assert_eq!(get(&r, &format!("a/db[Deployment] => {EXT}")), Some(ALL));
}

#[test]
fn empty_pod_selector_isolates_the_whole_namespace_for_ingress_only() {
    let y = deploy("a", "web", "{app: web}", "[]")
        + &deploy("a", "db", "{app: db}", "[]")
        + &deploy("b", "other", "{app: other}", "[]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec:\n  podSelector: {}\n";
    let r = reach(&y);
    // policyTypes inferred: Ingress only (no egress rules).
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), None);
    assert_eq!(get(&r, "b/other[Deployment] => a/db[Deployment]"), None);
    assert_eq!(get(&r, &format!("{EXT} => a/web[Deployment]")), None);
    // Egress of the namespace stays open.
    assert_eq!(
        get(&r, "a/web[Deployment] => b/other[Deployment]"),
        Some(ALL)
    );
    assert_eq!(get(&r, &format!("a/web[Deployment] => {EXT}")), Some(ALL));
}

#[test]
fn egress_only_isolation() {
    let y = deploy("a", "web", "{app: web}", "[]")
        + &deploy("a", "db", "{app: db}", "[]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector: {matchLabels: {app: db}}\n    ports:\n    - port: 5432\n";
    let r = reach(&y);
    assert_eq!(
        get(&r, "a/web[Deployment] => a/db[Deployment]"),
        Some("TCP 5432")
    );
    assert_eq!(get(&r, &format!("a/web[Deployment] => {EXT}")), None);
    // Ingress of web is not isolated.
    assert_eq!(get(&r, "a/db[Deployment] => a/web[Deployment]"), Some(ALL));
    assert_eq!(get(&r, &format!("{EXT} => a/web[Deployment]")), Some(ALL));
}

#[test]
fn policy_types_inferred_from_the_spec() {
    // No policyTypes but egress rules: both directions are isolated.
    let y = deploy("a", "web", "{app: web}", "[]")
        + &deploy("a", "db", "{app: db}", "[]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n";
    let r = reach(&y);
    assert_eq!(get(&r, "a/db[Deployment] => a/web[Deployment]"), None);
    assert_eq!(
        get(&r, "a/web[Deployment] => a/db[Deployment]"),
        Some("UDP 53")
    );
    assert_eq!(
        get(&r, &format!("a/web[Deployment] => {EXT}")),
        Some("UDP 53")
    );
    // policyTypes listing only Ingress: the egress rules are ignored.
    let y2 = y.replace("  egress:\n", "  policyTypes: [Ingress]\n  egress:\n");
    let r2 = reach(&y2);
    assert_eq!(get(&r2, "a/web[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r2, "a/db[Deployment] => a/web[Deployment]"), None);
    // An empty policyTypes list is defaulted like a missing one.
    let y3 = y.replace("  egress:\n", "  policyTypes: []\n  egress:\n");
    assert_eq!(reach(&y3), r);
}

#[test]
fn allows_are_additive() {
    let y = deploy("a", "web", "{app: web}", "[]")
        + &deploy("a", "db", "{app: db}", "[]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p1, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 80}]\n"
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p2, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n    ports: [{port: 443}, {port: 53, protocol: UDP}]\n";
    let r = reach(&y);
    assert_eq!(
        get(&r, "a/web[Deployment] => a/db[Deployment]"),
        Some("TCP 80,443,UDP 53")
    );
    assert_eq!(
        get(&r, "a/db[Deployment] => a/web[Deployment]"),
        Some("TCP 443,UDP 53")
    );
}

const TWO_NS: &str = "{team: x}";

fn peer_cluster(peer: &str) -> BTreeMap<String, String> {
    let y = ns("a", "{}")
        + &ns("b", TWO_NS)
        + &deploy("a", "db", "{app: db}", "[]")
        + &deploy("a", "web", "{app: web}", "[]")
        + &deploy("b", "web", "{app: web}", "[]")
        + &deploy("b", "job", "{app: job}", "[]")
        + &format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: a}}\nspec:\n  podSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n  - from:\n{peer}"
        );
    reach(&y)
}

#[test]
fn namespace_and_pod_selector_in_one_peer_is_an_and() {
    let r = peer_cluster(
        "    - namespaceSelector: {matchLabels: {team: x}}\n      podSelector: {matchLabels: {app: web}}\n",
    );
    assert_eq!(get(&r, "b/web[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, "b/job[Deployment] => a/db[Deployment]"), None);
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), None);
}

#[test]
fn namespace_and_pod_selector_in_two_peers_is_an_or() {
    let r = peer_cluster(
        "    - namespaceSelector: {matchLabels: {team: x}}\n    - podSelector: {matchLabels: {app: web}}\n",
    );
    assert_eq!(get(&r, "b/web[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, "b/job[Deployment] => a/db[Deployment]"), Some(ALL));
    // The bare podSelector means the policy's own namespace.
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), Some(ALL));
}

#[test]
fn empty_namespace_selector_means_every_namespace() {
    let r = peer_cluster("    - namespaceSelector: {}\n");
    assert_eq!(get(&r, "b/job[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, &format!("{EXT} => a/db[Deployment]")), None);
}

#[test]
fn automatic_namespace_name_label() {
    let r =
        peer_cluster("    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}\n");
    assert_eq!(get(&r, "b/job[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), None);
}

#[test]
fn match_expressions_in_peers() {
    let r = peer_cluster(
        "    - namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}\n      podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [db]}]}\n",
    );
    assert_eq!(get(&r, "a/web[Deployment] => a/db[Deployment]"), Some(ALL));
    assert_eq!(get(&r, "b/web[Deployment] => a/db[Deployment]"), None);
}

#[test]
fn ip_block_with_except() {
    let y = deploy("a", "web", "{app: web}", "[]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]\n";
    let r = reach(&y);
    assert_eq!(
        get(&r, "10.0.0.0-10.0.255.255[External] => a/web[Deployment]"),
        Some(ALL)
    );
    assert_eq!(
        get(&r, "10.1.0.0-10.1.255.255[External] => a/web[Deployment]"),
        None
    );
    assert_eq!(
        get(&r, "10.2.0.0-10.255.255.255[External] => a/web[Deployment]"),
        Some(ALL)
    );
    assert_eq!(
        get(&r, "0.0.0.0-9.255.255.255[External] => a/web[Deployment]"),
        None
    );
    assert_eq!(
        get(&r, "a/web[Deployment] => 0.0.0.0-169.254.169.253[External]"),
        Some(ALL)
    );
    assert_eq!(
        get(
            &r,
            "a/web[Deployment] => 169.254.169.254-169.254.169.254[External]"
        ),
        None
    );
    assert_eq!(
        get(
            &r,
            "a/web[Deployment] => 169.254.169.255-255.255.255.255[External]"
        ),
        Some(ALL)
    );
}

#[test]
fn end_port_and_sctp() {
    let y = deploy("a", "web", "{app: web}", "[]")
        + &deploy("a", "db", "{app: db}", "[]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - ports: [{port: 32000, endPort: 32768}, {protocol: SCTP, port: 9000}, {protocol: UDP}]\n";
    let r = reach(&y);
    assert_eq!(
        get(&r, "a/web[Deployment] => a/db[Deployment]"),
        Some("SCTP 9000,TCP 32000-32768,UDP 1-65535")
    );
}

#[test]
fn named_ports_resolve_per_pod() {
    // The same name is 8080 on one pod and 9090 on the other; on UDP it
    // does not resolve (protocol must match).
    let y = deploy("a", "client", "{app: client}", "[]")
        + &deploy(
            "a",
            "one",
            "{tier: api, v: one}",
            "[{name: http, containerPort: 8080}]",
        )
        + &deploy(
            "a",
            "two",
            "{tier: api, v: two}",
            "[{name: http, containerPort: 9090}]",
        )
        + &deploy(
            "a",
            "three",
            "{tier: api, v: three}",
            "[{name: http, containerPort: 7070, protocol: UDP}]",
        )
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {tier: api}}\n  ingress:\n  - ports: [{port: http}]\n";
    let r = reach(&y);
    assert_eq!(
        get(&r, "a/client[Deployment] => a/one[Deployment]"),
        Some("TCP 8080")
    );
    assert_eq!(
        get(&r, "a/client[Deployment] => a/two[Deployment]"),
        Some("TCP 9090")
    );
    assert_eq!(get(&r, "a/client[Deployment] => a/three[Deployment]"), None);
}

#[test]
fn named_port_in_egress_resolves_on_the_destination() {
    let y = deploy("a", "client", "{app: client}", "[]")
        + &deploy(
            "a",
            "one",
            "{app: one}",
            "[{name: http, containerPort: 8080}]",
        )
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: http}]\n";
    let r = reach(&y);
    assert_eq!(
        get(&r, "a/client[Deployment] => a/one[Deployment]"),
        Some("TCP 8080")
    );
    // A named port towards an IP resolves to nothing.
    assert_eq!(get(&r, &format!("a/client[Deployment] => {EXT}")), None);
}

const HOSTNET: &str = "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: a}\nspec:\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      hostNetwork: true\n      containers: [{name: c, image: x}]\n";

#[test]
fn host_network_pods_are_node_traffic() {
    let y = deploy("a", "db", "{app: db}", "[]")
        + HOSTNET
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: agent}}}]\n";
    let r = reach(&y);
    // Not selected by the policy: its own traffic is unrestricted.
    assert_eq!(get(&r, &format!("{EXT} => a/agent[DaemonSet]")), Some(ALL));
    assert_eq!(get(&r, "a/db[Deployment] => a/agent[DaemonSet]"), Some(ALL));
    // Not matched by a podSelector as a peer.
    assert_eq!(get(&r, "a/agent[DaemonSet] => a/db[Deployment]"), None);
    // Treated as pods (np-guard's view), the selector matches.
    let r2 = reach_with(
        &y,
        Options {
            host_network_as_pod: true,
        },
    );
    assert_eq!(
        get(&r2, "a/agent[DaemonSet] => a/db[Deployment]"),
        Some(ALL)
    );
    assert_eq!(get(&r2, &format!("{EXT} => a/agent[DaemonSet]")), None);
}

#[test]
fn pods_are_grouped_by_owner() {
    let pod = |name: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: a\n  labels: {{app: web}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9, controller: true}}]\nspec:\n  containers: [{{name: c, image: x}}]\n"
        )
    };
    let y = pod("web-5d9-aaaa") + &pod("web-5d9-bbbb") + &deploy("a", "db", "{app: db}", "[]");
    let r = reach(&y);
    assert_eq!(
        get(&r, "a/web-5d9[ReplicaSet] => a/db[Deployment]"),
        Some(ALL)
    );
    assert_eq!(
        get(&r, "a/web-5d9[ReplicaSet] => a/web-5d9[ReplicaSet]"),
        None
    );
    // web<->db and both with the outside: no self pair for the two pods.
    assert_eq!(r.len(), 6);
}

#[test]
fn all_workload_kinds_are_endpoints() {
    let y = "---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj, namespace: a}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: cj}}\n        spec: {containers: [{name: c, image: x}]}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: ss, namespace: a}\nspec:\n  template:\n    metadata: {labels: {app: ss}}\n    spec: {containers: [{name: c, image: x}]}\n";
    let r = reach(y);
    assert_eq!(get(&r, "a/cj[CronJob] => a/ss[StatefulSet]"), Some(ALL));
}

#[test]
fn admin_tiers_priority_pass_and_baseline() {
    let y = ns("a", "{}")
        + &ns("b", "{}")
        + &deploy("a", "web", "{app: web}", "[]")
        + &deploy("b", "db", "{app: db}", "[]")
        + &deploy("b", "cache", "{app: cache}", "[]")
        // Deny from a at priority 20 is shadowed by Allow TCP 80 at 10.
        + "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: deny-a}\nspec:\n  priority: 20\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}\n  ingress:\n  - {name: deny, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}]}\n"
        + "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: allow-80}\nspec:\n  priority: 10\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}\n  ingress:\n  - {name: allow, action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}\n  - {name: pass, action: Pass, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}], ports: [{portRange: {protocol: TCP, start: 8000, end: 8999}}]}\n"
        // Baseline denies everything not decided above.
        + "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress:\n  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}\n";
    let r = reach(&y);
    // 80 allowed by the ANP; 8000-8999 passed to NP (none) then BANP denies.
    assert_eq!(
        get(&r, "a/web[Deployment] => b/db[Deployment]"),
        Some("TCP 80")
    );
    // Within b: ANP allows 80, the rest falls to BANP deny.
    assert_eq!(
        get(&r, "b/cache[Deployment] => b/db[Deployment]"),
        Some("TCP 80")
    );
    // Into a: only the BANP applies.
    assert_eq!(get(&r, "b/db[Deployment] => a/web[Deployment]"), None);
    // External sources never match namespace peers: the BANP leaves them.
    assert_eq!(get(&r, &format!("{EXT} => a/web[Deployment]")), Some(ALL));
    // A NetworkPolicy selecting db decides what was passed, ahead of the BANP.
    let y2 = y
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: b}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - ports: [{port: 8080}, {port: 9000}]\n";
    let r2 = reach(&y2);
    assert_eq!(
        get(&r2, "a/web[Deployment] => b/db[Deployment]"),
        Some("TCP 80,8080")
    );
}

#[test]
fn invalid_inputs_are_errors_not_answers() {
    let cases = [
        ("ipBlock: {cidr: 10.0.0.0/40}", "CIDR"),
        (
            "podSelector: {matchLabels: {\"bad key!\": x}}",
            "invalid label key",
        ),
        (
            "ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}",
            "ipBlock cannot be combined",
        ),
        ("{}", "a peer must set"),
        (
            "ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}",
            "strict subset",
        ),
        (
            "ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}",
            "strict subset",
        ),
    ];
    for (peer, msg) in cases {
        let y = deploy("a", "web", "{app: web}", "[]")
            + &format!(
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: a}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from:\n    - {peer}\n"
            );
        let m = model(&y, Options::default());
        assert!(
            m.problems
                .iter()
                .any(|p| p.is_error() && p.message.contains(msg)),
            "{peer}: {:?}",
            m.problems
        );
        let loc = m.problems.iter().find(|p| p.is_error()).unwrap();
        assert!(
            loc.location.as_ref().is_some_and(|l| l.line.is_some()),
            "{loc:?}"
        );
    }
    for (port, msg) in [
        ("{port: 10, endPort: 1}", "illegal port range"),
        (
            "{port: http, endPort: 90}",
            "endPort cannot be used with a named port",
        ),
        ("{port: 80, protocol: ICMP}", "invalid protocol"),
    ] {
        let y = deploy("a", "web", "{app: web}", "[]")
            + &format!(
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: a}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - ports: [{port}]\n"
            );
        let m = model(&y, Options::default());
        assert!(
            m.problems
                .iter()
                .any(|p| p.is_error() && p.message.contains(msg)),
            "{port}: {:?}",
            m.problems
        );
    }
}

#[test]
fn quarantine_policies_isolate_their_target() {
    use bulwark_netpol::quarantine::{Target, quarantine};
    let pod = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: api-1, namespace: shop, labels: {app: api, bulwark.io/quarantine: \"true\"}}\nspec: {containers: [{name: c, image: x}]}\n";
    let y = deploy("shop", "web", "{app: web}", "[]") + pod;
    let policy = quarantine(&Target::parse("shop/api-1").unwrap());
    let r = reach(&format!("{y}---\n{policy}"));
    assert_eq!(get(&r, "shop/web[Deployment] => shop/api-1[Pod]"), None);
    assert_eq!(get(&r, "shop/api-1[Pod] => shop/web[Deployment]"), None);
    assert_eq!(get(&r, &format!("{EXT} => shop/api-1[Pod]")), None);
    assert_eq!(
        get(&r, &format!("{EXT} => shop/web[Deployment]")),
        Some(ALL)
    );
    let ns_policy = quarantine(&Target::parse("shop").unwrap());
    let r = reach(&format!("{y}---\n{ns_policy}"));
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn primary_user_defined_networks_are_isolated() {
    let udn = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: blue, labels: {k8s.ovn.org/primary-user-defined-network: \"\"}}\n---\napiVersion: k8s.ovn.org/v1\nkind: UserDefinedNetwork\nmetadata: {name: net, namespace: blue}\nspec:\n  topology: Layer2\n  layer2: {role: Primary, subnets: [10.10.0.0/16]}\n";
    let y = udn.to_string()
        + &ns("plain", "{}")
        + &deploy("blue", "a", "{app: a}", "[]")
        + &deploy("blue", "b", "{app: b}", "[]")
        + &deploy("plain", "c", "{app: c}", "[]");
    let r = reach(&y);
    assert_eq!(
        get(&r, "blue[udn]/a[Deployment] => blue[udn]/b[Deployment]"),
        Some(ALL)
    );
    assert_eq!(
        get(&r, "blue[udn]/a[Deployment] => plain/c[Deployment]"),
        None
    );
    assert_eq!(
        get(&r, "plain/c[Deployment] => blue[udn]/b[Deployment]"),
        None
    );
    assert_eq!(
        get(&r, &format!("{EXT} => blue[udn]/a[Deployment]")),
        Some(ALL)
    );
}
