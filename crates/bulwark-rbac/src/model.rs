//! The RBAC objects of an inventory, resolved as the API server would hold
//! them: roles with their aggregated rules, bindings with their role found
//! (or reported missing), subjects with service-account namespaces
//! defaulted. Indexed at build time so queries never scan every binding.

use std::collections::{BTreeSet, HashMap, HashSet};

use bulwark_core::{FieldPath, Inventory, Location, Resource};
use serde::Serialize;
use serde_json::Value;

use crate::request::{SubjectName, sa_username};
use crate::rule::PolicyRule;
use crate::selector::Selector;

pub type RoleId = usize;
pub type BindingId = usize;

/// The API group of every RBAC kind.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// Label the API server puts on the roles and bindings it bootstraps.
pub const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum BindingKind {
    RoleBinding,
    ClusterRoleBinding,
}

/// Where an effective rule was written: `roles[role].own_rules[index]`.
/// For an aggregated ClusterRole this is the role it was aggregated from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    pub role: RoleId,
    pub index: usize,
}

/// A Role or ClusterRole.
#[derive(Debug)]
pub struct Role<'a> {
    pub kind: RoleKind,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub res: &'a Resource,
    /// The `rules` written in the object.
    pub own_rules: Vec<PolicyRule<'a>>,
    /// The rules the authorizer uses: `own_rules`, or for a ClusterRole
    /// with a valid `aggregationRule`, the union of the selected roles' rules.
    pub rules: Vec<RuleRef>,
    /// Has a valid `aggregationRule` (its rules are controller-managed).
    pub aggregating: bool,
    /// Bootstrapped by the API server (`kubernetes.io/bootstrapping: rbac-defaults`).
    pub bootstrap: bool,
}

impl Role<'_> {
    pub fn display(&self) -> String {
        match self.namespace {
            Some(ns) => format!("Role/{ns}/{}", self.name),
            None => format!("ClusterRole/{}", self.name),
        }
    }
}

/// One `subjects[]` entry of a binding.
#[derive(Debug)]
pub struct Subject<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    /// Index in `subjects[]`.
    pub index: usize,
    /// Who this entry names, or `None` when it can never match a request
    /// (unknown kind, or a service account without a namespace in a
    /// ClusterRoleBinding).
    pub resolved: Option<SubjectName>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug)]
pub struct Binding<'a> {
    pub kind: BindingKind,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub res: &'a Resource,
    pub role_kind: &'a str,
    pub role_name: &'a str,
    /// The referenced role, when it exists and the reference is valid.
    pub role: Option<RoleId>,
    pub subjects: Vec<Subject<'a>>,
    pub bootstrap: bool,
}

impl Binding<'_> {
    pub fn display(&self) -> String {
        match self.namespace {
            Some(ns) => format!("RoleBinding/{ns}/{}", self.name),
            None => format!("ClusterRoleBinding/{}", self.name),
        }
    }

    /// `RoleBinding/ns/name -> ClusterRole/view`.
    pub fn display_ref(&self) -> String {
        format!(
            "{} -> {}/{}",
            self.display(),
            self.role_kind,
            self.role_name
        )
    }
}

/// What kind of problem the model found in the RBAC objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// A binding whose role does not exist (grants nothing).
    MissingRole,
    /// A roleRef kind other than Role/ClusterRole, or a ClusterRoleBinding
    /// to a Role (grants nothing).
    InvalidRoleRef,
    /// A subject that can never match (unknown kind, service account
    /// without namespace in a ClusterRoleBinding).
    InvalidSubject,
    /// An aggregationRule the controller cannot use.
    InvalidAggregation,
    /// The same object defined twice; the later definition is used.
    Duplicate,
}

/// A problem in the RBAC objects, located at the offending field.
#[derive(Clone, Debug)]
pub struct Issue<'a> {
    pub kind: IssueKind,
    pub res: &'a Resource,
    pub path: FieldPath,
    pub message: String,
}

