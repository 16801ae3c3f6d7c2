//! Answers shaped for output: JSON through serde, text for terminals.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::authz::{Chain, Grant};
use crate::model::{Issue, IssueKind, Model};
use crate::request::{Request, SubjectName, UserInfo};

/// A model issue for output.
#[derive(Clone, Debug, Serialize)]
pub struct IssueOut {
    pub kind: IssueKind,
    pub object: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub message: String,
}

impl IssueOut {
    pub fn of(i: &Issue<'_>) -> Self {
        Self {
            kind: i.kind,
            object: i.res.id.display(),
            path: i.path.to_string(),
            at: i.res.locate(&i.path).map(|l| match l.line {
                Some(n) => format!("{}:{n}", l.file),
                None => l.file,
            }),
            message: i.message.clone(),
        }
    }
}

impl std::fmt::Display for IssueOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(at) = &self.at {
            write!(f, "{at}: ")?;
        }
        write!(f, "{} {}: {}", self.object, self.path, self.message)
    }
}

/// Issues that change answers (a binding or subject that grants nothing).
/// A binding to a ClusterRole every cluster has gets a hint to add the
/// default roles.
pub fn answer_issues(m: &Model<'_>) -> Vec<IssueOut> {
    let defaults = crate::defaults::cluster_role_names();
    let is_default_cluster_role = |name: &str| defaults.iter().any(|d| d == name);
    m.issues
        .iter()
        .map(|i| {
            let mut out = IssueOut::of(i);
            let role = i
                .res
                .value
                .pointer("/roleRef/name")
                .and_then(serde_json::Value::as_str);
            if i.kind == IssueKind::MissingRole
                && i.res
                    .value
                    .pointer("/roleRef/kind")
                    .and_then(serde_json::Value::as_str)
                    == Some("ClusterRole")
                && role.is_some_and(is_default_cluster_role)
            {
                out.message
                    .push_str(" (it is a default role of every cluster: add --with-default-roles)");
            }
            out
        })
        .collect()
}

/// One subject and every chain that grants it the permission.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectGrants {
    pub subject: String,
    pub grants: Vec<Chain>,
}

/// `who-can`: every subject that can, with its chains.
#[derive(Clone, Debug, Serialize)]
pub struct WhoCanReport {
    pub request: Request,
    pub description: String,
    pub subjects: Vec<SubjectGrants>,
    pub issues: Vec<IssueOut>,
}

fn group_by_subject(m: &Model<'_>, grants: &[Grant]) -> Vec<SubjectGrants> {
    let mut by: BTreeMap<&SubjectName, Vec<Chain>> = BTreeMap::new();
    for g in grants {
        by.entry(&g.subject).or_default().push(m.chain(g));
    }
    by.into_iter()
        .map(|(s, grants)| SubjectGrants {
            subject: s.to_string(),
            grants,
        })
        .collect()
}

impl WhoCanReport {
    pub fn new(m: &Model<'_>, req: &Request) -> Self {
        let grants = m.who_can(req);
        Self {
            request: req.clone(),
            description: req.to_string(),
            subjects: group_by_subject(m, &grants),
            issues: answer_issues(m),
        }
    }

    /// The answer for every namespace at once (`--all-namespaces`).
    pub fn anywhere(m: &Model<'_>, req: &Request) -> Self {
        let grants = m.who_can_anywhere(req);
        let desc = req.to_string();
        let desc = desc
            .strip_suffix(" cluster-wide")
            .map(|d| format!("{d} in any namespace"))
            .unwrap_or(desc);
        Self {
            request: req.clone(),
            description: desc,
            subjects: group_by_subject(m, &grants),
            issues: answer_issues(m),
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "who can {}: {} subject(s)",
            self.description,
            self.subjects.len()
        );
        for sg in &self.subjects {
            let _ = writeln!(s, "{}", sg.subject);
            for c in &sg.grants {
                write_chain(&mut s, c);
            }
        }
        write_issues(&mut s, &self.issues);
        s
    }
}

fn write_chain(s: &mut String, c: &Chain) {
    write_chain_prefixed(s, "    ", c);
}

