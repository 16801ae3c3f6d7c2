//! Policy rules and the RBAC authorizer's matching functions.
//!
//! The functions follow `k8s.io/kubernetes/pkg/apis/rbac/v1`
//! (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`,
//! `ResourceNameMatches`, `NonResourceURLMatches`) and `RuleAllows` of
//! `plugin/pkg/auth/authorizer/rbac`: exact string comparison (no case
//! folding), `*` as "all", `*/sub` for one subresource of every resource, and
//! a trailing `*` on non-resource URLs as a prefix match.

use serde::Serialize;
use serde_json::Value;

use crate::request::{Request, Target};

/// The wildcard that means "all" in verbs, apiGroups, resources and URLs.
pub const ALL: &str = "*";

/// One `rules[]` entry of a Role or ClusterRole, borrowed from the object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule<'a> {
    pub verbs: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<&'a str>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<&'a str>,
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

impl<'a> PolicyRule<'a> {
    /// Reads a rule from its JSON form; non-string entries are ignored (the
    /// API server would have rejected them).
    pub fn from_value(v: &'a Value) -> Self {
        Self {
            verbs: strings(v.get("verbs")),
            api_groups: strings(v.get("apiGroups")),
            resources: strings(v.get("resources")),
            resource_names: strings(v.get("resourceNames")),
            non_resource_urls: strings(v.get("nonResourceURLs")),
        }
    }

    /// `verbs=[get list] apiGroups=[""] resources=[secrets]`, for humans.
    pub fn compact(&self) -> String {
        let list = |xs: &[&str]| {
            let items: Vec<String> = xs
                .iter()
                .map(|x| {
                    if x.is_empty() {
                        "\"\"".to_string()
                    } else {
                        (*x).to_string()
                    }
                })
                .collect();
            format!("[{}]", items.join(" "))
        };
        let mut parts = vec![format!("verbs={}", list(&self.verbs))];
        if !self.api_groups.is_empty() {
            parts.push(format!("apiGroups={}", list(&self.api_groups)));
        }
        if !self.resources.is_empty() {
            parts.push(format!("resources={}", list(&self.resources)));
        }
        if !self.resource_names.is_empty() {
            parts.push(format!("resourceNames={}", list(&self.resource_names)));
        }
        if !self.non_resource_urls.is_empty() {
            parts.push(format!("nonResourceURLs={}", list(&self.non_resource_urls)));
        }
        parts.join(" ")
    }
}

/// A rule verb matches when it is `*` or the requested verb exactly.
pub fn verb_matches(rule: &PolicyRule<'_>, verb: &str) -> bool {
    rule.verbs.iter().any(|v| *v == ALL || *v == verb)
}

/// A rule group matches when it is `*` or the requested group exactly
/// (`""` is the core group).
pub fn api_group_matches(rule: &PolicyRule<'_>, group: &str) -> bool {
    rule.api_groups.iter().any(|g| *g == ALL || *g == group)
}

/// `combined` is `resource` or `resource/subresource`. A rule resource
/// matches when it is `*`, equals `combined`, or is `*/<subresource>`.
/// `pods/*` is not special: it only matches a literal `pods/*`.
pub fn resource_matches(rule: &PolicyRule<'_>, combined: &str, subresource: &str) -> bool {
    rule.resources.iter().any(|r| {
        *r == ALL
            || *r == combined
            || (!subresource.is_empty()
                && r.len() == subresource.len() + 2
                && r.starts_with("*/")
                && r.ends_with(subresource))
    })
}

/// An empty `resourceNames` allows every name; otherwise the requested name
/// must be listed (so a list or create, which has no name, is not allowed).
pub fn resource_name_matches(rule: &PolicyRule<'_>, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.contains(&name)
}

