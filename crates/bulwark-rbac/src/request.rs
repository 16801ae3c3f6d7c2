//! What is asked of the authorizer (a request's attributes) and by whom (a
//! user with its groups).

use std::fmt;

use serde::Serialize;

/// The resource or URL a request is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Target {
    Resource {
        /// `""` for the core group.
        api_group: String,
        resource: String,
        /// `""` when the request is not for a subresource.
        subresource: String,
        /// `""` for list, watch and create (no object name).
        name: String,
    },
    NonResource {
        path: String,
    },
}

/// The attributes of one API request, as the authorizer sees them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Request {
    pub verb: String,
    /// `None` for a cluster-wide request (or a non-resource URL): only
    /// ClusterRoleBindings can allow it.
    pub namespace: Option<String>,
    pub target: Target,
}

impl Request {
    pub fn resource(verb: &str, api_group: &str, resource: &str, subresource: &str) -> Self {
        Self {
            verb: verb.to_string(),
            namespace: None,
            target: Target::Resource {
                api_group: api_group.to_string(),
                resource: resource.to_string(),
                subresource: subresource.to_string(),
                name: String::new(),
            },
        }
    }

    pub fn non_resource(verb: &str, path: &str) -> Self {
        Self {
            verb: verb.to_string(),
            namespace: None,
            target: Target::NonResource {
                path: path.to_string(),
            },
        }
    }

    /// Sets the request's namespace. Requests for non-resource URLs and
    /// for well-known cluster-scoped resources (nodes, clusterroles...)
    /// never carry one: the API server does not set it, so RoleBindings
    /// cannot allow them.
    #[must_use]
    pub fn in_namespace(mut self, ns: Option<&str>) -> Self {
        self.namespace = ns.filter(|n| !n.is_empty()).map(str::to_string);
        match &self.target {
            Target::NonResource { .. } => self.namespace = None,
            Target::Resource {
                api_group,
                resource,
                ..
            } if is_cluster_scoped(api_group, resource) => self.namespace = None,
            Target::Resource { .. } => {}
        }
        self
    }

    #[must_use]
    pub fn with_name(mut self, n: &str) -> Self {
        if let Target::Resource { name, .. } = &mut self.target {
            *name = n.to_string();
        }
        self
    }

    /// Parses the command-line form `VERB RESOURCE[.GROUP][/SUBRESOURCE]`
    /// or `VERB /non/resource/url`. Without `.GROUP`, well-known resources
    /// get their group (`deployments` -> `apps`); anything else is taken to
    /// be in the core group, as `kubectl auth can-i` does offline.
    pub fn parse(verb: &str, what: &str) -> Result<Self, String> {
        if verb.is_empty() {
            return Err("the verb is empty".into());
        }
        if what.starts_with('/') {
            return Ok(Self::non_resource(verb, what));
        }
        let (res_group, sub) = match what.split_once('/') {
            Some((r, s)) => (r, s),
            None => (what, ""),
        };
        if res_group.is_empty() {
            return Err(format!("'{what}': the resource is empty"));
        }
        let (resource, group) = match res_group.split_once('.') {
            Some((r, g)) => (r, g.to_string()),
            None => (res_group, well_known_group(res_group).to_string()),
        };
        Ok(Self::resource(verb, &group, resource, sub))
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.verb)?;
        match &self.target {
            Target::Resource {
                api_group,
                resource,
                subresource,
                name,
            } => {
                f.write_str(resource)?;
                if !api_group.is_empty() {
                    write!(f, ".{api_group}")?;
                }
                if !subresource.is_empty() {
                    write!(f, "/{subresource}")?;
                }
                if !name.is_empty() {
                    write!(f, " named {name}")?;
                }
                match &self.namespace {
                    Some(ns) => write!(f, " in namespace {ns}"),
                    None => f.write_str(" cluster-wide"),
                }
            }
            Target::NonResource { path } => f.write_str(path),
        }
    }
}

