//! Questions to the authorizer: who can do this, can this subject do this,
//! what can this subject do.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{BindingId, BindingKind, Model, RoleId, RuleRef};
use crate::request::{Request, SubjectName, Target, UserInfo};
use crate::rule::rule_allows;

/// One reason a subject holds a permission: binding -> role -> rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub subject: SubjectName,
    pub binding: BindingId,
    /// Index of the binding's subject that applies.
    pub subject_index: usize,
    pub role: RoleId,
    pub rule: RuleRef,
}

/// The answer to "can SUBJECT do REQUEST".
#[derive(Clone, Debug, Default)]
pub struct Decision {
    /// Every grant that allows the request (empty: denied).
    pub grants: Vec<Grant>,
    /// Bindings that apply to the subject but grant nothing (missing role).
    pub errors: Vec<String>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        !self.grants.is_empty()
    }
}

/// The permissions a subject holds: cluster-wide (ClusterRoleBindings) and
/// per namespace (RoleBindings).
#[derive(Clone, Debug, Default)]
pub struct Permissions {
    pub cluster: Vec<Grant>,
    pub namespaces: BTreeMap<String, Vec<Grant>>,
}

impl Model<'_> {
    /// The first effective rule of `role` that allows `req`.
    pub fn allowing_rule(&self, role: RoleId, req: &Request) -> Option<RuleRef> {
        self.roles[role]
            .rules
            .iter()
            .copied()
            .find(|r| rule_allows(self.rule(*r), req))
    }

    /// Every subject that can do `req`, each with the grant that allows it.
    ///
    /// Uses the indexes: the candidate roles are the ClusterRoles and the
    /// Roles of the request's namespace; only the bindings of the roles that
    /// allow the request are read.
    pub fn who_can(&self, req: &Request) -> Vec<Grant> {
        let mut out = Vec::new();
        let ns = match (&req.target, &req.namespace) {
            (Target::Resource { .. }, Some(ns)) => self.namespaces.get(ns.as_str()).copied(),
            _ => None,
        };
        for &role in self.cluster_role_ids() {
            let Some(rule) = self.allowing_rule(role, req) else {
                continue;
            };
            for &b in self.crbs_of(role) {
                self.push_subjects(b, role, rule, &mut out);
            }
            if let Some(ns) = ns {
                for &b in self.rbs_of(role, ns) {
                    self.push_subjects(b, role, rule, &mut out);
                }
            }
        }
        if let Some(ns) = ns {
            for &role in self.roles_in(ns) {
                if let Some(rule) = self.allowing_rule(role, req) {
                    for &b in self.rbs_of(role, ns) {
                        self.push_subjects(b, role, rule, &mut out);
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Every subject that can do `req` in at least one namespace (or
    /// cluster-wide): ClusterRoleBindings, and RoleBindings of every
    /// namespace. The request's own namespace is ignored.
    pub fn who_can_anywhere(&self, req: &Request) -> Vec<Grant> {
        let mut out = Vec::new();
        // Cluster-scoped resources and URLs never go through RoleBindings.
        let through_role_bindings = !crate::request::is_cluster_scoped_request(req);
        for role in self.role_ids_in_use() {
            let Some(rule) = self.allowing_rule(role, req) else {
                continue;
            };
            for &b in self.crbs_of(role) {
                self.push_subjects(b, role, rule, &mut out);
            }
            if through_role_bindings {
                for &b in self.all_rbs_of(role) {
                    self.push_subjects(b, role, rule, &mut out);
                }
            }
        }
        out.sort();
        out
    }

    fn push_subjects(&self, b: BindingId, role: RoleId, rule: RuleRef, out: &mut Vec<Grant>) {
        for s in &self.bindings[b].subjects {
            if let Some(subject) = &s.resolved {
                out.push(Grant {
                    subject: subject.clone(),
                    binding: b,
                    subject_index: s.index,
                    role,
                    rule,
                });
            }
        }
    }

    /// Whether the bound role of binding `b` applies to a request in the
    /// request's scope (ClusterRoleBindings everywhere, RoleBindings only
    /// for resource requests in their namespace).
    fn binding_in_scope(&self, b: BindingId, req: &Request) -> bool {
        let binding = &self.bindings[b];
        match binding.kind {
            BindingKind::ClusterRoleBinding => true,
            BindingKind::RoleBinding => {
                matches!(req.target, Target::Resource { .. })
                    && req.namespace.as_deref() == binding.namespace
            }
        }
    }

    /// Can `user` do `req`? Every grant that allows it, and the bindings
    /// that would apply but whose role is missing.
    pub fn can(&self, user: &UserInfo, req: &Request) -> Decision {
        let mut d = Decision::default();
        for (b, si) in self.bindings_for(user) {
            if !self.binding_in_scope(b, req) {
                continue;
            }
            let binding = &self.bindings[b];
            let Some(role) = binding.role else {
                d.errors.push(format!(
                    "{} applies but its {} '{}' does not exist",
                    binding.display(),
                    binding.role_kind,
                    binding.role_name
                ));
                continue;
            };
            if let Some(rule) = self.allowing_rule(role, req)
                && let Some(subject) = binding.subjects[si].resolved.clone()
            {
                d.grants.push(Grant {
                    subject,
                    binding: b,
                    subject_index: si,
                    role,
                    rule,
                });
            }
        }
        d
    }

    /// Every rule `user` holds, cluster-wide and per namespace.
    pub fn permissions(&self, user: &UserInfo) -> Permissions {
        let mut p = Permissions::default();
        for (b, si) in self.bindings_for(user) {
            let binding = &self.bindings[b];
            let (Some(role), Some(subject)) = (binding.role, &binding.subjects[si].resolved) else {
                continue;
            };
            let list = match binding.namespace {
                None => &mut p.cluster,
                Some(ns) => p.namespaces.entry(ns.to_string()).or_default(),
            };
            for &rule in &self.roles[role].rules {
                list.push(Grant {
                    subject: subject.clone(),
                    binding: b,
                    subject_index: si,
                    role,
                    rule,
                });
            }
        }
        p
    }

    /// The first grant in `perms` that allows `req` (cluster-wide grants
    /// apply in every namespace).
    pub fn perms_allow<'p>(&self, perms: &'p Permissions, req: &Request) -> Option<&'p Grant> {
        let local = match (&req.target, &req.namespace) {
            (Target::Resource { .. }, Some(ns)) => perms.namespaces.get(ns),
            _ => None,
        };
        perms
            .cluster
            .iter()
            .chain(local.into_iter().flatten())
            .find(|g| rule_allows(self.rule(g.rule), req))
    }

    /// Every distinct subject named by a binding, sorted.
    pub fn subjects(&self) -> Vec<SubjectName> {
        let mut v: Vec<SubjectName> = self
            .bindings
            .iter()
            .flat_map(|b| b.subjects.iter().filter_map(|s| s.resolved.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// A grant as people read it, with file positions.
    pub fn chain(&self, g: &Grant) -> Chain {
        let binding = &self.bindings[g.binding];
        let role = &self.roles[g.role];
        let origin = &self.roles[g.rule.role];
        let rule_path = Model::rule_path(g.rule);
        let loc = |res: &bulwark_core::Resource, path: &bulwark_core::FieldPath| {
            res.locate(path).map(|l| match l.line {
                Some(line) => format!("{}:{line}", l.file),
                None => l.file,
            })
        };
        Chain {
            subject: g.subject.to_string(),
            binding: binding.display(),
            binding_at: loc(
                binding.res,
                &bulwark_core::FieldPath::parse("subjects").index(g.subject_index),
            ),
            role: role.display(),
            rule: self.rule(g.rule).compact(),
            rule_path: rule_path.to_string(),
            aggregated_from: (g.rule.role != g.role).then(|| origin.display()),
            rule_at: loc(origin.res, &rule_path),
        }
    }
}

/// A grant for output: subject, binding, role, rule, and where each is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Chain {
    pub subject: String,
    pub binding: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_at: Option<String>,
    pub role: String,
    pub rule: String,
    pub rule_path: String,
    /// The role the rule was written in, when the bound role aggregates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregated_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_at: Option<String>,
}

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {}", self.binding, self.role)?;
        if let Some(a) = &self.aggregated_from {
            write!(f, " (aggregated from {a})")?;
        }
        write!(f, " {}: {}", self.rule_path, self.rule)
    }
}
