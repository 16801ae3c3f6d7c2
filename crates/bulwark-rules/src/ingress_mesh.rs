//! Whether an Istio policy authenticates the end user in front of an
//! Ingress backend, for `ingress-edge-unprotected`: the mesh's answer to
//! "no auth-url on the Ingress".
//!
//! Istio authenticates end users with a RequestAuthentication (it only
//! validates tokens that are present) plus an AuthorizationPolicy that
//! turns a missing token into a denial; or it hands the decision to an
//! external authorizer (`action: CUSTOM`, e.g. oauth2-proxy). A policy
//! counts when it applies to the backend's pods (no selector in the
//! backend's namespace or in the root namespace, or a `matchLabels` that
//! the pods carry) and takes one of these forms:
//! - `action: CUSTOM` (the external authorizer decides every request it
//!   matches);
//! - `action: DENY` with a rule whose only condition is `from.source.
//!   notRequestPrincipals: ["*"]` (no token, no entry);
//! - `action: ALLOW` where every rule requires `from.source.
//!   requestPrincipals` (only token holders are let through).
//!
//! Rules narrowed by `to` or `when` protect only part of the traffic and do
//! not count. Peer identities (`principals`) authenticate workloads, not
//! users, and do not count either.

use bulwark_core::{Inventory, PodView, Resource};
use serde_json::{Map, Value};

use crate::mesh::ROOT_NAMESPACE;

fn is_istio_authz(res: &Resource) -> bool {
    res.group() == "security.istio.io" && res.kind() == "AuthorizationPolicy"
}

fn nonempty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => true,
    }
}

/// Whether every `from` entry of a rule requires a request principal
/// (and the rule is not narrowed by `to`/`when`).
fn allow_rule_requires_token(rule: &Value) -> bool {
    if nonempty(rule.get("to")) || nonempty(rule.get("when")) {
        return false;
    }
    let Some(from) = rule.get("from").and_then(Value::as_array) else {
        return false;
    };
    !from.is_empty()
        && from
            .iter()
            .all(|f| nonempty(f.pointer("/source/requestPrincipals")))
}

/// Whether a DENY rule denies every request without a token.
fn deny_rule_rejects_anonymous(rule: &Value) -> bool {
    if nonempty(rule.get("to")) || nonempty(rule.get("when")) {
        return false;
    }
    let Some(from) = rule.get("from").and_then(Value::as_array) else {
        return false;
    };
    from.iter().any(|f| {
        let src = f.get("source").and_then(Value::as_object);
        src.is_some_and(|s| {
            s.len() == 1
                && s.get("notRequestPrincipals")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|p| p.as_str() == Some("*")))
        })
    })
}

fn authenticates_users(policy: &Value) -> bool {
    let action = policy
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("ALLOW");
    let rules = policy
        .get("rules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    match action {
        "CUSTOM" => policy
            .pointer("/provider/name")
            .is_some_and(|v| v.is_string()),
        "DENY" => rules.iter().any(deny_rule_rejects_anonymous),
        "ALLOW" => !rules.is_empty() && rules.iter().all(allow_rule_requires_token),
        _ => false,
    }
}

/// Whether `want` (a selector's matchLabels) is a subset of `labels`.
fn subset(want: &Map<String, Value>, labels: Option<&Value>) -> bool {
    let labels = labels.and_then(Value::as_object);
    want.iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// The pod labels of the workloads behind Service `name` in `ns`.
fn backend_pod_labels<'a>(inv: &'a Inventory, ns: &str, name: &str) -> Vec<&'a Value> {
    let Some(selector) = inv
        .of_kind("Service")
        .find(|s| s.group().is_empty() && s.namespace() == Some(ns) && s.id.name == name)
        .and_then(|s| s.value.pointer("/spec/selector"))
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    else {
        return Vec::new();
    };
    inv.iter()
        .filter(|r| r.namespace() == Some(ns))
        .filter_map(PodView::of)
        .filter_map(|p| p.meta.and_then(|m| m.get("labels")))
        .filter(|l| subset(selector, Some(l)))
        .collect()
}

/// The AuthorizationPolicy (`namespace/name`) that authenticates the end
/// users of Service `service` in `ns`, when there is one.
pub fn authenticating_policy(inv: &Inventory, ns: &str, service: &str) -> Option<String> {
    let mut pods: Option<Vec<&Value>> = None;
    for p in inv.iter().filter(|r| is_istio_authz(r)) {
        let Some(pns) = p.namespace() else { continue };
        if pns != ns && pns != ROOT_NAMESPACE {
            continue;
        }
        let spec = &p.value["spec"];
        if !authenticates_users(spec) {
            continue;
        }
        let applies = match spec
            .pointer("/selector/matchLabels")
            .and_then(Value::as_object)
        {
            None => true,
            Some(want) if want.is_empty() => true,
            // A root-namespace policy with a selector applies mesh-wide to
            // the pods it selects; a namespaced one to its own namespace.
            Some(want) => pods
                .get_or_insert_with(|| backend_pod_labels(inv, ns, service))
                .iter()
                .any(|l| subset(want, Some(l))),
        };
        if applies {
            return Some(format!("{pns}/{}", p.id.name));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_three_forms_count_and_narrowed_rules_do_not() {
        let custom =
            json!({"action": "CUSTOM", "provider": {"name": "oauth2-proxy"}, "rules": [{}]});
        let deny = json!({"action": "DENY", "rules": [{"from": [{"source": {"notRequestPrincipals": ["*"]}}]}]});
        let allow =
            json!({"rules": [{"from": [{"source": {"requestPrincipals": ["https://idp/*"]}}]}]});
        for p in [&custom, &deny, &allow] {
            assert!(authenticates_users(p), "{p}");
        }
        let narrowed = json!({"action": "DENY", "rules": [{"from": [{"source": {"notRequestPrincipals": ["*"]}}],
            "to": [{"operation": {"paths": ["/admin/*"]}}]}]});
        let peers =
            json!({"rules": [{"from": [{"source": {"principals": ["cluster.local/ns/a/sa/b"]}}]}]});
        let mixed = json!({"rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}, {}]});
        let deny_with_ns = json!({"action": "DENY", "rules": [{"from": [{"source":
            {"notRequestPrincipals": ["*"], "namespaces": ["x"]}}]}]});
        for p in [
            &narrowed,
            &peers,
            &mixed,
            &deny_with_ns,
            &json!({"action": "CUSTOM"}),
        ] {
            assert!(!authenticates_users(p), "{p}");
        }
    }
}
