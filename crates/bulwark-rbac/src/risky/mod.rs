//! Risky grants as findings of `bulwark scan`.
//!
//! Role rules are checked where they are written (`rules[2].verbs`), so an
//! aggregated ClusterRole's rule is reported once, in the role it comes
//! from. Binding rules point at the offending subject. Objects the API
//! server bootstraps (`kubernetes.io/bootstrapping: rbac-defaults`) are the
//! platform's and are not reported. The kubeadm default roles are added
//! (when the inventory does not define them) only so bindings to `view`,
//! `edit` or `cluster-admin` resolve.

pub mod meta;
pub mod secret_readers;

use bulwark_core::{Analyzer, FieldPath, Finding, Inventory, Resource, RuleMeta, Severity};

use crate::defaults;
use crate::model::{BindingKind, IssueKind, Model, RBAC_GROUP, Role, RoleId, RoleKind};
use crate::request::{Request, SubjectName};
use crate::rule::{ALL, PolicyRule, rule_allows};

/// The analyzer for every risky-grant rule.
#[derive(Default)]
pub struct RbacAnalyzer;

/// Where a permission is risky.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Anywhere,
    /// A ClusterRole that is (or may be) bound cluster-wide, or a role of
    /// kube-system.
    ClusterOrKubeSystem,
}

/// A permission rule: fires when a role rule allows any verb on any
/// (group, resource) listed.
struct Ask {
    meta: &'static RuleMeta,
    verbs: &'static [&'static str],
    resources: &'static [(&'static str, &'static str)],
    scope: Scope,
}

const WRITE: &[&str] = &["create", "update", "patch"];

static ASKS: &[Ask] = &[
    Ask {
        meta: &meta::SECRETS_READ,
        verbs: &["get", "list", "watch"],
        resources: &[("", "secrets")],
        scope: Scope::ClusterOrKubeSystem,
    },
    Ask {
        meta: &meta::POD_EXEC,
        verbs: &["create", "get"],
        resources: &[
            ("", "pods/exec"),
            ("", "pods/attach"),
            ("", "pods/portforward"),
        ],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::WORKLOAD_CREATE,
        verbs: WRITE,
        resources: &[
            ("", "pods"),
            ("", "replicationcontrollers"),
            ("apps", "deployments"),
            ("apps", "daemonsets"),
            ("apps", "statefulsets"),
            ("apps", "replicasets"),
            ("batch", "jobs"),
            ("batch", "cronjobs"),
        ],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::ESCALATE_BIND,
        verbs: &["escalate", "bind"],
        resources: &[(RBAC_GROUP, "roles"), (RBAC_GROUP, "clusterroles")],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::IMPERSONATE,
        verbs: &["impersonate"],
        resources: &[
            ("", "users"),
            ("", "groups"),
            ("", "serviceaccounts"),
            ("authentication.k8s.io", "uids"),
            ("authentication.k8s.io", "userextras/scopes"),
        ],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::TOKEN_CREATE,
        verbs: &["create"],
        resources: &[("", "serviceaccounts/token")],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::NODES_PROXY,
        verbs: &["get", "create", "update", "patch", "delete"],
        resources: &[("", "nodes/proxy")],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::NODE_UPDATE,
        verbs: &["update", "patch"],
        resources: &[("", "nodes")],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::CSR_APPROVE,
        verbs: &["update", "patch"],
        resources: &[("certificates.k8s.io", "certificatesigningrequests/approval")],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::SERVICES_STATUS,
        verbs: &["update", "patch"],
        resources: &[("", "services/status")],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::WEBHOOK_CONFIG,
        verbs: WRITE,
        resources: &[
            (
                "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations",
            ),
            (
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
            ),
        ],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::RBAC_WRITE,
        verbs: &["create", "update", "patch", "delete"],
        resources: &[
            (RBAC_GROUP, "roles"),
            (RBAC_GROUP, "rolebindings"),
            (RBAC_GROUP, "clusterroles"),
            (RBAC_GROUP, "clusterrolebindings"),
        ],
        scope: Scope::Anywhere,
    },
    Ask {
        meta: &meta::PV_CREATE,
        verbs: &["create"],
        resources: &[("", "persistentvolumes")],
        scope: Scope::Anywhere,
    },
];

fn is_default_data(res: &Resource) -> bool {
    res.origin.file.as_deref() == Some(defaults::SOURCE_NAME)
}

/// Whether a rule holds every verb on every resource of every group.
pub fn is_full_wildcard(r: &PolicyRule<'_>) -> bool {
    r.verbs.contains(&ALL) && r.resources.contains(&ALL) && r.api_groups.contains(&ALL)
}