/// The API group of the built-in resources people ask about most.
pub fn well_known_group(resource: &str) -> &'static str {
    match resource {
        "deployments" | "daemonsets" | "statefulsets" | "replicasets" | "controllerrevisions" => {
            "apps"
        }
        "jobs" | "cronjobs" => "batch",
        "roles" | "rolebindings" | "clusterroles" | "clusterrolebindings" => {
            "rbac.authorization.k8s.io"
        }
        "certificatesigningrequests" => "certificates.k8s.io",
        "mutatingwebhookconfigurations"
        | "validatingwebhookconfigurations"
        | "validatingadmissionpolicies"
        | "validatingadmissionpolicybindings" => "admissionregistration.k8s.io",
        "networkpolicies" | "ingresses" | "ingressclasses" => "networking.k8s.io",
        "horizontalpodautoscalers" => "autoscaling",
        "poddisruptionbudgets" => "policy",
        "storageclasses" | "csidrivers" | "csinodes" | "volumeattachments" => "storage.k8s.io",
        "customresourcedefinitions" => "apiextensions.k8s.io",
        "leases" => "coordination.k8s.io",
        "priorityclasses" => "scheduling.k8s.io",
        "tokenreviews" => "authentication.k8s.io",
        "subjectaccessreviews" | "selfsubjectaccessreviews" | "localsubjectaccessreviews" => {
            "authorization.k8s.io"
        }
        "apiservices" => "apiregistration.k8s.io",
        "runtimeclasses" => "node.k8s.io",
        "endpointslices" => "discovery.k8s.io",
        _ => "",
    }
}

/// Built-in resources that exist only at cluster scope.
pub fn is_cluster_scoped(group: &str, resource: &str) -> bool {
    matches!(
        (group, resource),
        (
            "",
            "nodes" | "persistentvolumes" | "componentstatuses" | "users" | "groups"
        ) | (
            "rbac.authorization.k8s.io",
            "clusterroles" | "clusterrolebindings"
        ) | (
            "certificates.k8s.io",
            "certificatesigningrequests" | "signers"
        ) | (
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations"
                | "validatingwebhookconfigurations"
                | "validatingadmissionpolicies"
                | "validatingadmissionpolicybindings"
        ) | (
            "storage.k8s.io",
            "storageclasses" | "csidrivers" | "csinodes" | "volumeattachments"
        ) | ("apiextensions.k8s.io", "customresourcedefinitions")
            | ("apiregistration.k8s.io", "apiservices")
            | ("scheduling.k8s.io", "priorityclasses")
            | ("node.k8s.io", "runtimeclasses")
            | ("networking.k8s.io", "ingressclasses")
            | (
                "authentication.k8s.io",
                "tokenreviews" | "selfsubjectreviews"
            )
            | (
                "authorization.k8s.io",
                "subjectaccessreviews" | "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
            )
    )
}

/// Whether a resource request can never carry a namespace.
pub fn is_cluster_scoped_request(req: &Request) -> bool {
    match &req.target {
        Target::Resource {
            api_group,
            resource,
            ..
        } => is_cluster_scoped(api_group, resource),
        Target::NonResource { .. } => true,
    }
}

/// Who asks: a user name and the groups it belongs to, as an authenticator
/// would present it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UserInfo {
    /// `""` when asking for "any member of a group".
    pub name: String,
    pub groups: Vec<String>,
}

pub const SA_PREFIX: &str = "system:serviceaccount:";

/// The user name of a service account (`system:serviceaccount:<ns>:<name>`).
pub fn sa_username(ns: &str, name: &str) -> String {
    format!("{SA_PREFIX}{ns}:{name}")
}

/// The identities every caller (or every caller with a credential) has.
pub fn is_public_identity(name: &str) -> bool {
    matches!(
        name,
        "system:anonymous" | "system:unauthenticated" | "system:authenticated"
    )
}

/// A subject as users name it on the command line and in reports:
/// `user:alice`, `group:devs`, `sa:ns/name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SubjectName {
    User { name: String },
    Group { name: String },
    ServiceAccount { namespace: String, name: String },
}

