//! The API paths and response shapes of kube-apiserver 1.33, as far as a
//! read-only client (kube-rs, kubectl get) uses them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::ClusterData;

/// One resource type the server serves, with its discovery entry.
#[derive(Clone, Copy, Debug)]
pub struct ServedResource {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// A custom resource: served only once its group is installed
    /// ([`ClusterData::crd_groups`]).
    pub crd: bool,
}

impl ServedResource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `pods`, `deployments.apps`: what `kubectl get` takes.
    pub fn kubectl_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

macro_rules! served {
    ($g:expr, $v:expr, $k:expr, $p:expr, $s:expr, $ns:expr, [$($sn:expr),*]) => {
        ServedResource { group: $g, version: $v, kind: $k, plural: $p, singular: $s,
            namespaced: $ns, short_names: &[$($sn),*], crd: false }
    };
    (crd $g:expr, $v:expr, $k:expr, $p:expr, $s:expr) => {
        ServedResource { group: $g, version: $v, kind: $k, plural: $p, singular: $s,
            namespaced: true, short_names: &[], crd: true }
    };
}

/// Every resource type served, in discovery order.
pub const RESOURCES: &[ServedResource] = &[
    served!(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        "configmap",
        true,
        ["cm"]
    ),
    served!(
        "",
        "v1",
        "LimitRange",
        "limitranges",
        "limitrange",
        true,
        ["limits"]
    ),
    served!(
        "",
        "v1",
        "Namespace",
        "namespaces",
        "namespace",
        false,
        ["ns"]
    ),
    served!("", "v1", "Node", "nodes", "node", false, ["no"]),
    served!("", "v1", "Pod", "pods", "pod", true, ["po"]),
    served!(
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        "resourcequota",
        true,
        ["quota"]
    ),
    served!("", "v1", "Secret", "secrets", "secret", true, []),
    served!(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        "serviceaccount",
        true,
        ["sa"]
    ),
    served!("", "v1", "Service", "services", "service", true, ["svc"]),
    served!(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        "daemonset",
        true,
        ["ds"]
    ),
    served!(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        true,
        ["deploy"]
    ),
    served!(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        true,
        ["rs"]
    ),
    served!(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        true,
        ["sts"]
    ),
    served!(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        "cronjob",
        true,
        ["cj"]
    ),
    served!("batch", "v1", "Job", "jobs", "job", true, []),
    served!(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        "ingress",
        true,
        ["ing"]
    ),
    served!(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        "networkpolicy",
        true,
        ["netpol"]
    ),
    served!(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        "clusterrolebinding",
        false,
        []
    ),
    served!(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        "clusterrole",
        false,
        []
    ),
    served!(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        "rolebinding",
        true,
        []
    ),
    served!(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        "role",
        true,
        []
    ),
    served!(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        false,
        []
    ),
    served!(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        false,
        []
    ),
    served!(crd "security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies", "authorizationpolicy"),
    served!(crd "security.istio.io", "v1", "PeerAuthentication", "peerauthentications", "peerauthentication"),
    served!(crd "networking.istio.io", "v1", "DestinationRule", "destinationrules", "destinationrule"),
];

pub struct State {
    pub data: ClusterData,
    pub token: String,
    pub addr: SocketAddr,
}

impl State {
    /// The resource types this cluster serves (built-ins, and the custom
    /// resources of installed groups).
    fn served(&self) -> impl Iterator<Item = &'static ServedResource> + '_ {
        RESOURCES
            .iter()
            .filter(|r| !r.crd || self.data.crd_groups.contains(r.group))
    }
}

/// The state is swapped whole when a test changes the cluster
/// ([`super::TestServer::update`]); a request sees one version of it.
pub fn router(state: Arc<RwLock<Arc<State>>>) -> Router {
    Router::new().fallback(move |q: Query<HashMap<String, String>>, req: Request| {
        let st = state.read().unwrap_or_else(|e| e.into_inner()).clone();
        async move { handle(&st, &q.0, req) }
    })
}