/// Verbs that together read and change anything a rule names: with them on
/// every resource, a subject can create pods that mount any service account
/// and so take every other power, even without `escalate` or `bind`.
const FULL_CONTROL_VERBS: [&str; 6] = ["get", "list", "create", "update", "patch", "delete"];

/// Whether a rule gives full control of every resource of every group:
/// `*` on `*`, or every read and write verb on `*`.
fn is_full_control(r: &PolicyRule<'_>) -> bool {
    r.resources.contains(&ALL)
        && r.api_groups.contains(&ALL)
        && (r.verbs.contains(&ALL) || FULL_CONTROL_VERBS.iter().all(|v| r.verbs.contains(v)))
}

/// Whether a role is equivalent to cluster-admin on resources.
pub fn is_admin_equivalent(m: &Model<'_>, role: RoleId) -> bool {
    m.roles[role]
        .rules
        .iter()
        .any(|r| is_full_control(m.rule(*r)))
}

/// Whether a binding refers to the API server's own `cluster-admin`: the
/// server reconciles that role at start-up (adding back any rule a manifest
/// left out) unless its `rbac.authorization.kubernetes.io/autoupdate`
/// annotation is "false", so a binding to it is a binding to `*` on `*`
/// whatever a manifest of the same name says.
fn refers_to_reconciled_cluster_admin(m: &Model<'_>, b: &crate::model::Binding<'_>) -> bool {
    b.role_kind == "ClusterRole"
        && b.role_name == "cluster-admin"
        && b.role.is_none_or(|r| {
            m.roles[r]
                .res
                .annotation("rbac.authorization.kubernetes.io/autoupdate")
                != Some("false")
        })
}

/// Whether a binding grants `*` on `*`: its role is admin-equivalent, or it
/// is the API server's reconciled cluster-admin.
fn binds_admin(m: &Model<'_>, b: &crate::model::Binding<'_>) -> bool {
    b.role.is_some_and(|r| is_admin_equivalent(m, r)) || refers_to_reconciled_cluster_admin(m, b)
}

/// The cluster-scoped resources among the asks.
fn cluster_scoped(resource: &str) -> bool {
    matches!(
        resource,
        "nodes"
            | "persistentvolumes"
            | "certificatesigningrequests"
            | "clusterroles"
            | "mutatingwebhookconfigurations"
            | "validatingwebhookconfigurations"
    )
}

fn split(resource: &str) -> (&str, &str) {
    resource.split_once('/').unwrap_or((resource, ""))
}

fn rule_field(i: usize, field: &str) -> FieldPath {
    FieldPath::parse("rules").index(i).key(field)
}

/// The risky-grant findings (`rbac-secrets-read`, `rbac-pod-exec`, ...) that
/// `*` on `*` rules imply but the scan does not list (the wildcard rules
/// report them). Compliance scores count them, so that a control such as
/// "minimize access to secrets" never passes on a role that grants everything.
///
/// A binding to an admin-equivalent role (the built-in `cluster-admin`
/// included, which the inputs rarely hold) implies them too, on the binding:
/// within its namespace for a RoleBinding.
pub fn implied_by_wildcards(inv: &Inventory, out: &mut Vec<Finding>) {
    with_model(inv, |m| {
        check_roles(m, Mode::Implied, out);
        implied_by_admin_bindings(m, out);
    });
}

fn implied_by_admin_bindings(m: &Model<'_>, out: &mut Vec<Finding>) {
    for b in &m.bindings {
        if b.bootstrap || is_default_data(b.res) {
            continue;
        }
        let admin = binds_admin(m, b);
        if !admin {
            continue;
        }
        let cluster_wide = b.kind == BindingKind::ClusterRoleBinding;
        for ask in ASKS {
            let here = match ask.scope {
                Scope::Anywhere => true,
                Scope::ClusterOrKubeSystem => cluster_wide || b.namespace == Some("kube-system"),
            };
            // Within a namespace, a binding grants nothing cluster-scoped.
            let reachable = cluster_wide
                || ask
                    .resources
                    .iter()
                    .any(|(_, r)| !cluster_scoped(split(r).0));
            if here && reachable {
                out.push(Finding::new(
                    ask.meta.id,
                    ask.meta.severity,
                    b.res,
                    FieldPath::parse("roleRef"),
                    format!(
                        "{} binds an admin-equivalent role: {}",
                        b.res.id.display(),
                        ask.meta.title
                    ),
                ));
            }
        }
    }
}

