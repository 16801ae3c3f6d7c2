//! Audit Policy (`audit.k8s.io/v1`): does it log what an investigation
//! needs, and keep secret values out of the log.
//!
//! Matching follows the API server's policy checker: the first rule that
//! matches a request decides its level; a request no rule matches is not
//! logged. A rule limited by users, groups or namespaces matches only some
//! requests, so the walk goes on past it.

use bulwark_core::{FieldPath, Resource, RuleMeta, Severity};
use serde_json::Value;

use super::{CIS_DOC, rule};
use crate::verdict::Verdict;

const REFS: &[&str] = &[
    "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/",
    "https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/",
    CIS_DOC,
];
const CAT: &str = "audit";

pub static NO_RULES: RuleMeta = rule(
    "audit-policy-no-rules",
    "Audit policy has no rules",
    Severity::High,
    CAT,
    &["3.2.1"],
    "A policy without rules logs nothing: every request falls through unmatched.",
    "Start from a minimal policy:\n```yaml\napiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources: [{group: \"\", resources: [secrets, configmaps]}, {group: authentication.k8s.io, resources: [tokenreviews]}]\n- level: Metadata\n```",
    REFS,
);
pub static SECRETS_BODY: RuleMeta = rule(
    "audit-policy-secrets-logged-with-body",
    "Audit policy writes secret values into the log",
    Severity::High,
    CAT,
    &["3.2.2"],
    "At Request or RequestResponse level the bodies of Secrets, ConfigMaps and TokenReviews (tokens, passwords, keys) are copied into the audit log, where far more people and systems can read them.",
    "Log these at Metadata, before any broader rule:\n```yaml\n- level: Metadata\n  resources:\n  - {group: \"\", resources: [secrets, configmaps]}\n  - {group: authentication.k8s.io, resources: [tokenreviews]}\n```",
    REFS,
);
pub static NO_CATCH_ALL: RuleMeta = rule(
    "audit-policy-no-catch-all",
    "Audit policy has no catch-all rule",
    Severity::Medium,
    CAT,
    &["3.2.2"],
    "Requests no rule matches are not logged; without a final unconditional rule, new resource types and unexpected requests leave no trace.",
    "End the rules with:\n```yaml\n- level: Metadata\n```",
    REFS,
);
pub static REQUEST_RECEIVED: RuleMeta = rule(
    "audit-policy-request-received-stage",
    "Audit policy logs the RequestReceived stage",
    Severity::Low,
    CAT,
    &["3.2.2"],
    "Without `omitStages: [RequestReceived]` every request is logged twice (received and completed), doubling the volume for no added information.",
    "```yaml\nomitStages: [RequestReceived]\n```",
    REFS,
);
pub static EXEC_NOT_LOGGED: RuleMeta = rule(
    "audit-policy-exec-not-logged",
    "Audit policy does not log exec, attach or port-forward",
    Severity::Medium,
    CAT,
    &["3.2.2"],
    "pods/exec, pods/attach and pods/portforward are how people and attackers get a shell in a workload; if they are not logged that access is invisible.",
    "```yaml\n- level: Metadata\n  resources: [{group: \"\", resources: [pods/exec, pods/attach, pods/portforward]}]\n```",
    REFS,
);
pub static RBAC_NOT_LOGGED: RuleMeta = rule(
    "audit-policy-rbac-changes-not-logged",
    "Audit policy does not log RBAC changes",
    Severity::Medium,
    CAT,
    &["3.2.2"],
    "Changes to Roles, ClusterRoles and their bindings are privilege changes; not logging them hides persistence and escalation.",
    "```yaml\n- level: RequestResponse\n  verbs: [create, update, patch, delete]\n  resources: [{group: rbac.authorization.k8s.io}]\n```",
    REFS,
);

pub static RULES: &[&RuleMeta] = &[
    &NO_RULES,
    &SECRETS_BODY,
    &NO_CATCH_ALL,
    &REQUEST_RECEIVED,
    &EXEC_NOT_LOGGED,
    &RBAC_NOT_LOGGED,
];

pub fn is_audit_policy(res: &Resource) -> bool {
    res.kind() == "Policy" && res.group() == "audit.k8s.io"
}