/// All RBAC objects of an inventory, resolved and indexed.
#[derive(Debug, Default)]
pub struct Model<'a> {
    pub roles: Vec<Role<'a>>,
    pub bindings: Vec<Binding<'a>>,
    pub issues: Vec<Issue<'a>>,
    /// ServiceAccount objects (namespace, name).
    pub service_accounts: BTreeSet<(&'a str, &'a str)>,
    /// Every namespace named by any object.
    pub namespaces: BTreeSet<&'a str>,
    cluster_roles: HashMap<&'a str, RoleId>,
    ns_roles: HashMap<(&'a str, &'a str), RoleId>,
    roles_in_ns: HashMap<&'a str, Vec<RoleId>>,
    cluster_role_ids: Vec<RoleId>,
    crbs_by_role: HashMap<RoleId, Vec<BindingId>>,
    rbs_by_role_ns: HashMap<(RoleId, &'a str), Vec<BindingId>>,
    rbs_by_role: HashMap<RoleId, Vec<BindingId>>,
    by_user: HashMap<String, Vec<(BindingId, usize)>>,
    by_group: HashMap<&'a str, Vec<(BindingId, usize)>>,
    bound: HashSet<RoleId>,
    aggregated_into: HashSet<RoleId>,
}

/// The string at a `/a/b` path (keys without `~` or `/`), without the
/// allocations of `Value::pointer`: this runs for every binding.
fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    ptr.split('/')
        .filter(|k| !k.is_empty())
        .try_fold(v, |cur, k| cur.get(k))
        .and_then(Value::as_str)
}

fn is_bootstrap(res: &Resource) -> bool {
    res.labels()
        .and_then(|l| l.get(BOOTSTRAP_LABEL))
        .and_then(Value::as_str)
        == Some("rbac-defaults")
}

fn is_rbac(res: &Resource) -> bool {
    res.group() == RBAC_GROUP
}

impl<'a> Model<'a> {
    /// Reads every Role, ClusterRole, RoleBinding, ClusterRoleBinding and
    /// ServiceAccount of `inv`.
    pub fn build(inv: &'a Inventory) -> Self {
        Self::from_resources(inv.iter())
    }

    pub fn from_resources(resources: impl IntoIterator<Item = &'a Resource>) -> Self {
        let mut m = Model::default();
        let mut binding_res = Vec::new();
        for res in resources {
            if let Some(ns) = res.namespace() {
                m.namespaces.insert(ns);
            }
            match res.kind() {
                "Namespace" => {
                    m.namespaces.insert(res.id.name.as_str());
                }
                "ServiceAccount" if res.group().is_empty() => {
                    if let Some(ns) = res.namespace() {
                        m.service_accounts.insert((ns, res.id.name.as_str()));
                    }
                }
                "Role" | "ClusterRole" if is_rbac(res) => m.add_role(res),
                "RoleBinding" | "ClusterRoleBinding" if is_rbac(res) => binding_res.push(res),
                _ => {}
            }
        }
        m.resolve_aggregation();
        for res in binding_res {
            m.add_binding(res);
        }
        m
    }

    fn add_role(&mut self, res: &'a Resource) {
        let kind = if res.kind() == "Role" {
            RoleKind::Role
        } else {
            RoleKind::ClusterRole
        };
        let name = str_at(&res.value, "/metadata/name").unwrap_or("");
        let namespace = match kind {
            RoleKind::Role => Some(res.namespace().unwrap_or("default")),
            RoleKind::ClusterRole => None,
        };
        let own_rules: Vec<PolicyRule<'a>> = bulwark_core::value::as_array(res.value.get("rules"))
            .iter()
            .map(PolicyRule::from_value)
            .collect();
        let id = self.roles.len();
        let rules = (0..own_rules.len())
            .map(|index| RuleRef { role: id, index })
            .collect();
        self.roles.push(Role {
            kind,
            namespace,
            name,
            res,
            own_rules,
            rules,
            aggregating: false,
            bootstrap: is_bootstrap(res),
        });
        let prev = match namespace {
            Some(ns) => {
                self.roles_in_ns.entry(ns).or_default().push(id);
                self.ns_roles.insert((ns, name), id)
            }
            None => {
                self.cluster_role_ids.push(id);
                self.cluster_roles.insert(name, id)
            }
        };
        if let Some(prev) = prev {
            self.issues.push(Issue {
                kind: IssueKind::Duplicate,
                res,
                path: FieldPath::parse("metadata.name"),
                message: format!(
                    "{} is defined twice; this later definition is the one used",
                    self.roles[prev].display()
                ),
            });
            // Only the definition in use is a candidate for queries.
            if let Some(list) = match namespace {
                Some(ns) => self.roles_in_ns.get_mut(ns),
                None => Some(&mut self.cluster_role_ids),
            } {
                list.retain(|r| *r != prev);
            }
        }
    }