/// Runs `f` on the RBAC model of `inv` (with the default roles it lacks),
/// when `inv` holds any RBAC object.
fn with_model(inv: &Inventory, f: impl FnOnce(&Model<'_>)) {
    let has_rbac = inv.iter().any(|r| {
        r.group() == RBAC_GROUP
            && matches!(
                r.kind(),
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
            )
    });
    if !has_rbac {
        return;
    }
    let extra = defaults::missing_from(inv.iter()).unwrap_or_default();
    f(&Model::from_resources(inv.iter().chain(extra.iter())));
}

/// Every role written in the inputs (not bootstrap or default data).
fn check_roles(m: &Model<'_>, mode: Mode, out: &mut Vec<Finding>) {
    for (id, role) in m.roles.iter().enumerate() {
        if role.bootstrap || is_default_data(role.res) {
            continue;
        }
        check_role(m, id, role, mode, out);
    }
}

impl Analyzer for RbacAnalyzer {
    fn name(&self) -> &'static str {
        "rbac"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        meta::ALL.to_vec()
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        with_model(inv, |m| {
            check_roles(m, Mode::Report, out);
            check_bindings(m, out);
            for i in &m.issues {
                if is_default_data(i.res)
                    || !matches!(
                        i.kind,
                        IssueKind::MissingRole
                            | IssueKind::InvalidRoleRef
                            | IssueKind::InvalidSubject
                    )
                {
                    continue;
                }
                out.push(Finding::new(
                    meta::GRANTS_NOTHING.id,
                    meta::GRANTS_NOTHING.severity,
                    i.res,
                    i.path.clone(),
                    i.message.clone(),
                ));
            }
        });
    }
}

/// Where a ClusterRole takes effect, for scope-limited rules: bound by a
/// ClusterRoleBinding, by a RoleBinding in kube-system, or not bound yet
/// (it may be bound anywhere).
fn cluster_or_kube_system(m: &Model<'_>, id: RoleId, role: &Role<'_>) -> Option<&'static str> {
    match role.kind {
        RoleKind::Role => (role.namespace == Some("kube-system")).then_some("in kube-system"),
        RoleKind::ClusterRole => {
            if !m.crbs_of(id).is_empty() {
                Some("cluster-wide (bound by a ClusterRoleBinding)")
            } else if !m.rbs_of(id, "kube-system").is_empty() {
                Some("in kube-system")
            } else if !m.is_bound(id) {
                Some("in any namespace it is bound to (a ClusterRole, not bound yet)")
            } else {
                None
            }
        }
    }
}

/// What `check_role` reports: the scan's findings, or only the powers a
/// `*` on `*` rule implies (which the scan leaves to the wildcard rules).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Report,
    Implied,
}

fn check_role(m: &Model<'_>, id: RoleId, role: &Role<'_>, mode: Mode, out: &mut Vec<Finding>) {
    let emit = |out: &mut Vec<Finding>, meta: &'static RuleMeta, sev, path, msg: String| {
        out.push(Finding::new(meta.id, sev, role.res, path, msg));
    };
    let what = role.display();
    // An aggregating ClusterRole's rules are the controller's copy of the
    // selected roles' rules (a snapshot holds them): they are reported in
    // the roles they come from.
    let written = if role.aggregating {
        &[][..]
    } else {
        &role.own_rules[..]
    };
    for (i, rule) in written.iter().enumerate() {
        let full = is_full_wildcard(rule);
        let wild_sev = |base: Severity| {
            if full && role.kind == RoleKind::ClusterRole {
                Severity::High
            } else {
                base
            }
        };
        if mode == Mode::Report {
            if rule.verbs.contains(&ALL) {
                emit(
                    out,
                    &meta::WILDCARD_VERB,
                    wild_sev(meta::WILDCARD_VERB.severity),
                    rule_field(i, "verbs"),
                    format!("{what} rules[{i}] grants every verb: {}", rule.compact()),
                );
            }
            if rule.resources.contains(&ALL) {
                emit(
                    out,
                    &meta::WILDCARD_RESOURCE,
                    wild_sev(meta::WILDCARD_RESOURCE.severity),
                    rule_field(i, "resources"),
                    format!(
                        "{what} rules[{i}] grants every resource: {}",
                        rule.compact()
                    ),
                );
            }
            if rule.api_groups.contains(&ALL) {
                emit(
                    out,
                    &meta::WILDCARD_API_GROUP,
                    meta::WILDCARD_API_GROUP.severity,
                    rule_field(i, "apiGroups"),
                    format!(
                        "{what} rules[{i}] applies to every API group: {}",
                        rule.compact()
                    ),
                );
            }
        }
        // A `*` on `*` in every group is already reported by the wildcard
        // rules; listing every power it implies would bury them
        // (`Mode::Implied` lists exactly those, for compliance scores). In
        // one group (`certificates.k8s.io`, `apps`) the powers it holds are
        // few and named: CSR approval, workload creation.
        let star_on_star = is_full_wildcard(rule);
        if star_on_star != (mode == Mode::Implied) {
            continue;
        }
        for ask in ASKS {
            let scope_note = match ask.scope {
                Scope::Anywhere => match role.namespace {
                    Some(ns) => format!("in namespace {ns}"),
                    None => "wherever it is bound".to_string(),
                },
                Scope::ClusterOrKubeSystem => match cluster_or_kube_system(m, id, role) {
                    Some(s) => s.to_string(),
                    None => continue,
                },
            };
            let mut verbs: Vec<&str> = Vec::new();
            let mut resources: Vec<String> = Vec::new();
            for (group, resource) in ask.resources {
                let (res, sub) = split(resource);
                // A Role grants nothing on cluster-scoped resources: its `*`
                // implies none of them.
                if mode == Mode::Implied && role.kind == RoleKind::Role && cluster_scoped(res) {
                    continue;
                }
                for verb in ask.verbs {
                    if rule_allows(rule, &Request::resource(verb, group, res, sub)) {
                        if !verbs.contains(verb) {
                            verbs.push(verb);
                        }
                        let r = if group.is_empty() {
                            (*resource).to_string()
                        } else {
                            format!("{resource}.{group}")
                        };
                        if !resources.contains(&r) {
                            resources.push(r);
                        }
                    }
                }
            }
            if !verbs.is_empty() {
                emit(
                    out,
                    ask.meta,
                    ask.meta.severity,
                    rule_field(i, "verbs"),
                    format!(
                        "{what} rules[{i}] allows {} on {} {scope_note}",
                        verbs.join(", "),
                        resources.join(", ")
                    ),
                );
            }
        }
    }
    if mode == Mode::Report && !m.is_bound(id) && !m.is_aggregated(id) {
        emit(
            out,
            &meta::UNUSED_ROLE,
            meta::UNUSED_ROLE.severity,
            FieldPath::parse("metadata.name"),
            format!("{what} is not referenced by any binding"),
        );
    }
}