fn handle(st: &State, q: &HashMap<String, String>, req: Request) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if auth != Some(st.token.as_str()) {
        return status(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
            json!({}),
        );
    }
    if req.method() != Method::GET {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            json!({}),
        );
    }
    let path = req.uri().path().trim_end_matches('/').to_string();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let accept = accept_of(req.headers());
    match segs.as_slice() {
        ["version"] => ok(&version(&st.data.version)),
        ["api"] => ok(&json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": st.addr.to_string()}
            ],
        })),
        ["apis"] => ok(&group_list(st)),
        ["apis", g] => match group(st, g) {
            Some(v) => ok(&v),
            None => not_found_path(),
        },
        ["api", "v1"] => ok(&resource_list(st, "", "v1")),
        ["apis", g, v] if st.served().any(|r| r.group == *g && r.version == *v) => {
            ok(&resource_list(st, g, v))
        }
        ["api", "v1", rest @ ..] => resource(st, "", "v1", rest, q, &accept),
        ["apis", g, v, rest @ ..] => resource(st, g, v, rest, q, &accept),
        _ => not_found_path(),
    }
}

/// What the client asked for in `Accept`.
#[derive(Default)]
struct Accept {
    table: bool,
    metadata: bool,
}

fn accept_of(h: &HeaderMap) -> Accept {
    let a = h
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The first acceptable choice wins, as the real server decides.
    let first = a.split(',').next().unwrap_or("");
    Accept {
        table: first.contains("as=Table"),
        metadata: first.contains("as=PartialObjectMetadata"),
    }
}

fn resource(
    st: &State,
    group: &str,
    version: &str,
    rest: &[&str],
    q: &HashMap<String, String>,
    accept: &Accept,
) -> Response {
    let find = |plural: &str| {
        st.served()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    };
    // (resource, namespace, name)
    let (r, ns, name) = match rest {
        ["nodes", node, "proxy", "configz"] if group.is_empty() => {
            return configz(st, node);
        }
        ["namespaces", ns, plural] => match find(plural) {
            Some(r) if r.namespaced => (r, Some(*ns), None),
            _ => return not_found_path(),
        },
        ["namespaces", ns, plural, name] => match find(plural) {
            Some(r) if r.namespaced => (r, Some(*ns), Some(*name)),
            _ => return not_found_path(),
        },
        [plural] => match find(plural) {
            Some(r) => (r, None, None),
            None => return not_found_path(),
        },
        [plural, name] => match find(plural) {
            Some(r) if !r.namespaced => (r, None, Some(*name)),
            _ => return not_found_path(),
        },
        _ => return not_found_path(),
    };
    let verb = if name.is_some() { "get" } else { "list" };
    if st
        .data
        .forbidden
        .contains(&(group.to_string(), r.plural.to_string()))
    {
        return forbidden(r, verb, ns);
    }
    match name {
        Some(name) => get(st, r, ns, name, accept),
        None => list(st, r, ns, q, accept),
    }
}

fn items_in<'a>(st: &'a State, r: &ServedResource, ns: Option<&str>) -> Vec<&'a Value> {
    st.data
        .of(r.group, r.plural)
        .iter()
        .filter(|o| ns.is_none() || o["metadata"]["namespace"].as_str() == ns)
        .collect()
}

fn get(st: &State, r: &ServedResource, ns: Option<&str>, name: &str, accept: &Accept) -> Response {
    let found = items_in(st, r, ns)
        .into_iter()
        .find(|o| o["metadata"]["name"].as_str() == Some(name))
        .cloned()
        .or_else(|| {
            // A synthetic pod, by name.
            let syn = st.data.synthetic_pods.as_ref()?;
            if r.plural != "pods" {
                return None;
            }
            syn.range_in(ns?)
                .map(|i| syn.pod(i))
                .find(|p| p["metadata"]["name"].as_str() == Some(name))
        });
    match found {
        Some(o) if accept.table => ok(&table(std::slice::from_ref(&o), json!({}))),
        Some(o) if accept.metadata => ok(&partial(&o, true)),
        Some(o) => ok(&o),
        None => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("{} \"{name}\" not found", qualified(r)),
            json!({"name": name, "group": r.group, "kind": r.plural}),
        ),
    }
}