/// A rule URL matches when it is `*`, equals the path, or ends in `*` and
/// the path starts with what precedes the `*`s.
pub fn non_resource_url_matches(rule: &PolicyRule<'_>, path: &str) -> bool {
    rule.non_resource_urls.iter().any(|u| {
        *u == ALL || *u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}

/// Whether `rule` allows `req`, exactly as the RBAC authorizer's `RuleAllows`.
pub fn rule_allows(rule: &PolicyRule<'_>, req: &Request) -> bool {
    if !verb_matches(rule, &req.verb) {
        return false;
    }
    match &req.target {
        Target::Resource {
            api_group,
            resource,
            subresource,
            name,
        } => {
            let combined;
            let combined_ref = if subresource.is_empty() {
                resource.as_str()
            } else {
                combined = format!("{resource}/{subresource}");
                combined.as_str()
            };
            api_group_matches(rule, api_group)
                && resource_matches(rule, combined_ref, subresource)
                && resource_name_matches(rule, name)
        }
        Target::NonResource { path } => non_resource_url_matches(rule, path),
    }
}

/// Whether `rule` allows `req` for some object name: as [`rule_allows`]
/// with `resourceNames` ignored (used to skip asking name by name).
pub fn rule_allows_some_name(rule: &PolicyRule<'_>, req: &Request) -> bool {
    match &req.target {
        Target::Resource {
            api_group,
            resource,
            subresource,
            ..
        } => {
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            verb_matches(rule, &req.verb)
                && api_group_matches(rule, api_group)
                && resource_matches(rule, &combined, subresource)
        }
        Target::NonResource { .. } => rule_allows(rule, req),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        verbs: &[&'static str],
        groups: &[&'static str],
        res: &[&'static str],
    ) -> PolicyRule<'static> {
        PolicyRule {
            verbs: verbs.to_vec(),
            api_groups: groups.to_vec(),
            resources: res.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn verbs_exact_or_star() {
        let r = rule(&["get", "list"], &[""], &["pods"]);
        assert!(verb_matches(&r, "get"));
        assert!(verb_matches(&r, "list"));
        assert!(!verb_matches(&r, "watch"));
        assert!(!verb_matches(&r, "GET"), "verbs are case-sensitive");
        assert!(verb_matches(&rule(&["*"], &[], &[]), "escalate"));
        assert!(!verb_matches(&rule(&[], &[], &[]), "get"));
    }

    #[test]
    fn api_groups_core_is_empty_string() {
        let r = rule(&["get"], &[""], &["pods"]);
        assert!(api_group_matches(&r, ""));
        assert!(!api_group_matches(&r, "apps"));
        assert!(api_group_matches(&rule(&["get"], &["*"], &[]), "apps"));
        assert!(!api_group_matches(&rule(&["get"], &["apps"], &[]), ""));
        // No apiGroups at all matches nothing.
        assert!(!api_group_matches(&rule(&["get"], &[], &["pods"]), ""));
    }

    #[test]
    fn resources_star_exact_and_star_subresource() {
        let r = rule(&["get"], &[""], &["pods"]);
        assert!(resource_matches(&r, "pods", ""));
        assert!(
            !resource_matches(&r, "pods/log", "log"),
            "a resource does not grant its subresources"
        );
        let sub = rule(&["get"], &[""], &["pods/log"]);
        assert!(resource_matches(&sub, "pods/log", "log"));
        assert!(!resource_matches(&sub, "pods", ""));
        let star = rule(&["get"], &[""], &["*"]);
        assert!(star_all(&star));
        let any_scale = rule(&["get"], &["*"], &["*/scale"]);
        assert!(resource_matches(&any_scale, "deployments/scale", "scale"));
        assert!(resource_matches(&any_scale, "replicasets/scale", "scale"));
        assert!(!resource_matches(&any_scale, "deployments", ""));
        assert!(!resource_matches(&any_scale, "pods/exec", "exec"));
        // `*/scale` must be exactly `*/` + subresource: `*/subscale` is not it.
        assert!(!resource_matches(
            &rule(&["get"], &["*"], &["*/xscale"]),
            "deployments/scale",
            "scale"
        ));
        // `pods/*` is not a wildcard for the authorizer.
        let pods_star = rule(&["create"], &[""], &["pods/*"]);
        assert!(!resource_matches(&pods_star, "pods/exec", "exec"));
        assert!(resource_matches(&pods_star, "pods/*", "*"));
    }

    fn star_all(r: &PolicyRule<'_>) -> bool {
        resource_matches(r, "secrets", "")
            && resource_matches(r, "pods/exec", "exec")
            && resource_matches(r, "nodes/proxy", "proxy")
    }

    #[test]
    fn resource_names_restrict_and_empty_allows_all() {
        let mut r = rule(&["get"], &[""], &["configmaps"]);
        assert!(resource_name_matches(&r, ""));
        assert!(resource_name_matches(&r, "anything"));
        r.resource_names = vec!["app-config"];
        assert!(resource_name_matches(&r, "app-config"));
        assert!(!resource_name_matches(&r, "other"));
        assert!(
            !resource_name_matches(&r, ""),
            "a named rule does not allow list/create (no name)"
        );
    }

    #[test]
    fn non_resource_urls_trailing_star_is_prefix() {
        let r = PolicyRule {
            verbs: vec!["get"],
            non_resource_urls: vec!["/healthz", "/metrics/*", "/api*"],
            ..Default::default()
        };
        assert!(non_resource_url_matches(&r, "/healthz"));
        assert!(!non_resource_url_matches(&r, "/healthz/etcd"));
        assert!(non_resource_url_matches(&r, "/metrics/cadvisor"));
        assert!(non_resource_url_matches(&r, "/metrics/"));
        assert!(!non_resource_url_matches(&r, "/metrics"));
        assert!(non_resource_url_matches(&r, "/apis/apps"));
        assert!(non_resource_url_matches(&r, "/api"));
        let all = PolicyRule {
            verbs: vec!["*"],
            non_resource_urls: vec!["*"],
            ..Default::default()
        };
        assert!(non_resource_url_matches(&all, "/anything"));
    }

    #[test]
    fn rule_allows_combines_every_part() {
        let r = rule(&["create"], &[""], &["pods/exec"]);
        let req = |verb: &str, res: &str, sub: &str| Request::resource(verb, "", res, sub);
        assert!(rule_allows(&r, &req("create", "pods", "exec")));
        assert!(!rule_allows(&r, &req("get", "pods", "exec")));
        assert!(!rule_allows(&r, &req("create", "pods", "")));
        assert!(!rule_allows(
            &r,
            &Request::resource("create", "apps", "pods", "exec")
        ));
        // Resource rules never allow non-resource requests and vice versa.
        let nr = PolicyRule {
            verbs: vec!["*"],
            non_resource_urls: vec!["*"],
            ..Default::default()
        };
        assert!(!rule_allows(&nr, &req("get", "pods", "")));
        assert!(rule_allows(&nr, &Request::non_resource("get", "/version")));
        assert!(!rule_allows(
            &rule(&["*"], &["*"], &["*"]),
            &Request::non_resource("get", "/version")
        ));
        let mut named = rule(&["get"], &[""], &["secrets"]);
        named.resource_names = vec!["tls"];
        assert!(rule_allows(
            &named,
            &Request::resource("get", "", "secrets", "").with_name("tls")
        ));
        assert!(!rule_allows(&named, &req("get", "secrets", "")));
    }

    #[test]
    fn reads_rule_from_json() {
        let v = serde_json::json!({"verbs": ["get", 3], "apiGroups": [""], "resources": ["pods"],
            "nonResourceURLs": ["/x"]});
        let r = PolicyRule::from_value(&v);
        assert_eq!(r.verbs, vec!["get"]);
        assert_eq!(r.api_groups, vec![""]);
        assert_eq!(
            r.compact(),
            "verbs=[get] apiGroups=[\"\"] resources=[pods] nonResourceURLs=[/x]"
        );
    }
}