fn strs(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn nonempty(rule: &Value, key: &str) -> bool {
    rule.get(key)
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

/// How a rule matches a request: `None` no, `Some(true)` every such
/// request, `Some(false)` only some (limited by users, groups, namespaces
/// or names).
fn matches(rule: &Value, verb: &str, group: &str, resource: &str, sub: &str) -> Option<bool> {
    let verbs = strs(rule.get("verbs"));
    if !verbs.is_empty() && !verbs.contains(&verb) && !verbs.contains(&"*") {
        return None;
    }
    let mut conditional = ["users", "userGroups", "namespaces"]
        .iter()
        .any(|k| nonempty(rule, k));
    let resources = rule.get("resources").and_then(Value::as_array);
    match resources.filter(|r| !r.is_empty()) {
        None => {
            if nonempty(rule, "nonResourceURLs") {
                return None;
            }
        }
        Some(grs) => {
            let combined = if sub.is_empty() {
                resource.to_string()
            } else {
                format!("{resource}/{sub}")
            };
            let mut hit = false;
            for gr in grs {
                let g = gr.get("group").and_then(Value::as_str).unwrap_or("");
                if g != group {
                    continue;
                }
                let rs = strs(gr.get("resources"));
                let ok = rs.is_empty()
                    || rs.iter().any(|r| {
                        *r == combined
                            || *r == "*"
                            || (!sub.is_empty() && r.strip_prefix("*/") == Some(sub))
                            || r.strip_suffix("/*") == Some(resource)
                    });
                if ok {
                    hit = true;
                    if nonempty(gr, "resourceNames") {
                        conditional = true;
                    }
                }
            }
            if !hit {
                return None;
            }
        }
    }
    Some(!conditional)
}

fn level(rule: &Value) -> &str {
    rule.get("level").and_then(Value::as_str).unwrap_or("")
}

fn rules(res: &Resource) -> &[Value] {
    res.value
        .get("rules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn rule_path(i: usize) -> FieldPath {
    FieldPath::root().key("rules").index(i).key("level")
}

/// The rules a request may hit, in order, up to the first unconditional.
fn walk<'a>(
    res: &'a Resource,
    verb: &str,
    g: &str,
    r: &str,
    sub: &str,
) -> Vec<(usize, &'a Value, bool)> {
    let mut out = Vec::new();
    for (i, rule) in rules(res).iter().enumerate() {
        if let Some(all) = matches(rule, verb, g, r, sub) {
            out.push((i, rule, all));
            if all {
                break;
            }
        }
    }
    out
}

const SENSITIVE: &[(&str, &str)] = &[
    ("", "secrets"),
    ("", "configmaps"),
    ("authentication.k8s.io", "tokenreviews"),
];

/// Every failing check of one audit Policy.
pub fn findings(res: &Resource) -> Vec<(&'static RuleMeta, Verdict)> {
    let mut out = Vec::new();
    if rules(res).is_empty() {
        out.push((
            &NO_RULES,
            Verdict::fail("the policy has no rules: nothing is logged")
                .at(Some(FieldPath::root().key("rules"))),
        ));
        return out;
    }
    for (g, r) in SENSITIVE {
        'verbs: for verb in ["get", "create", "update"] {
            for (i, rule, _) in walk(res, verb, g, r, "") {
                let l = level(rule);
                if l == "Request" || l == "RequestResponse" {
                    out.push((
                        &SECRETS_BODY,
                        Verdict::fail(format!("rules[{i}] logs {verb} {r} at level {l}"))
                            .at(Some(rule_path(i))),
                    ));
                    break 'verbs;
                }
            }
        }
    }
    let catch_all = rules(res).iter().any(|rule| {
        level(rule) != "None"
            && [
                "users",
                "userGroups",
                "verbs",
                "resources",
                "namespaces",
                "nonResourceURLs",
            ]
            .iter()
            .all(|k| !nonempty(rule, k))
    });
    if !catch_all {
        out.push((
            &NO_CATCH_ALL,
            Verdict::fail("no unconditional rule with a level other than None: unmatched requests are not logged")
                .at(Some(FieldPath::root().key("rules"))),
        ));
    }
    if !strs(res.value.get("omitStages")).contains(&"RequestReceived") {
        out.push((
            &REQUEST_RECEIVED,
            Verdict::fail("omitStages does not include RequestReceived")
                .at(Some(FieldPath::root())),
        ));
    }
    let logged = |verb: &str, g: &str, r: &str, sub: &str| -> Result<(), String> {
        let hits = walk(res, verb, g, r, sub);
        let shown = if sub.is_empty() {
            r.to_string()
        } else {
            format!("{r}/{sub}")
        };
        if hits.iter().any(|(_, rule, _)| level(rule) != "None") {
            return Ok(());
        }
        match hits.last() {
            Some((i, _, _)) => Err(format!("{verb} {shown}: rules[{i}] sets level None")),
            None => Err(format!(
                "{verb} {shown}: no rule matches, so it is not logged"
            )),
        }
    };
    for sub in ["exec", "attach", "portforward"] {
        if let Err(why) = logged("create", "", "pods", sub) {
            out.push((
                &EXEC_NOT_LOGGED,
                Verdict::fail(why).at(Some(FieldPath::root().key("rules"))),
            ));
            break;
        }
    }
    'rbac: for r in [
        "roles",
        "rolebindings",
        "clusterroles",
        "clusterrolebindings",
    ] {
        for verb in ["create", "update", "patch", "delete"] {
            if let Err(why) = logged(verb, "rbac.authorization.k8s.io", r, "") {
                out.push((
                    &RBAC_NOT_LOGGED,
                    Verdict::fail(why).at(Some(FieldPath::root().key("rules"))),
                ));
                break 'rbac;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subresource_matching_follows_upstream() {
        let r = json!({"level": "None", "resources": [{"group": "", "resources": ["pods"]}]});
        assert_eq!(matches(&r, "create", "", "pods", "exec"), None);
        let r = json!({"level": "None", "resources": [{"group": "", "resources": ["pods/*"]}]});
        assert_eq!(matches(&r, "create", "", "pods", "exec"), Some(true));
        let r = json!({"level": "None", "resources": [{"group": "", "resources": ["*/exec"]}], "users": ["x"]});
        assert_eq!(matches(&r, "create", "", "pods", "exec"), Some(false));
        let r = json!({"level": "None", "verbs": ["get"]});
        assert_eq!(matches(&r, "create", "", "pods", ""), None);
    }
}