/// The continue token: opaque to clients, like the real server's
/// (base64 JSON of the resource version and where the next page starts).
fn encode_continue(rv: &str, start: usize) -> String {
    base64::engine::general_purpose::URL_SAFE
        .encode(json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).to_string())
}

/// 410 Gone, as the real server answers an expired continue token.
fn expired() -> Box<Response> {
    Box::new(status(
        StatusCode::GONE,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. \
         You can start a new list without the continue parameter.",
        json!({}),
    ))
}

fn decode_continue(tok: &str, rv: &str) -> Result<usize, Box<Response>> {
    let bad = |why: &str| {
        Box::new(status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("continue key is not valid: {why}"),
            json!({}),
        ))
    };
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(tok)
        .map_err(|e| bad(&e.to_string()))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| bad(&e.to_string()))?;
    if v["rv"].as_str() != Some(rv) {
        return Err(expired());
    }
    v["start"]
        .as_u64()
        .map(|s| s as usize)
        .ok_or_else(|| bad("no start"))
}

fn list(
    st: &State,
    r: &ServedResource,
    ns: Option<&str>,
    q: &HashMap<String, String>,
    accept: &Accept,
) -> Response {
    let rv = "4242";
    let recorded = items_in(st, r, ns);
    let synthetic = match (&st.data.synthetic_pods, r.plural) {
        (Some(s), "pods") => match ns {
            Some(ns) => s.range_in(ns),
            None => 0..s.len(),
        },
        _ => 0..0,
    };
    let total = recorded.len() + synthetic.len();
    let fault = st.data.continue_fault.load(Ordering::SeqCst);
    if fault != super::continue_fault::NONE && q.get("continue").is_some_and(|c| !c.is_empty()) {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let tok = if fault == super::continue_fault::REPEAT {
            "the-same-token".to_string()
        } else {
            format!("fresh-{}", NEXT.fetch_add(1, Ordering::SeqCst))
        };
        return ok(&json!({
            "kind": format!("{}List", r.kind),
            "apiVersion": r.api_version(),
            "metadata": {"resourceVersion": rv, "continue": tok},
            "items": [],
        }));
    }
    let start = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(_)
            if st
                .data
                .expire_continue
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok() =>
        {
            return *expired();
        }
        Some(tok) => match decode_continue(tok, rv) {
            Ok(s) => s.min(total),
            Err(resp) => return *resp,
        },
        None => 0,
    };
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let end = start.saturating_add(limit).min(total);
    let item = |i: usize| -> Value {
        if i < recorded.len() {
            recorded[i].clone()
        } else {
            match &st.data.synthetic_pods {
                Some(s) => s.pod(synthetic.start + i - recorded.len()),
                None => Value::Null,
            }
        }
    };
    let mut meta = json!({"resourceVersion": rv});
    if end < total {
        meta["continue"] = json!(encode_continue(rv, end));
        meta["remainingItemCount"] = json!(total - end);
    } else if fault != super::continue_fault::NONE {
        meta["continue"] = json!("the-same-token");
    }
    let items: Vec<Value> = (start..end).map(item).collect();
    if accept.table {
        return ok(&table(&items, meta));
    }
    if accept.metadata {
        return ok(&json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": meta,
            "items": items.iter().map(|o| partial(o, true)).collect::<Vec<_>>(),
        }));
    }
    // List items carry no apiVersion and kind: the list's say it.
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut o| {
            if let Some(m) = o.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            o
        })
        .collect();
    ok(&json!({
        "kind": format!("{}List", r.kind),
        "apiVersion": r.api_version(),
        "metadata": meta,
        "items": items,
    }))
}

fn partial(o: &Value, typed: bool) -> Value {
    let mut p = json!({ "metadata": o["metadata"].clone() });
    if typed {
        p["kind"] = json!("PartialObjectMetadata");
        p["apiVersion"] = json!("meta.k8s.io/v1");
    }
    p
}