fn write_chain_prefixed(s: &mut String, prefix: &str, c: &Chain) {
    let _ = write!(s, "{prefix}{c}");
    match (&c.binding_at, &c.rule_at) {
        (Some(b), Some(r)) if b != r => {
            let _ = write!(s, "  [binding {b}, rule {r}]");
        }
        (Some(b), _) => {
            let _ = write!(s, "  [{b}]");
        }
        _ => {}
    }
    s.push('\n');
}

fn write_issues(s: &mut String, issues: &[IssueOut]) {
    if !issues.is_empty() {
        let _ = writeln!(s, "\nnotes ({}):", issues.len());
        for i in issues {
            let _ = writeln!(s, "  {i}");
        }
    }
}

/// `can`: yes with the reasons, or no.
#[derive(Clone, Debug, Serialize)]
pub struct CanReport {
    pub subject: String,
    pub user: UserInfo,
    pub request: Request,
    pub description: String,
    pub allowed: bool,
    pub grants: Vec<Chain>,
    /// Bindings that apply to the subject but grant nothing.
    pub errors: Vec<String>,
}

impl CanReport {
    pub fn new(m: &Model<'_>, subject: &SubjectName, user: UserInfo, req: &Request) -> Self {
        let d = m.can(&user, req);
        Self {
            subject: subject.to_string(),
            user,
            request: req.clone(),
            description: req.to_string(),
            allowed: d.allowed(),
            grants: d.grants.iter().map(|g| m.chain(g)).collect(),
            errors: d.errors,
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.allowed {
            let _ = writeln!(s, "yes: {} can {}", self.subject, self.description);
            for c in &self.grants {
                write_chain_prefixed(&mut s, &format!("  as {}: ", c.subject), c);
            }
        } else {
            let _ = writeln!(
                s,
                "no: {} cannot {} (no rule grants it)",
                self.subject, self.description
            );
        }
        for e in &self.errors {
            let _ = writeln!(s, "  note: {e}");
        }
        s
    }
}

/// One permission of a subject: the rule and how it is held.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectPermissions {
    pub subject: String,
    pub user: UserInfo,
    pub cluster: Vec<Chain>,
    pub namespaces: BTreeMap<String, Vec<Chain>>,
}

/// `subjects`: every subject named by a binding and what it may do.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectsReport {
    pub subjects: Vec<SubjectPermissions>,
    pub issues: Vec<IssueOut>,
}

impl SubjectsReport {
    pub fn new(m: &Model<'_>) -> Self {
        let subjects = m
            .subjects()
            .into_iter()
            .map(|s| {
                let user = s.user_info();
                let p = m.permissions(&user);
                SubjectPermissions {
                    subject: s.to_string(),
                    cluster: p.cluster.iter().map(|g| m.chain(g)).collect(),
                    namespaces: p
                        .namespaces
                        .iter()
                        .map(|(ns, gs)| (ns.clone(), gs.iter().map(|g| m.chain(g)).collect()))
                        .collect(),
                    user,
                }
            })
            .collect();
        Self {
            subjects,
            issues: answer_issues(m),
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        for sp in &self.subjects {
            let _ = writeln!(s, "{} (groups: {})", sp.subject, sp.user.groups.join(", "));
            if sp.cluster.is_empty() && sp.namespaces.is_empty() {
                let _ = writeln!(s, "  (no permissions)");
            }
            if !sp.cluster.is_empty() {
                let _ = writeln!(s, "  cluster-wide (all namespaces):");
                for c in &sp.cluster {
                    write_held(&mut s, &sp.subject, c);
                }
            }
            for (ns, cs) in &sp.namespaces {
                let _ = writeln!(s, "  namespace {ns}:");
                for c in cs {
                    write_held(&mut s, &sp.subject, c);
                }
            }
        }
        write_issues(&mut s, &self.issues);
        s
    }
}

fn write_held(s: &mut String, subject: &str, c: &Chain) {
    if c.subject == subject {
        write_chain(s, c);
    } else {
        write_chain_prefixed(s, &format!("    as {}: ", c.subject), c);
    }
}
