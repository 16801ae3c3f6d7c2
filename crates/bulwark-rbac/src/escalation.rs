//! Privilege-escalation paths: from a subject, through identities it can
//! take over, to a cluster-admin-equivalent power. Every step is justified
//! by a concrete grant (binding -> role -> rule) found by the authorizer.
//!
//! Techniques: create pods (or workloads) and mount a service account; read
//! a service account's token Secret; mint a token (`serviceaccounts/token`);
//! impersonate; `bind`/`escalate` to grant oneself a role; `nodes/proxy` to
//! the kubelet API; write admission webhook configurations; approve a CSR
//! for a client certificate (`system:masters`) or a node identity.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::authz::{Chain, Permissions};
use crate::model::Model;
use crate::request::{Request, SubjectName};
use crate::risky::is_full_wildcard;

/// How one identity takes the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Technique {
    /// Create a pod (or a workload) that runs as the service account.
    PodCreation,
    /// Read the service account's token Secret.
    SecretRead,
    /// Mint a token through `serviceaccounts/token`.
    TokenCreate,
    /// Act as another identity with `impersonate`.
    Impersonate,
    /// Bind a role (or escalate one) to oneself.
    BindEscalate,
    /// Reach every kubelet API through `nodes/proxy`.
    NodesProxy,
    /// Register an admission webhook that sees and changes every object.
    WebhookConfiguration,
    /// Approve a certificate for a privileged identity.
    CsrApproval,
    /// Holds a `*` on `*` grant cluster-wide.
    Holds,
    /// Member of `system:masters`, which bypasses authorization.
    SystemMasters,
}

/// Where a path ends.
pub const CLUSTER_ADMIN: &str = "cluster-admin";
pub const NODE_CREDENTIALS: &str = "node-credentials";

/// One step of a path.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    pub technique: Technique,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The grant that makes the step possible.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Chain>,
    /// False when the step depends on something the inventory cannot show
    /// (a legacy token Secret that may exist).
    pub certain: bool,
    pub explanation: String,
}

/// A path from a subject to a cluster-admin-equivalent power (or, failing
/// that, node credentials).
#[derive(Clone, Debug, Serialize)]
pub struct Escalation {
    pub subject: String,
    pub reaches: &'static str,
    pub steps: Vec<Step>,
}

