//! Reading one cluster: paginated lists, run concurrently with a bound;
//! pods streamed page by page and folded into their workloads, so memory
//! follows the number of workloads, not of pods; every list that failed is
//! recorded with its reason.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bulwark_core::{ObjectRef, Origin, Resource, Skipped};
use indicatif::ProgressBar;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::kinds::{KINDS, Kind};
use crate::owners::{self, Owners};
use crate::{Error, secret};

/// How Secrets are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SecretMode {
    /// Listed in full, then cut to type, key names and annotations before
    /// anything else sees them (values are in memory for one page only).
    #[default]
    Keys,
    /// Listed as `PartialObjectMetadata` (the metadata-only Accept header):
    /// values never travel, but type and key names are not known either.
    Metadata,
    /// Not read at all (for a role without `list secrets`): recorded as
    /// skipped by choice, not as a gap.
    Skip,
}

/// Options of one collection.
#[derive(Clone, Debug)]
pub struct CollectOptions {
    /// Namespaces to read (empty: all). Each must exist.
    pub namespaces: Vec<String>,
    /// Objects per page (`limit`).
    pub page_size: u32,
    /// Lists in flight at once.
    pub concurrency: usize,
    /// Time allowed for one request.
    pub request_timeout: Duration,
    pub secrets: SecretMode,
    /// Read each node's kubelet configuration through `nodes/{name}/proxy/configz`.
    pub configz: bool,
    /// Shows resources and objects read; `ProgressBar::hidden()` off a terminal.
    pub progress: ProgressBar,
    /// Pages one list may take: a server that never stops handing out
    /// `continue` tokens has the list recorded as not evaluated here.
    pub max_pages: usize,
}

impl Default for CollectOptions {
    fn default() -> Self {
        Self {
            namespaces: Vec::new(),
            page_size: 500,
            concurrency: 8,
            request_timeout: Duration::from_secs(60),
            secrets: SecretMode::Keys,
            configz: true,
            progress: ProgressBar::hidden(),
            max_pages: 100_000,
        }
    }
}

/// A resource (or a kubelet's configuration) that could not be read: the
/// checks that need it were not evaluated.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotEvaluated {
    /// `rolebindings.rbac.authorization.k8s.io`, or `nodes/NAME/proxy/configz`.
    pub resource: String,
    /// The kind the resource holds (`RoleBinding`).
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Why: the API status (`403 Forbidden: ...`), a timeout, a 404.
    pub reason: String,
    /// Objects read before the failure (a list that broke mid-way).
    pub partial_objects: usize,
}

/// Everything read from one cluster.
#[derive(Debug, Default)]
pub struct Collection {
    pub context: String,
    /// `gitVersion` of `/version`.
    pub server_version: String,
    /// What the analyzers see: owned pods, ReplicaSets and Jobs are folded
    /// into their workloads; Secret values are gone.
    pub resources: Vec<Resource>,
    pub not_evaluated: Vec<NotEvaluated>,
    /// Resources deliberately not read (`--secrets skip`).
    pub skipped: Vec<Skipped>,
    /// Pods seen per top workload.
    pub pod_counts: BTreeMap<ObjectRef, usize>,
    /// Objects folded into their workloads (pods, ReplicaSets, Jobs).
    pub folded: usize,
    /// Objects received from the API server.
    pub objects_read: usize,
    /// Lists and gets made.
    pub requests: usize,
}

/// One finished list task.
struct Listed {
    kind: Kind,
    namespace: Option<String>,
    objects: Vec<Value>,
    pages: usize,
    failure: Option<String>,
}