impl SubjectName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "'{s}': expected user:NAME, group:NAME or sa:NAMESPACE/NAME (also serviceaccount:)"
            )
        };
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        match kind {
            "user" | "User" => {
                // A service account's user name is the service account.
                if let Some(sa) = rest.strip_prefix(SA_PREFIX)
                    && let Some((ns, name)) = sa.split_once(':')
                {
                    return Ok(Self::ServiceAccount {
                        namespace: ns.into(),
                        name: name.into(),
                    });
                }
                Ok(Self::User { name: rest.into() })
            }
            "group" | "Group" => Ok(Self::Group { name: rest.into() }),
            "sa" | "serviceaccount" | "ServiceAccount" => {
                let (ns, name) = rest
                    .split_once('/')
                    .or_else(|| rest.split_once(':'))
                    .ok_or_else(bad)?;
                if ns.is_empty() || name.is_empty() {
                    return Err(bad());
                }
                Ok(Self::ServiceAccount {
                    namespace: ns.into(),
                    name: name.into(),
                })
            }
            _ => Err(bad()),
        }
    }

    /// The identity the authenticator would present for this subject: a
    /// service account gets `system:serviceaccounts`,
    /// `system:serviceaccounts:<ns>` and `system:authenticated`; any other
    /// authenticated user `system:authenticated`; `system:anonymous` gets
    /// `system:unauthenticated` instead.
    pub fn user_info(&self) -> UserInfo {
        match self {
            Self::User { name } => UserInfo {
                name: name.clone(),
                groups: vec![if name == "system:anonymous" {
                    "system:unauthenticated".into()
                } else {
                    "system:authenticated".into()
                }],
            },
            Self::Group { name } => {
                let mut groups = vec![name.clone()];
                if name != "system:unauthenticated" && name != "system:authenticated" {
                    groups.push("system:authenticated".into());
                }
                UserInfo {
                    name: String::new(),
                    groups,
                }
            }
            Self::ServiceAccount { namespace, name } => UserInfo {
                name: sa_username(namespace, name),
                groups: vec![
                    "system:serviceaccounts".into(),
                    format!("system:serviceaccounts:{namespace}"),
                    "system:authenticated".into(),
                ],
            },
        }
    }

    /// A control-plane identity: a `system:` user or group (other than the
    /// broad `system:authenticated`/`system:unauthenticated`/`system:anonymous`)
    /// or a service account in `kube-system`.
    pub fn is_system(&self) -> bool {
        match self {
            Self::User { name } | Self::Group { name } => {
                name.starts_with("system:") && !is_public_identity(name)
            }
            Self::ServiceAccount { namespace, .. } => namespace == "kube-system",
        }
    }
}

impl fmt::Display for SubjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User { name } => write!(f, "user:{name}"),
            Self::Group { name } => write!(f, "group:{name}"),
            Self::ServiceAccount { namespace, name } => write!(f, "sa:{namespace}/{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests() {
        let r = Request::parse("get", "secrets").unwrap();
        assert_eq!(r.target, Request::resource("get", "", "secrets", "").target);
        let r = Request::parse("create", "pods/exec").unwrap();
        assert_eq!(r.to_string(), "create pods/exec cluster-wide");
        let r = Request::parse("patch", "deployments/scale").unwrap();
        assert_eq!(
            r.target,
            Request::resource("patch", "apps", "deployments", "scale").target
        );
        let r = Request::parse("get", "widgets.example.com").unwrap();
        assert_eq!(
            r.target,
            Request::resource("get", "example.com", "widgets", "").target
        );
        let r = Request::parse("get", "/healthz")
            .unwrap()
            .in_namespace(Some("x"));
        assert_eq!(r.namespace, None, "non-resource requests have no namespace");
        let r = Request::parse("get", "nodes/proxy")
            .unwrap()
            .in_namespace(Some("x"));
        assert_eq!(r.namespace, None, "nodes are cluster-scoped");
        let r = Request::parse("get", "pods")
            .unwrap()
            .in_namespace(Some("x"));
        assert_eq!(r.namespace.as_deref(), Some("x"));
        assert!(Request::parse("get", "").is_err());
        assert!(Request::parse("", "pods").is_err());
    }

    #[test]
    fn subjects_and_their_implicit_groups() {
        let sa = SubjectName::parse("sa:ci/deployer").unwrap();
        let u = sa.user_info();
        assert_eq!(u.name, "system:serviceaccount:ci:deployer");
        assert_eq!(
            u.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:ci",
                "system:authenticated"
            ]
        );
        assert_eq!(
            SubjectName::parse("user:system:serviceaccount:ci:deployer").unwrap(),
            sa
        );
        let anon = SubjectName::parse("user:system:anonymous")
            .unwrap()
            .user_info();
        assert_eq!(anon.groups, ["system:unauthenticated"]);
        let g = SubjectName::parse("group:devs").unwrap().user_info();
        assert_eq!(g.groups, ["devs", "system:authenticated"]);
        assert!(SubjectName::parse("alice").is_err());
        assert!(SubjectName::parse("sa:nonamespace").is_err());
        assert_eq!(sa.to_string(), "sa:ci/deployer");
    }
}