fn check_bindings(m: &Model<'_>, out: &mut Vec<Finding>) {
    for b in &m.bindings {
        if b.bootstrap || is_default_data(b.res) {
            continue;
        }
        let admin = binds_admin(m, b);
        for s in &b.subjects {
            let Some(subject) = &s.resolved else {
                continue;
            };
            let path = FieldPath::parse("subjects").index(s.index);
            let mut emit = |meta: &'static RuleMeta, sev: Severity, msg: String| {
                out.push(Finding::new(meta.id, sev, b.res, path.clone(), msg));
            };
            match subject {
                SubjectName::User { name } if name == "system:anonymous" => emit(
                    &meta::PUBLIC_BINDING,
                    Severity::Critical,
                    format!(
                        "{} grants to system:anonymous: anyone who reaches the API server",
                        b.display_ref()
                    ),
                ),
                SubjectName::Group { name } if name == "system:unauthenticated" => emit(
                    &meta::PUBLIC_BINDING,
                    Severity::Critical,
                    format!(
                        "{} grants to system:unauthenticated: anyone who reaches the API server",
                        b.display_ref()
                    ),
                ),
                SubjectName::Group { name } if name == "system:authenticated" => emit(
                    &meta::PUBLIC_BINDING,
                    meta::PUBLIC_BINDING.severity,
                    format!(
                        "{} grants to system:authenticated: every user and service account",
                        b.display_ref()
                    ),
                ),
                _ => {}
            }
            if admin && !subject.is_system() {
                let (sev, scope) = match b.namespace {
                    None => (Severity::Critical, "the whole cluster".to_string()),
                    Some(ns) => (Severity::High, format!("namespace {ns}")),
                };
                emit(
                    &meta::CLUSTER_ADMIN_BINDING,
                    sev,
                    format!(
                        "{} gives {subject} read and write on every resource: full control of {scope}",
                        b.display_ref()
                    ),
                );
            }
            if let SubjectName::ServiceAccount { namespace, name } = subject {
                if name == "default" {
                    emit(
                        &meta::DEFAULT_SA_BINDING,
                        meta::DEFAULT_SA_BINDING.severity,
                        format!(
                            "{} grants to the default service account of {namespace}, which every pod without serviceAccountName uses",
                            b.display_ref()
                        ),
                    );
                }
                if let Some(ns) = b.namespace
                    && ns != namespace
                {
                    emit(
                        &meta::CROSS_NAMESPACE_SA,
                        meta::CROSS_NAMESPACE_SA.severity,
                        format!(
                            "{} in namespace {ns} grants to {subject} of namespace {namespace}",
                            b.display_ref()
                        ),
                    );
                }
            }
        }
    }
}