/// Reads one cluster through `client`. Fails only when the cluster cannot
/// be reached at all or a requested namespace does not exist; every other
/// failure is recorded in [`Collection::not_evaluated`].
pub async fn collect(
    client: Client,
    context: &str,
    opts: &CollectOptions,
) -> Result<Collection, Error> {
    let mut out = Collection {
        context: context.to_string(),
        ..Default::default()
    };
    let unreachable = |message: String| Error::Unreachable {
        context: context.to_string(),
        message,
    };
    let version = tokio::time::timeout(opts.request_timeout, client.apiserver_version())
        .await
        .map_err(|_| unreachable(format!("no answer in {:?}", opts.request_timeout)))?
        .map_err(|e| unreachable(describe(&e)))?;
    out.server_version = version.git_version.clone();
    out.requests += 1;
    // Kept as an object so the version checks see it, here and in snapshots.
    let version_body = serde_json::to_value(&version)
        .unwrap_or_else(|_| json!({ "gitVersion": out.server_version }));
    check_namespaces(&client, context, opts, &mut out).await?;

    let mut kinds: Vec<Kind> = Vec::new();
    for k in KINDS.iter().filter(|k| !k.is_pod()) {
        if k.is_secret() && opts.secrets == SecretMode::Skip {
            out.skipped.push(Skipped {
                file: format!("cluster {context}: secrets"),
                reason: "not read (--secrets skip): Secret checks were not evaluated".into(),
            });
            continue;
        }
        if k.optional && !served(&client, k, opts.request_timeout).await {
            continue;
        }
        kinds.push(*k);
    }
    let pods = KINDS.iter().copied().filter(Kind::is_pod);
    let total = kinds.len() + 1;
    opts.progress.set_length(total as u64);
    opts.progress.set_message("listing");

    // Phase 1: everything but pods, concurrently.
    let sem = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut set = JoinSet::new();
    for k in kinds {
        for ns in scopes(&k, &opts.namespaces) {
            let (client, sem, opts2) = (client.clone(), sem.clone(), opts.clone());
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                list_all(&client, k, ns, &opts2).await
            });
        }
    }
    let mut listed = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(l) => listed.push(l),
            Err(e) => {
                return Err(Error::Client {
                    context: context.to_string(),
                    message: format!("a list task failed: {e}"),
                });
            }
        }
    }
    listed.sort_by(|a, b| {
        (a.kind.plural, a.kind.group, &a.namespace).cmp(&(
            b.kind.plural,
            b.kind.group,
            &b.namespace,
        ))
    });
    for l in listed {
        opts.progress.inc(1);
        out.requests += l.pages;
        out.objects_read += l.objects.len();
        let n = l.objects.len();
        if let Some(reason) = l.failure {
            out.not_evaluated
                .push(not_evaluated(&l.kind, l.namespace.clone(), reason, n));
        }
        let only_ns = &opts.namespaces;
        for v in l.objects {
            // With -n, the Namespace objects are those named.
            if l.kind.plural == "namespaces"
                && !only_ns.is_empty()
                && !only_ns
                    .iter()
                    .any(|ns| v.pointer("/metadata/name").and_then(Value::as_str) == Some(ns))
            {
                continue;
            }
            out.resources
                .push(Resource::new(v, Origin::default(), None));
        }
    }

    // Owners are known: fold ReplicaSets and Jobs, then stream the pods.
    let owners = Owners::new(&out.resources);
    out.folded += owners::fold_intermediate(&mut out.resources, &owners);
    for k in pods {
        for ns in scopes(&k, &opts.namespaces) {
            stream_pods(&client, k, ns, opts, &owners, &mut out).await;
        }
    }
    opts.progress.inc(1);
    owners::annotate_counts(&mut out.resources, &out.pod_counts);

    if opts.configz {
        kubelet_configs(&client, opts, &mut out).await;
    } else {
        out.skipped.push(Skipped {
            file: format!("cluster {context}: nodes/*/proxy/configz"),
            reason: "not read (--no-configz): kubelet configuration checks were not evaluated"
                .into(),
        });
    }
    out.resources.push(Resource::new(
        bulwark_core::server_version::object(version_body),
        Origin::default(),
        None,
    ));
    out.not_evaluated.sort();
    opts.progress.finish_and_clear();
    Ok(out)
}