/// Every path found.
#[derive(Clone, Debug, Serialize)]
pub struct EscalationReport {
    pub paths: Vec<Escalation>,
    /// Subjects that already hold cluster-admin-equivalent power.
    pub admins: Vec<String>,
    /// Control-plane subjects not used as starting points.
    pub skipped_system: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node {
    Principal(SubjectName),
    /// "Runs as any service account of this namespace" (pod creation, a
    /// namespace self-grant, listing token Secrets). Keeps the graph small:
    /// one edge in, one edge out per service account, instead of one edge
    /// per (subject, service account).
    Hub(String),
    Terminal(&'static str),
}

/// Placeholder for the service account in a hub step's explanation.
const SA_PLACEHOLDER: &str = "{sa}";

/// Every identity and how it takes the next, built once.
#[derive(Default)]
struct Graph {
    nodes: Vec<Node>,
    idx: HashMap<Node, usize>,
    /// (from, to, weight, step); hub -> service account edges weigh 0 and
    /// carry no step (the step into the hub describes them).
    edges: Vec<(usize, usize, u8, Option<Step>)>,
    incoming: Vec<Vec<usize>>,
    outgoing: Vec<Vec<usize>>,
    /// Per target terminal: next edge on a shortest path, per node.
    next: HashMap<&'static str, Vec<Option<usize>>>,
}

impl Graph {
    fn node(&mut self, n: Node) -> usize {
        if let Some(i) = self.idx.get(&n) {
            return *i;
        }
        let i = self.nodes.len();
        self.idx.insert(n.clone(), i);
        self.nodes.push(n);
        self.incoming.push(Vec::new());
        self.outgoing.push(Vec::new());
        i
    }

    fn edge(&mut self, from: usize, to: usize, weight: u8, step: Option<Step>) {
        let e = self.edges.len();
        self.edges.push((from, to, weight, step));
        self.outgoing[from].push(e);
        self.incoming[to].push(e);
    }

    /// Shortest paths to `target` from every node: a 0-1 BFS over the
    /// reversed edges.
    fn solve(&mut self, target: &'static str) {
        let n = self.nodes.len();
        let mut dist = vec![usize::MAX; n];
        let mut next = vec![None; n];
        if let Some(&t) = self.idx.get(&Node::Terminal(target)) {
            dist[t] = 0;
            let mut dq = VecDeque::from([t]);
            while let Some(v) = dq.pop_front() {
                for &e in &self.incoming[v] {
                    let (u, _, w, _) = &self.edges[e];
                    let d = dist[v] + usize::from(*w);
                    if d < dist[*u] {
                        dist[*u] = d;
                        next[*u] = Some(e);
                        if *w == 0 {
                            dq.push_front(*u);
                        } else {
                            dq.push_back(*u);
                        }
                    }
                }
            }
        }
        self.next.insert(target, next);
    }

    /// The steps from `start` to `target`, hubs folded into the step that
    /// enters them.
    fn path(&self, start: usize, target: &'static str) -> Option<Vec<Step>> {
        let next = self.next.get(target)?;
        let mut steps: Vec<Step> = Vec::new();
        let mut cur = start;
        let mut guard = 0;
        while let Some(e) = next[cur] {
            let (_, to, _, step) = &self.edges[e];
            match step {
                Some(st) => steps.push(st.clone()),
                None => {
                    // hub -> service account: name the account in the
                    // step that entered the hub.
                    if let (Some(last), Node::Principal(sa)) = (steps.last_mut(), &self.nodes[*to])
                    {
                        let name = match sa {
                            SubjectName::ServiceAccount { name, .. } => name.clone(),
                            other => other.to_string(),
                        };
                        last.to = sa.to_string();
                        last.explanation = last.explanation.replace(SA_PLACEHOLDER, &name);
                    }
                }
            }
            cur = *to;
            guard += 1;
            if guard > self.nodes.len() {
                return None;
            }
        }
        (self.nodes[cur] == Node::Terminal(target)).then_some(steps)
    }
}

#[derive(Clone)]
struct Edge {
    to: Node,
    step: Step,
}

/// Finds escalation paths over a model.
pub struct Finder<'m, 'a> {
    m: &'m Model<'a>,
    perms: HashMap<SubjectName, Permissions>,
    graph: Option<Graph>,
    /// Service accounts per namespace: objects and binding subjects.
    sas: BTreeMap<String, BTreeSet<String>>,
    /// Token Secrets: (namespace, service account) -> secret names.
    token_secrets: BTreeMap<(String, String), Vec<String>>,
    /// Namespaces whose Secrets the inventory holds.
    secret_namespaces: BTreeSet<String>,
    users: Vec<String>,
}

/// Grants without repeats (one rule may justify two parts of a step).
fn distinct(grants: Vec<Chain>) -> Vec<Chain> {
    let mut out: Vec<Chain> = Vec::with_capacity(grants.len());
    for g in grants {
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

const WORKLOADS: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

impl<'m, 'a> Finder<'m, 'a> {
    pub fn new(m: &'m Model<'a>) -> Self {
        let mut sas: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (ns, name) in &m.service_accounts {
            sas.entry((*ns).to_string())
                .or_default()
                .insert((*name).to_string());
        }
        let mut users = Vec::new();
        for s in m.subjects() {
            match s {
                SubjectName::ServiceAccount { namespace, name } => {
                    sas.entry(namespace).or_default().insert(name);
                }
                SubjectName::User { name } => users.push(name),
                SubjectName::Group { .. } => {}
            }
        }
        Self {
            m,
            perms: HashMap::new(),
            graph: None,
            sas,
            token_secrets: BTreeMap::new(),
            secret_namespaces: BTreeSet::new(),
            users,
        }
    }

    /// Records the Secrets of the inventory, so secret-read steps name the
    /// exact token Secret when one exists.
    pub fn with_secrets<'r>(mut self, secrets: impl IntoIterator<Item = &'r Value>) -> Self {
        for v in secrets {
            let ns = v
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default");
            self.secret_namespaces.insert(ns.to_string());
            if v.get("type").and_then(Value::as_str) != Some("kubernetes.io/service-account-token")
            {
                continue;
            }
            let (Some(sa), Some(name)) = (
                v.pointer("/metadata/annotations/kubernetes.io~1service-account.name")
                    .and_then(Value::as_str),
                v.pointer("/metadata/name").and_then(Value::as_str),
            ) else {
                continue;
            };
            self.token_secrets
                .entry((ns.to_string(), sa.to_string()))
                .or_default()
                .push(name.to_string());
        }
        self
    }

    fn perms(&mut self, s: &SubjectName) -> &Permissions {
        if !self.perms.contains_key(s) {
            let p = self.m.permissions(&s.user_info());
            self.perms.insert(s.clone(), p);
        }
        &self.perms[s]
    }

    /// The grant allowing `req` to `s`, as a chain.
    fn allows(&mut self, s: &SubjectName, req: &Request) -> Option<Chain> {
        let m = self.m;
        let p = self.perms(s);
        m.perms_allow(p, req).map(|g| m.chain(g))
    }

    fn first_allowed(&mut self, s: &SubjectName, reqs: &[Request]) -> Option<(Chain, String)> {
        reqs.iter()
            .find_map(|r| self.allows(s, r).map(|c| (c, r.to_string())))
    }

    /// How `s` is already cluster-admin, if it is.
    fn admin_step(&mut self, s: &SubjectName) -> Option<Step> {
        let info = s.user_info();
        if info.groups.iter().any(|g| g == "system:masters") {
            return Some(Step {
                from: s.to_string(),
                to: CLUSTER_ADMIN.into(),
                technique: Technique::SystemMasters,
                namespace: None,
                grants: vec![],
                certain: true,
                explanation: "system:masters bypasses authorization entirely".into(),
            });
        }
        let m = self.m;
        let p = self.perms(s);
        let g = p
            .cluster
            .iter()
            .find(|g| is_full_wildcard(m.rule(g.rule)))?;
        Some(Step {
            from: s.to_string(),
            to: CLUSTER_ADMIN.into(),
            technique: Technique::Holds,
            namespace: None,
            grants: vec![m.chain(g)],
            certain: true,
            explanation: "holds every verb on every resource cluster-wide".into(),
        })
    }

    fn sa_step(
        from: &SubjectName,
        ns: &str,
        sa: &str,
        technique: Technique,
        grants: Vec<Chain>,
        certain: bool,
        explanation: String,
    ) -> Edge {
        let grants = distinct(grants);
        let to = SubjectName::ServiceAccount {
            namespace: ns.to_string(),
            name: sa.to_string(),
        };
        Edge {
            step: Step {
                from: from.to_string(),
                to: to.to_string(),
                technique,
                namespace: Some(ns.to_string()),
                grants,
                certain,
                explanation,
            },
            to: Node::Principal(to),
        }
    }

    fn terminal(
        from: &SubjectName,
        to: &'static str,
        technique: Technique,
        grants: Vec<Chain>,
        explanation: String,
    ) -> Edge {
        let grants = distinct(grants);
        Edge {
            to: Node::Terminal(to),
            step: Step {
                from: from.to_string(),
                to: to.to_string(),
                technique,
                namespace: None,
                grants,
                certain: true,
                explanation,
            },
        }
    }

    /// Whether some grant of `s` matches `req` on verb, group and
    /// resource, whatever its resourceNames: a cheap test before asking
    /// about each name.
    fn may_allow_a_name(&mut self, s: &SubjectName, req: &Request) -> bool {
        let m = self.m;
        let p = self.perms(s);
        let local = req.namespace.as_ref().and_then(|ns| p.namespaces.get(ns));
        p.cluster
            .iter()
            .chain(local.into_iter().flatten())
            .any(|g| crate::rule::rule_allows_some_name(m.rule(g.rule), req))
    }

    fn edges(&mut self, s: &SubjectName) -> Vec<Edge> {
        let mut out = Vec::new();
        let cluster = |verb: &str, group: &str, res: &str, sub: &str| {
            Request::resource(verb, group, res, sub)
        };
        // Cluster-wide techniques that end the path.
        if let Some((c, what)) = self.first_allowed(
            s,
            &[
                cluster("get", "", "nodes", "proxy"),
                cluster("create", "", "nodes", "proxy"),
            ],
        ) {
            out.push(Self::terminal(
                s,
                CLUSTER_ADMIN,
                Technique::NodesProxy,
                vec![c],
                format!(
                    "can {what}: the kubelet API of every node (exec in any pod, control plane included)"
                ),
            ));
        }
        let adm = "admissionregistration.k8s.io";
        if let Some((c, what)) = self.first_allowed(
            s,
            &[
                cluster("create", adm, "mutatingwebhookconfigurations", ""),
                cluster("update", adm, "mutatingwebhookconfigurations", ""),
                cluster("patch", adm, "mutatingwebhookconfigurations", ""),
                cluster("create", adm, "validatingwebhookconfigurations", ""),
                cluster("update", adm, "validatingwebhookconfigurations", ""),
                cluster("patch", adm, "validatingwebhookconfigurations", ""),
            ],
        ) {
            out.push(Self::terminal(
                s,
                CLUSTER_ADMIN,
                Technique::WebhookConfiguration,
                vec![c],
                format!(
                    "can {what}: a webhook receives every matching object (secrets, pods, bindings) and a mutating one can rewrite them"
                ),
            ));
        }
        let rbac = crate::model::RBAC_GROUP;
        if let (Some((bind, _)), Some((create, _))) = (
            self.first_allowed(
                s,
                &[cluster("bind", rbac, "clusterroles", "").with_name("cluster-admin")],
            ),
            self.first_allowed(s, &[cluster("create", rbac, "clusterrolebindings", "")]),
        ) {
            out.push(Self::terminal(
                s,
                CLUSTER_ADMIN,
                Technique::BindEscalate,
                vec![bind, create],
                "can bind ClusterRole cluster-admin and create ClusterRoleBindings: binds cluster-admin to itself".into(),
            ));
        }
        let has_crb = !self.perms(s).cluster.is_empty();
        if has_crb
            && let (Some((esc, _)), Some((upd, _))) = (
                self.first_allowed(s, &[cluster("escalate", rbac, "clusterroles", "")]),
                self.first_allowed(
                    s,
                    &[
                        cluster("update", rbac, "clusterroles", ""),
                        cluster("patch", rbac, "clusterroles", ""),
                    ],
                ),
            )
        {
            out.push(Self::terminal(
                s,
                CLUSTER_ADMIN,
                Technique::BindEscalate,
                vec![esc, upd],
                "can escalate and update ClusterRoles: adds `*` on `*` to a ClusterRole bound to itself".into(),
            ));
        }
        let certs = "certificates.k8s.io";
        let approval = self.first_allowed(
            s,
            &[
                cluster("update", certs, "certificatesigningrequests", "approval"),
                cluster("patch", certs, "certificatesigningrequests", "approval"),
            ],
        );
        let create_csr = self.first_allowed(
            s,
            &[cluster("create", certs, "certificatesigningrequests", "")],
        );
        if let (Some((a, _)), Some((c, _))) = (approval, create_csr) {
            let signer = |name: &str| cluster("approve", certs, "signers", "").with_name(name);
            if let Some((sg, _)) = self.first_allowed(
                s,
                &[
                    signer("kubernetes.io/kube-apiserver-client"),
                    signer("kubernetes.io/*"),
                ],
            ) {
                out.push(Self::terminal(
                    s,
                    CLUSTER_ADMIN,
                    Technique::CsrApproval,
                    vec![c.clone(), a.clone(), sg],
                    "can create and approve a CSR for signer kubernetes.io/kube-apiserver-client: a client certificate with O=system:masters".into(),
                ));
            } else if let Some((sg, _)) =
                self.first_allowed(s, &[signer("kubernetes.io/kube-apiserver-client-kubelet")])
            {
                out.push(Self::terminal(
                    s,
                    NODE_CREDENTIALS,
                    Technique::CsrApproval,
                    vec![c, a, sg],
                    "can create and approve a kubelet client CSR: a certificate for system:node:<name> in system:nodes".into(),
                ));
            }
        }
        // Impersonation.
        if let Some((c, _)) = self.first_allowed(
            s,
            &[cluster("impersonate", "", "groups", "").with_name("system:masters")],
        ) {
            out.push(Self::terminal(
                s,
                CLUSTER_ADMIN,
                Technique::Impersonate,
                vec![c],
                "can impersonate group system:masters (--as-group=system:masters)".into(),
            ));
        }
        let users = if self.may_allow_a_name(s, &cluster("impersonate", "", "users", "")) {
            self.users.clone()
        } else {
            Vec::new()
        };
        for u in users {
            let to = SubjectName::User { name: u.clone() };
            if &to == s {
                continue;
            }
            if let Some((c, _)) =
                self.first_allowed(s, &[cluster("impersonate", "", "users", "").with_name(&u)])
            {
                out.push(Edge {
                    step: Step {
                        from: s.to_string(),
                        to: to.to_string(),
                        technique: Technique::Impersonate,
                        namespace: None,
                        grants: vec![c],
                        certain: true,
                        explanation: format!("can impersonate user {u} (--as={u})"),
                    },
                    to: Node::Principal(to),
                });
            }
        }
        // Namespace techniques onto service accounts.
        for (ns, sas) in self.sas.clone() {
            let in_ns = |r: Request| r.in_namespace(Some(&ns));
            // Create any workload, or change an existing controller's pod
            // template (a pod's own serviceAccountName is immutable).
            let mut pod_reqs: Vec<Request> = WORKLOADS
                .iter()
                .map(|(g, r)| in_ns(cluster("create", g, r, "")))
                .collect();
            for verb in ["patch", "update"] {
                pod_reqs.extend(
                    WORKLOADS
                        .iter()
                        .filter(|(_, r)| *r != "pods")
                        .map(|(g, r)| in_ns(cluster(verb, g, r, ""))),
                );
            }
            let pod = self.first_allowed(s, &pod_reqs);
            let bind_ns = match (
                self.first_allowed(
                    s,
                    &[
                        in_ns(cluster("bind", rbac, "clusterroles", "").with_name("admin")),
                        in_ns(cluster("bind", rbac, "clusterroles", "").with_name("cluster-admin")),
                    ],
                ),
                self.first_allowed(s, &[in_ns(cluster("create", rbac, "rolebindings", ""))]),
            ) {
                (Some((b, _)), Some((c, _))) => Some(vec![b, c]),
                _ => None,
            };
            let list_secrets = self.first_allowed(
                s,
                &[
                    in_ns(cluster("list", "", "secrets", "")),
                    in_ns(cluster("watch", "", "secrets", "")),
                ],
            );
            // Run as any service account of the namespace.
            let hub = if let Some((c, what)) = pod {
                Some((
                    Technique::PodCreation,
                    vec![c],
                    true,
                    format!(
                        "can {what}: runs a pod with serviceAccountName {SA_PLACEHOLDER} and reads its token"
                    ),
                ))
            } else if let Some(g) = bind_ns {
                Some((
                    Technique::BindEscalate,
                    g,
                    true,
                    format!(
                        "can bind ClusterRole admin in {ns} to itself, then run pods as {SA_PLACEHOLDER}"
                    ),
                ))
            } else if !self.secret_namespaces.contains(&ns)
                && let Some((c, what)) = list_secrets
            {
                Some((
                    Technique::SecretRead,
                    vec![c],
                    false,
                    format!(
                        "can {what}: would read {SA_PLACEHOLDER}'s token if a service-account-token Secret exists (legacy or created by hand; the inventory holds no Secrets of {ns})"
                    ),
                ))
            } else {
                None
            };
            if let Some((technique, grants, certain, explanation)) = hub {
                out.push(Edge {
                    to: Node::Hub(ns.clone()),
                    step: Step {
                        from: s.to_string(),
                        to: format!("any service account of {ns}"),
                        technique,
                        namespace: Some(ns.clone()),
                        grants: distinct(grants),
                        certain,
                        explanation,
                    },
                });
                continue;
            }
            // Named techniques, asked per account only when some rule could allow them.
            let token =
                self.may_allow_a_name(s, &in_ns(cluster("create", "", "serviceaccounts", "token")));
            let imp =
                self.may_allow_a_name(s, &in_ns(cluster("impersonate", "", "serviceaccounts", "")));
            let get_secret = self.may_allow_a_name(s, &in_ns(cluster("get", "", "secrets", "")));
            if !token && !imp && !get_secret {
                continue;
            }
            for sa in &sas {
                let target = SubjectName::ServiceAccount {
                    namespace: ns.clone(),
                    name: sa.clone(),
                };
                if &target == s {
                    continue;
                }
                if token
                    && let Some((c, what)) = self.first_allowed(
                        s,
                        &[in_ns(cluster("create", "", "serviceaccounts", "token")).with_name(sa)],
                    )
                {
                    out.push(Self::sa_step(
                        s,
                        &ns,
                        sa,
                        Technique::TokenCreate,
                        vec![c],
                        true,
                        format!("can {what}: mints a token for {sa}"),
                    ));
                    continue;
                }
                if imp
                    && let Some((c, _)) = self.first_allowed(
                        s,
                        &[in_ns(cluster("impersonate", "", "serviceaccounts", "")).with_name(sa)],
                    )
                {
                    out.push(Self::sa_step(
                        s,
                        &ns,
                        sa,
                        Technique::Impersonate,
                        vec![c],
                        true,
                        format!("can impersonate service account {ns}/{sa}"),
                    ));
                    continue;
                }
                if !get_secret {
                    continue;
                }
                let secrets = self
                    .token_secrets
                    .get(&(ns.clone(), sa.clone()))
                    .cloned()
                    .unwrap_or_default();
                for secret in &secrets {
                    if let Some((c, what)) = self.first_allowed(
                        s,
                        &[in_ns(cluster("get", "", "secrets", "")).with_name(secret)],
                    ) {
                        out.push(Self::sa_step(
                            s,
                            &ns,
                            sa,
                            Technique::SecretRead,
                            vec![c],
                            true,
                            format!("can {what}: the token Secret of {sa}"),
                        ));
                        break;
                    }
                }
            }
        }
        out
    }

    /// Builds the graph over every identity named anywhere, and solves it
    /// for both terminals.
    fn graph(&mut self) -> &mut Graph {
        if self.graph.is_none() {
            let mut g = Graph::default();
            let admin = g.node(Node::Terminal(CLUSTER_ADMIN));
            g.node(Node::Terminal(NODE_CREDENTIALS));
            let mut principals: BTreeSet<SubjectName> = self.m.subjects().into_iter().collect();
            for (ns, names) in &self.sas {
                for n in names {
                    principals.insert(SubjectName::ServiceAccount {
                        namespace: ns.clone(),
                        name: n.clone(),
                    });
                }
            }
            for p in &principals {
                g.node(Node::Principal(p.clone()));
            }
            for p in principals {
                let from = g.node(Node::Principal(p.clone()));
                if let Some(step) = self.admin_step(&p) {
                    g.edge(from, admin, 1, Some(step));
                    continue;
                }
                for e in self.edges(&p) {
                    let to = g.node(e.to);
                    g.edge(from, to, 1, Some(e.step));
                }
            }
            let hubs: Vec<(usize, String)> = g
                .nodes
                .iter()
                .enumerate()
                .filter_map(|(i, n)| match n {
                    Node::Hub(ns) => Some((i, ns.clone())),
                    _ => None,
                })
                .collect();
            for (hub, ns) in hubs {
                for name in self.sas.get(&ns).into_iter().flatten() {
                    let sa = g.node(Node::Principal(SubjectName::ServiceAccount {
                        namespace: ns.clone(),
                        name: name.clone(),
                    }));
                    g.edge(hub, sa, 0, None);
                }
            }
            g.solve(CLUSTER_ADMIN);
            g.solve(NODE_CREDENTIALS);
            self.graph = Some(g);
        }
        self.graph.get_or_insert_with(Graph::default)
    }

    /// The shortest path from `start` to cluster-admin (or, when none, to
    /// node credentials).
    pub fn path_from(&mut self, start: &SubjectName) -> Option<Escalation> {
        let known = self
            .graph()
            .idx
            .get(&Node::Principal(start.clone()))
            .copied();
        let from = match known {
            Some(i) => i,
            // An identity no binding names: its own edges, then the graph.
            None => {
                let edges = self.edges(start);
                let g = self.graph();
                let best = [CLUSTER_ADMIN, NODE_CREDENTIALS].into_iter().find_map(|t| {
                    edges.iter().find_map(|e| {
                        let to = *g.idx.get(&e.to)?;
                        let rest = g.path(to, t)?;
                        Some((t, e.clone(), rest))
                    })
                });
                let (t, e, rest) = best?;
                let mut steps = vec![e.step];
                if let Node::Hub(_) = e.to {
                    // The hub's own fold happens in `path`; here the hub was
                    // entered from outside the graph, so fold by hand.
                    let g = self.graph();
                    let hub = g.idx[&e.to];
                    let next = g.next.get(t).and_then(|n| n[hub]);
                    if let Some(nx) = next {
                        let (_, to, _, _) = &g.edges[nx];
                        if let Node::Principal(sa) = &g.nodes[*to] {
                            let name = match sa {
                                SubjectName::ServiceAccount { name, .. } => name.clone(),
                                other => other.to_string(),
                            };
                            steps[0].to = sa.to_string();
                            steps[0].explanation =
                                steps[0].explanation.replace(SA_PLACEHOLDER, &name);
                        }
                    }
                }
                steps.extend(rest);
                return Some(Escalation {
                    subject: start.to_string(),
                    reaches: t,
                    steps,
                });
            }
        };
        let g = self.graph();
        [CLUSTER_ADMIN, NODE_CREDENTIALS]
            .into_iter()
            .find_map(|t| {
                g.path(from, t)
                    .filter(|s| !s.is_empty())
                    .map(|steps| (t, steps))
            })
            .map(|(reaches, steps)| Escalation {
                subject: start.to_string(),
                reaches,
                steps,
            })
    }

    /// Paths from every subject named by a binding (control-plane subjects
    /// only with `include_system`).
    pub fn report(&mut self, include_system: bool) -> EscalationReport {
        let mut paths = Vec::new();
        let mut admins = Vec::new();
        let mut skipped = 0;
        for s in self.m.subjects() {
            if !include_system && s.is_system() {
                skipped += 1;
                continue;
            }
            if self.admin_step(&s).is_some() {
                admins.push(s.to_string());
                continue;
            }
            if let Some(p) = self.path_from(&s) {
                paths.push(p);
            }
        }
        EscalationReport {
            paths,
            admins,
            skipped_system: skipped,
        }
    }

    /// The report for one subject.
    pub fn report_from(&mut self, s: &SubjectName) -> EscalationReport {
        let mut r = EscalationReport {
            paths: Vec::new(),
            admins: Vec::new(),
            skipped_system: 0,
        };
        if self.admin_step(s).is_some() {
            r.admins.push(s.to_string());
        } else if let Some(p) = self.path_from(s) {
            r.paths.push(p);
        }
        r
    }
}

impl EscalationReport {
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} escalation path(s); {} subject(s) already cluster-admin-equivalent{}",
            self.paths.len(),
            self.admins.len(),
            if self.admins.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.admins.join(", "))
            }
        );
        for p in &self.paths {
            let _ = writeln!(s, "\n{} -> {}", p.subject, p.reaches);
            for (i, st) in p.steps.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "  {}. {} -> {} [{}{}]: {}",
                    i + 1,
                    st.from,
                    st.to,
                    serde_json::to_value(st.technique)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    if st.certain { "" } else { ", possible" },
                    st.explanation
                );
                for c in &st.grants {
                    let _ = writeln!(s, "       via {c}");
                }
            }
        }
        s
    }

    fn edges(&self) -> Vec<(String, String, String)> {
        let mut v: Vec<(String, String, String)> = self
            .paths
            .iter()
            .flat_map(|p| p.steps.iter())
            .map(|st| {
                let t = serde_json::to_value(st.technique)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let mut label = match &st.namespace {
                    Some(ns) => format!("{t} ({ns})"),
                    None => t,
                };
                if !st.certain {
                    label.push_str(", possible");
                }
                (st.from.clone(), st.to.clone(), label)
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Graphviz DOT of every path (shared steps drawn once).
    pub fn dot(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut s = String::from("digraph escalations {\n  rankdir=LR;\n  node [shape=box];\n");
        let _ = writeln!(
            s,
            "  {} [shape=doubleoctagon, color=red];",
            q(CLUSTER_ADMIN)
        );
        for (a, b, l) in self.edges() {
            let style = if l.ends_with(", possible") {
                ", style=dashed"
            } else {
                ""
            };
            let _ = writeln!(s, "  {} -> {} [label={}{style}];", q(&a), q(&b), q(&l));
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart of every path.
    pub fn mermaid(&self) -> String {
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        let edges = self.edges();
        for (a, b, _) in &edges {
            let n = ids.len();
            ids.entry(a.clone()).or_insert(n);
            let n = ids.len();
            ids.entry(b.clone()).or_insert(n);
        }
        let esc = |s: &str| s.replace('"', "#quot;");
        let mut s = String::from("flowchart LR\n");
        for (name, id) in &ids {
            let _ = writeln!(s, "  n{id}[\"{}\"]", esc(name));
        }
        for (a, b, l) in &edges {
            let arrow = if l.ends_with(", possible") {
                "-.->"
            } else {
                "-->"
            };
            let _ = writeln!(s, "  n{} {arrow}|\"{}\"| n{}", ids[a], esc(l), ids[b]);
        }
        s
    }
}