    /// Computes the rules of aggregated ClusterRoles as the
    /// clusterrole-aggregation controller does (union of the selected
    /// roles' rules, deduplicated, the role itself excluded), repeated
    /// until nothing changes so aggregation of aggregated roles settles.
    fn resolve_aggregation(&mut self) {
        let mut by_name: Vec<RoleId> = self.cluster_role_ids.clone();
        by_name.sort_by_key(|id| self.roles[*id].name);
        // ClusterRoles by label, in name order: a selector that requires a
        // label tries only the roles carrying it (trying every role for
        // every aggregating role was quadratic).
        let mut by_label: HashMap<(&str, &str), Vec<RoleId>> = HashMap::new();
        let rank: HashMap<RoleId, usize> =
            by_name.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        for &id in &by_name {
            for (k, v) in self.roles[id].res.labels().into_iter().flatten() {
                if let Some(v) = v.as_str() {
                    by_label.entry((k.as_str(), v)).or_default().push(id);
                }
            }
        }
        let mut agg: Vec<(RoleId, Vec<Vec<RoleId>>)> = Vec::new();
        for &id in &self.cluster_role_ids {
            let res = self.roles[id].res;
            let Some(rule) = res.value.get("aggregationRule").filter(|v| !v.is_null()) else {
                continue;
            };
            let sels = bulwark_core::value::as_array(rule.get("clusterRoleSelectors"));
            let mut matched = Vec::new();
            let mut error = None;
            for (i, s) in sels.iter().enumerate() {
                match Selector::parse(s) {
                    Ok(sel) => {
                        let candidates: Vec<RoleId> = match sel.required_label() {
                            Some((key, values)) => {
                                let mut c: Vec<RoleId> = values
                                    .iter()
                                    .flat_map(|v| by_label.get(&(key, *v)).into_iter().flatten())
                                    .copied()
                                    .collect();
                                c.sort_by_key(|m| rank.get(m).copied().unwrap_or(usize::MAX));
                                c.dedup();
                                c
                            }
                            None => by_name.clone(),
                        };
                        matched.push(
                            candidates
                                .into_iter()
                                .filter(|m| *m != id && sel.matches(self.roles[*m].res.labels()))
                                .collect(),
                        )
                    }
                    Err(e) => {
                        error = Some((i, e));
                        break;
                    }
                }
            }
            match error {
                Some((i, e)) => self.issues.push(Issue {
                    kind: IssueKind::InvalidAggregation,
                    res,
                    path: FieldPath::parse("aggregationRule.clusterRoleSelectors").index(i),
                    message: format!(
                        "invalid clusterRoleSelector ({e}): the aggregation controller cannot use it, so the role keeps the rules written in it"
                    ),
                }),
                None => {
                    self.roles[id].aggregating = true;
                    self.aggregated_into.extend(matched.iter().flatten().copied());
                    agg.push((id, matched));
                }
            }
        }
        // Children first: an aggregating role's rules are the union of the
        // roles it selects, so computing each after the aggregating roles it
        // selects settles a chain in one pass (repeating passes until nothing
        // changed was cubic on a long chain). Roles in a cycle are left to the
        // passes below, which then change nothing outside the cycle.
        let at: HashMap<RoleId, usize> = agg
            .iter()
            .enumerate()
            .map(|(k, (id, _))| (*id, k))
            .collect();
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); agg.len()];
        let mut waiting: Vec<usize> = vec![0; agg.len()];
        for (k, (_, matched)) in agg.iter().enumerate() {
            let mut children: Vec<usize> = matched
                .iter()
                .flatten()
                .filter_map(|m| at.get(m).copied())
                .collect();
            children.sort_unstable();
            children.dedup();
            waiting[k] = children.len();
            for c in children {
                parents[c].push(k);
            }
        }
        let mut ready: Vec<usize> = (0..agg.len()).filter(|&k| waiting[k] == 0).collect();
        while let Some(k) = ready.pop() {
            let new = self.union_of(&agg[k].1);
            self.roles[agg[k].0].rules = new;
            for &p in &parents[k] {
                waiting[p] -= 1;
                if waiting[p] == 0 {
                    ready.push(p);
                }
            }
        }
        for _ in 0..=agg.len() {
            let mut changed = false;
            for (id, matched) in &agg {
                let new = self.union_of(matched);
                if new != self.roles[*id].rules {
                    self.roles[*id].rules = new;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The rules of the roles selected, in order, each rule once.
    fn union_of(&self, matched: &[Vec<RoleId>]) -> Vec<RuleRef> {
        let mut new: Vec<RuleRef> = Vec::new();
        let mut seen: HashSet<&PolicyRule<'a>> = HashSet::new();
        for group in matched {
            for m in group {
                for rr in &self.roles[*m].rules {
                    if seen.insert(&self.roles[rr.role].own_rules[rr.index]) {
                        new.push(*rr);
                    }
                }
            }
        }
        new
    }

    fn add_binding(&mut self, res: &'a Resource) {
        let kind = if res.kind() == "RoleBinding" {
            BindingKind::RoleBinding
        } else {
            BindingKind::ClusterRoleBinding
        };
        let name = str_at(&res.value, "/metadata/name").unwrap_or("");
        let namespace = match kind {
            BindingKind::RoleBinding => Some(res.namespace().unwrap_or("default")),
            BindingKind::ClusterRoleBinding => None,
        };
        let role_kind = str_at(&res.value, "/roleRef/kind").unwrap_or("");
        let role_name = str_at(&res.value, "/roleRef/name").unwrap_or("");
        let id = self.bindings.len();
        let role = match (role_kind, namespace) {
            ("ClusterRole", _) => {
                let r = self.cluster_roles.get(role_name).copied();
                if r.is_none() {
                    self.issues.push(Issue {
                        kind: IssueKind::MissingRole,
                        res,
                        path: FieldPath::parse("roleRef.name"),
                        message: format!(
                            "ClusterRole '{role_name}' does not exist: this binding grants nothing"
                        ),
                    });
                }
                r
            }
            ("Role", Some(ns)) => {
                let r = self.ns_roles.get(&(ns, role_name)).copied();
                if r.is_none() {
                    self.issues.push(Issue {
                        kind: IssueKind::MissingRole,
                        res,
                        path: FieldPath::parse("roleRef.name"),
                        message: format!(
                            "Role '{role_name}' does not exist in namespace '{ns}': this binding grants nothing"
                        ),
                    });
                }
                r
            }
            ("Role", None) => {
                self.issues.push(Issue {
                    kind: IssueKind::InvalidRoleRef,
                    res,
                    path: FieldPath::parse("roleRef.kind"),
                    message: "a ClusterRoleBinding can only reference a ClusterRole: this binding grants nothing".into(),
                });
                None
            }
            (other, _) => {
                self.issues.push(Issue {
                    kind: IssueKind::InvalidRoleRef,
                    res,
                    path: FieldPath::parse("roleRef.kind"),
                    message: format!(
                        "unsupported roleRef kind '{other}' (Role or ClusterRole): this binding grants nothing"
                    ),
                });
                None
            }
        };
        let mut subjects = Vec::new();
        for (index, s) in bulwark_core::value::as_array(res.value.get("subjects"))
            .iter()
            .enumerate()
        {
            let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
            let sname = s.get("name").and_then(Value::as_str).unwrap_or("");
            let snamespace = s
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty());
            let resolved = match kind {
                _ if sname.is_empty() => None,
                "User" => Some(SubjectName::User { name: sname.into() }),
                "Group" => Some(SubjectName::Group { name: sname.into() }),
                "ServiceAccount" => snamespace.or(namespace).map(|ns| {
                    self.namespaces.insert(ns);
                    SubjectName::ServiceAccount {
                        namespace: ns.into(),
                        name: sname.into(),
                    }
                }),
                _ => None,
            };
            if resolved.is_none() {
                let why = if sname.is_empty() {
                    "the subject has no name".to_string()
                } else if kind == "ServiceAccount" {
                    "a ServiceAccount subject of a ClusterRoleBinding needs a namespace".to_string()
                } else {
                    format!("unknown subject kind '{kind}' (User, Group or ServiceAccount)")
                };
                self.issues.push(Issue {
                    kind: IssueKind::InvalidSubject,
                    res,
                    path: FieldPath::parse("subjects").index(index),
                    message: format!("{why}: this subject matches no request"),
                });
            }
            match &resolved {
                Some(SubjectName::User { name }) => self
                    .by_user
                    .entry(name.clone())
                    .or_default()
                    .push((id, index)),
                Some(SubjectName::ServiceAccount { namespace, name }) => self
                    .by_user
                    .entry(sa_username(namespace, name))
                    .or_default()
                    .push((id, index)),
                Some(SubjectName::Group { .. }) => {
                    self.by_group.entry(sname).or_default().push((id, index))
                }
                None => {}
            }
            subjects.push(Subject {
                kind,
                name: sname,
                namespace: snamespace,
                index,
                resolved,
            });
        }
        if let Some(r) = role {
            self.bound.insert(r);
            match namespace {
                Some(ns) => {
                    self.rbs_by_role_ns.entry((r, ns)).or_default().push(id);
                    self.rbs_by_role.entry(r).or_default().push(id);
                }
                None => self.crbs_by_role.entry(r).or_default().push(id),
            }
        }
        self.bindings.push(Binding {
            kind,
            namespace,
            name,
            res,
            role_kind,
            role_name,
            role,
            subjects,
            bootstrap: is_bootstrap(res),
        });
    }

    /// The rule a [`RuleRef`] points at.
    pub fn rule(&self, r: RuleRef) -> &PolicyRule<'a> {
        &self.roles[r.role].own_rules[r.index]
    }

    /// Path of a rule inside its role (`rules[2]`).
    pub fn rule_path(r: RuleRef) -> FieldPath {
        FieldPath::parse("rules").index(r.index)
    }

    /// `file:line` of a field, when the object came from a file.
    pub fn location(res: &Resource, path: &FieldPath) -> Option<Location> {
        res.locate(path)
    }

    pub fn cluster_role(&self, name: &str) -> Option<RoleId> {
        self.cluster_roles.get(name).copied()
    }

    pub fn role_in(&self, ns: &str, name: &str) -> Option<RoleId> {
        self.ns_roles.get(&(ns, name)).copied()
    }

    /// ClusterRoles in use (a later duplicate replaces an earlier one).
    pub fn cluster_role_ids(&self) -> &[RoleId] {
        &self.cluster_role_ids
    }

    /// Roles of one namespace in use.
    pub fn roles_in(&self, ns: &str) -> &[RoleId] {
        self.roles_in_ns.get(ns).map(Vec::as_slice).unwrap_or(&[])
    }

    /// ClusterRoleBindings of a ClusterRole.
    pub fn crbs_of(&self, role: RoleId) -> &[BindingId] {
        self.crbs_by_role
            .get(&role)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// RoleBindings in `ns` of a role.
    pub fn rbs_of(&self, role: RoleId, ns: &'a str) -> &[BindingId] {
        self.rbs_by_role_ns
            .get(&(role, ns))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// RoleBindings of a role in every namespace.
    pub fn all_rbs_of(&self, role: RoleId) -> &[BindingId] {
        self.rbs_by_role
            .get(&role)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every Role and ClusterRole in use.
    pub fn role_ids_in_use(&self) -> impl Iterator<Item = RoleId> + '_ {
        self.cluster_role_ids
            .iter()
            .copied()
            .chain(self.roles_in_ns.values().flatten().copied())
    }

    /// Whether any binding references the role (directly).
    pub fn is_bound(&self, role: RoleId) -> bool {
        self.bound.contains(&role)
    }

    /// Whether an aggregating ClusterRole selects this ClusterRole.
    pub fn is_aggregated(&self, role: RoleId) -> bool {
        self.aggregated_into.contains(&role)
    }

    /// Every (binding, subject index) whose subject applies to `user`,
    /// first subject per binding, ClusterRoleBindings first (the
    /// authorizer's visiting order).
    pub fn bindings_for(&self, user: &crate::request::UserInfo) -> Vec<(BindingId, usize)> {
        let mut out: Vec<(BindingId, usize)> = Vec::new();
        if !user.name.is_empty()
            && let Some(v) = self.by_user.get(&user.name)
        {
            out.extend(v);
        }
        for g in &user.groups {
            if let Some(v) = self.by_group.get(g.as_str()) {
                out.extend(v);
            }
        }
        out.sort_by_key(|(b, s)| (self.bindings[*b].kind == BindingKind::RoleBinding, *b, *s));
        out.dedup_by_key(|(b, _)| *b);
        out
    }
}