/// Every Namespace of the cluster (all pages), for a caller that keeps
/// their labels fresh between scans: the admission webhook decides Pod
/// Security from them. A list that failed is an error, never "no namespaces".
pub async fn list_namespaces(
    client: &Client,
    opts: &CollectOptions,
) -> Result<Vec<Resource>, String> {
    let k = KINDS
        .iter()
        .copied()
        .find(|k| k.group.is_empty() && k.plural == "namespaces")
        .ok_or("namespaces are not in the kind table")?;
    let l = list_all(client, k, None, opts).await;
    if let Some(reason) = l.failure {
        return Err(format!("cannot list namespaces: {reason}"));
    }
    Ok(l.objects
        .into_iter()
        .map(|v| Resource::new(v, Origin::default(), None))
        .collect())
}

/// The namespaces a kind is listed in: `None` is all (or cluster scope).
fn scopes(k: &Kind, namespaces: &[String]) -> Vec<Option<String>> {
    if k.namespaced && !namespaces.is_empty() {
        namespaces.iter().cloned().map(Some).collect()
    } else {
        vec![None]
    }
}

/// A requested namespace that does not exist is an error (listing in it
/// would return nothing and look like a clean scan).
async fn check_namespaces(
    client: &Client,
    context: &str,
    opts: &CollectOptions,
    out: &mut Collection,
) -> Result<(), Error> {
    let ns_api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &KINDS
            .iter()
            .find(|k| k.plural == "namespaces")
            .map(Kind::api_resource)
            .unwrap_or_else(|| Kind::api_resource(&KINDS[0])),
    );
    for ns in &opts.namespaces {
        out.requests += 1;
        match tokio::time::timeout(opts.request_timeout, ns_api.get(ns)).await {
            Ok(Ok(_)) => {}
            Ok(Err(kube::Error::Api(s))) if s.code == 404 => {
                return Err(Error::UnknownNamespace {
                    name: ns.clone(),
                    context: context.to_string(),
                });
            }
            // Allowed to list in it but not to read the Namespace object:
            // the lists will tell.
            Ok(Err(kube::Error::Api(s))) if s.code == 403 => {}
            Ok(Err(e)) => {
                return Err(Error::Unreachable {
                    context: context.to_string(),
                    message: describe(&e),
                });
            }
            Err(_) => {
                return Err(Error::Unreachable {
                    context: context.to_string(),
                    message: format!("no answer in {:?}", opts.request_timeout),
                });
            }
        }
    }
    Ok(())
}

/// Whether an optional kind (a CRD) is served, by discovery of its group.
async fn served(client: &Client, k: &Kind, timeout: Duration) -> bool {
    match tokio::time::timeout(timeout, client.list_api_group_resources(&k.api_version())).await {
        Ok(Ok(list)) => list.resources.iter().any(|r| r.name == k.plural),
        _ => false,
    }
}

fn api_for(client: &Client, k: &Kind, ns: Option<&str>) -> Api<DynamicObject> {
    let ar = k.api_resource();
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// One page: the objects as JSON (identity filled in, Secret values gone)
/// and the continue token.
async fn page(
    api: &Api<DynamicObject>,
    k: &Kind,
    lp: &ListParams,
    opts: &CollectOptions,
) -> Result<(Vec<Value>, Option<String>), String> {
    let timeout = opts.request_timeout;
    let late = || format!("timed out after {}s", timeout.as_secs());
    if k.is_secret() && opts.secrets == SecretMode::Metadata {
        let list = tokio::time::timeout(timeout, api.list_metadata(lp))
            .await
            .map_err(|_| late())?
            .map_err(|e| describe(&e))?;
        let items = list
            .items
            .into_iter()
            .map(|m| {
                let mut v =
                    json!({"apiVersion": k.api_version(), "kind": k.kind, "metadata": m.metadata});
                // The last-applied annotation copies the values even here.
                secret::strip_values(&mut v);
                v
            })
            .collect();
        return Ok((items, list.metadata.continue_.filter(|c| !c.is_empty())));
    }
    let list = tokio::time::timeout(timeout, api.list(lp))
        .await
        .map_err(|_| late())?
        .map_err(|e| describe(&e))?;
    let next = list.metadata.continue_.filter(|c| !c.is_empty());
    let mut items = Vec::with_capacity(list.items.len());
    for obj in list.items {
        let mut v = match serde_json::to_value(&obj) {
            Ok(v) => v,
            Err(e) => return Err(format!("cannot read an object: {e}")),
        };
        drop(obj);
        if k.is_secret() {
            secret::strip_values(&mut v);
        }
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), json!(k.api_version()));
            m.insert("kind".into(), json!(k.kind));
            // Server-side apply bookkeeping: often half an object's size,
            // and nothing a check reads.
            if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
        }
        items.push(v);
    }
    Ok((items, next))
}