/// The default server-side table (what the server prints for a type with
/// no printer of its own): name and creation time.
fn table(items: &[Value], meta: Value) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            json!({
                "cells": [o["metadata"]["name"], o["metadata"]["creationTimestamp"]],
                "object": partial(o, true),
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0,
             "description": "Name must be unique within a namespace."},
            {"name": "Created At", "type": "date", "format": "", "priority": 0,
             "description": "CreationTimestamp is a timestamp representing the server time when this object was created."},
        ],
        "rows": rows,
    })
}

fn configz(st: &State, node: &str) -> Response {
    if st
        .data
        .forbidden
        .contains(&(String::new(), "nodes/proxy".to_string()))
    {
        return status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "nodes \"{node}\" is forbidden: User \"system:serviceaccount:bulwark:scanner\" \
                 cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope"
            ),
            json!({"name": node, "kind": "nodes"}),
        );
    }
    let exists = st
        .data
        .of("", "nodes")
        .iter()
        .any(|n| n["metadata"]["name"].as_str() == Some(node));
    match st.data.configz.get(node) {
        Some(c) if exists => ok(&json!({ "kubeletconfig": c })),
        _ if !exists => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("nodes \"{node}\" not found"),
            json!({"name": node, "kind": "nodes"}),
        ),
        _ => not_found_path(),
    }
}

fn qualified(r: &ServedResource) -> String {
    if r.group.is_empty() {
        r.plural.to_string()
    } else {
        format!("{}.{}", r.plural, r.group)
    }
}

fn forbidden(r: &ServedResource, verb: &str, ns: Option<&str>) -> Response {
    let scope = match ns {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "{} is forbidden: User \"system:serviceaccount:bulwark:scanner\" cannot {verb} \
             resource \"{}\" in API group \"{}\" {scope}",
            qualified(r),
            r.plural,
            r.group
        ),
        json!({"group": r.group, "kind": r.plural}),
    )
}

fn version(git: &str) -> Value {
    let v = git.trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next().unwrap_or("1");
    let minor = parts.next().unwrap_or("33");
    json!({
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": minor,
        "gitVersion": git,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T08:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn groups(st: &State) -> Vec<(&'static str, &'static str)> {
    let mut gs: Vec<(&str, &str)> = Vec::new();
    for r in st.served().filter(|r| !r.group.is_empty()) {
        if !gs.contains(&(r.group, r.version)) {
            gs.push((r.group, r.version));
        }
    }
    gs
}

fn group_entry(g: &str, v: &str) -> Value {
    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
    json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
}

fn group_list(st: &State) -> Value {
    json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": groups(st).into_iter().map(|(g, v)| group_entry(g, v)).collect::<Vec<_>>(),
    })
}

fn group(st: &State, name: &str) -> Option<Value> {
    let (g, v) = groups(st).into_iter().find(|(g, _)| *g == name)?;
    let mut e = group_entry(g, v);
    e["kind"] = json!("APIGroup");
    e["apiVersion"] = json!("v1");
    Some(e)
}

fn resource_list(st: &State, group: &str, version: &str) -> Value {
    let verbs = json!([
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch"
    ]);
    let mut resources = Vec::new();
    for r in st
        .served()
        .filter(|r| r.group == group && r.version == version)
    {
        let mut e = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": verbs,
        });
        if !r.short_names.is_empty() {
            e["shortNames"] = json!(r.short_names);
        }
        resources.push(e);
        if r.plural == "nodes" {
            resources.push(json!({
                "name": "nodes/proxy", "singularName": "", "namespaced": false,
                "kind": "NodeProxyOptions", "verbs": ["create", "delete", "get", "patch", "update"],
            }));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    })
}

fn ok(v: &Value) -> Response {
    json_response(StatusCode::OK, v)
}

fn json_response(code: StatusCode, v: &Value) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_default();
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response()
}

fn not_found_path() -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
        json!({}),
    )
}

/// A `Status` object, as the real server sends with every error.
fn status(code: StatusCode, reason: &str, message: &str, details: Value) -> Response {
    json_response(
        code,
        &json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": details,
            "code": code.as_u16(),
        }),
    )
}