/// Pages through one list, handing each page to `on_page`. An expired
/// continue token (410 Gone: the list took longer than the server keeps its
/// snapshot, 5 minutes by default) restarts the list once from the start,
/// after `restart` dropped what the first attempt had. Returns the requests
/// made and the failure, if any.
async fn paginate(
    api: &Api<DynamicObject>,
    k: &Kind,
    opts: &CollectOptions,
    mut on_page: impl FnMut(Vec<Value>),
    mut restart: impl FnMut(),
) -> (usize, Option<String>) {
    let mut token: Option<String> = None;
    let mut requests = 0;
    let mut restarted = false;
    // Every token seen: one the server hands out twice would loop forever.
    let mut seen: std::collections::HashSet<String> = Default::default();
    loop {
        if requests >= opts.max_pages.max(1) {
            return (
                requests,
                Some(format!(
                    "the server kept answering with continue tokens: listing stopped after {requests} pages"
                )),
            );
        }
        let mut lp = ListParams::default().limit(opts.page_size);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        requests += 1;
        match page(api, k, &lp, opts).await {
            Ok((items, next)) => {
                on_page(items);
                match next {
                    Some(n) if !seen.insert(n.clone()) => {
                        return (
                            requests,
                            Some(format!(
                                "the server repeated a continue token after {requests} pages: listing stopped"
                            )),
                        );
                    }
                    Some(n) => token = Some(n),
                    None => return (requests, None),
                }
            }
            Err(e) if token.is_some() && !restarted && e.starts_with("410 ") => {
                restarted = true;
                token = None;
                seen.clear();
                restart();
            }
            Err(e) => return (requests, Some(e)),
        }
    }
}

async fn list_all(client: &Client, k: Kind, ns: Option<String>, opts: &CollectOptions) -> Listed {
    let api = api_for(client, &k, ns.as_deref());
    let objects = Mutex::new(Vec::new());
    let (pages, failure) = paginate(
        &api,
        &k,
        opts,
        |items| locked(&objects).extend(items),
        || locked(&objects).clear(),
    )
    .await;
    Listed {
        kind: k,
        namespace: ns,
        objects: objects.into_inner().unwrap_or_else(|e| e.into_inner()),
        pages,
        failure,
    }
}

/// The lock of a value only this task's callbacks touch (so never
/// contended; a poisoned lock still holds consistent data).
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What one pod stream kept and counted.
#[derive(Default)]
struct PodTally {
    kept: Vec<Resource>,
    counts: BTreeMap<ObjectRef, usize>,
    folded: usize,
    received: usize,
}

/// Lists pods page by page; a pod whose top controller is a known workload
/// is counted there and dropped, any other pod is kept.
async fn stream_pods(
    client: &Client,
    k: Kind,
    ns: Option<String>,
    opts: &CollectOptions,
    owners: &Owners,
    out: &mut Collection,
) {
    let api = api_for(client, &k, ns.as_deref());
    let tally = Mutex::new(PodTally::default());
    let read_before = out.objects_read;
    let (requests, failure) = paginate(
        &api,
        &k,
        opts,
        |items| {
            let mut t = locked(&tally);
            t.received += items.len();
            for v in items {
                match owners.top_of(&v) {
                    Some(top) => {
                        *t.counts.entry(top.clone()).or_insert(0) += 1;
                        t.folded += 1;
                    }
                    None => t.kept.push(Resource::new(v, Origin::default(), None)),
                }
            }
            opts.progress.set_message(format!(
                "{read_before} objects and {} pods read",
                t.received
            ));
        },
        || {
            // The list starts over: what was read is read again.
            let mut t = locked(&tally);
            let received = t.received;
            *t = PodTally {
                received,
                ..Default::default()
            };
        },
    )
    .await;
    let t = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    out.requests += requests;
    out.objects_read += t.received;
    out.folded += t.folded;
    let seen = t.kept.len() + t.folded;
    out.resources.extend(t.kept);
    for (owner, n) in t.counts {
        *out.pod_counts.entry(owner).or_insert(0) += n;
    }
    if let Some(e) = failure {
        out.not_evaluated.push(not_evaluated(&k, ns, e, seen));
    }
}

/// Each node's kubelet configuration, as a `KubeletConfiguration` object
/// named after the node (what the node checks read from a file).
async fn kubelet_configs(client: &Client, opts: &CollectOptions, out: &mut Collection) {
    let nodes: Vec<String> = out
        .resources
        .iter()
        .filter(|r| r.kind() == "Node" && r.group().is_empty())
        .map(|r| r.id.name.clone())
        .collect();
    let sem = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut set = JoinSet::new();
    for node in nodes {
        let (client, sem, timeout) = (client.clone(), sem.clone(), opts.request_timeout);
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let path = format!("/api/v1/nodes/{node}/proxy/configz");
            let req = http::Request::get(&path).body(Vec::new());
            let r = match req {
                Ok(req) => {
                    match tokio::time::timeout(timeout, client.request::<Value>(req)).await {
                        Ok(Ok(v)) => Ok(v),
                        Ok(Err(e)) => Err(describe(&e)),
                        Err(_) => Err(format!("timed out after {}s", timeout.as_secs())),
                    }
                }
                Err(e) => Err(e.to_string()),
            };
            (node, r)
        });
    }
    let mut found = Vec::new();
    while let Some(Ok((node, r))) = set.join_next().await {
        out.requests += 1;
        match r.map(|v| v.get("kubeletconfig").cloned()) {
            Ok(Some(Value::Object(mut cfg))) => {
                out.objects_read += 1;
                cfg.insert("apiVersion".into(), json!("kubelet.config.k8s.io/v1beta1"));
                cfg.insert("kind".into(), json!("KubeletConfiguration"));
                cfg.insert("metadata".into(), json!({ "name": node }));
                found.push(Resource::new(Value::Object(cfg), Origin::default(), None));
            }
            Ok(_) => out
                .not_evaluated
                .push(configz_gap(&node, "no kubeletconfig in the answer".into())),
            Err(e) => out.not_evaluated.push(configz_gap(&node, e)),
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    out.resources.extend(found);
}

fn configz_gap(node: &str, reason: String) -> NotEvaluated {
    NotEvaluated {
        resource: format!("nodes/{node}/proxy/configz"),
        kind: "KubeletConfiguration".into(),
        namespace: None,
        reason,
        partial_objects: 0,
    }
}

fn not_evaluated(k: &Kind, ns: Option<String>, reason: String, partial: usize) -> NotEvaluated {
    NotEvaluated {
        resource: k.resource(),
        kind: k.kind.to_string(),
        namespace: ns,
        reason,
        partial_objects: partial,
    }
}

/// An error as a user reads it: the API's own status when there is one.
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                "error"
            } else {
                s.reason.as_str()
            };
            format!("{} {reason}: {}", s.code, s.message)
        }
        other => other.to_string(),
    }
}
