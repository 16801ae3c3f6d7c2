//! Gatekeeper's evaluation: for each object and each constraint that
//! matches it, `data.<package>.violation` with `input.review` (an
//! admission request for the object), `input.parameters` and
//! `data.inventory` (every object of the inventory, keyed as Gatekeeper's
//! sync keys them).

use std::collections::BTreeMap;

use bulwark_core::{FieldPath, Finding, Inventory, Severity};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use crate::PolicyError;
use crate::expansion;
use crate::load::{Action, Constraint, Loaded, Point};
use crate::matching::Target;
use crate::secrets::Secrets;

/// One violation of one constraint, as the admission webhook needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// `policy:<template kind lowercase>/<constraint name>`.
    pub rule_id: &'static str,
    pub constraint_kind: String,
    pub constraint: String,
    /// The policy's `msg`.
    pub message: String,
    /// The policy's `details`, when it gives them.
    pub details: Option<Value>,
    /// `deny`, `warn` or `dryrun`.
    pub enforcement_action: &'static str,
    pub severity: Severity,
}

/// The group/version/kind of an apiVersion and kind.
fn gvk(api_version: &str, kind: &str) -> Value {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    serde_json::json!({"group": group, "version": version, "kind": kind})
}

pub(crate) fn to_rego(v: &Value) -> regorus::Value {
    regorus::Value::deserialize(v).unwrap_or(regorus::Value::Undefined)
}

/// `data.inventory`: `namespace[ns][apiVersion][kind][name]` and
/// `cluster[apiVersion][kind][name]`.
fn inventory_data(inv: &Inventory) -> regorus::Value {
    type Tree<'a> = BTreeMap<&'a str, BTreeMap<&'a str, BTreeMap<&'a str, &'a Value>>>;
    let mut namespaced: BTreeMap<&str, Tree<'_>> = BTreeMap::new();
    let mut cluster: Tree<'_> = BTreeMap::new();
    for r in inv.iter() {
        let tree = match r.id.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => namespaced.entry(ns).or_default(),
            _ => &mut cluster,
        };
        tree.entry(r.id.api_version.as_str())
            .or_default()
            .entry(r.id.kind.as_str())
            .or_default()
            .insert(r.id.name.as_str(), &r.value);
    }
    let json = serde_json::json!({"inventory": {"namespace": namespaced, "cluster": cluster}});
    to_rego(&json)
}

/// The admission request Gatekeeper's audit builds for a stored object.
fn review_of(object: &Value, api_version: &str, kind: &str, name: &str, ns: Option<&str>) -> Value {
    let mut review = serde_json::json!({
        "kind": gvk(api_version, kind),
        "name": name,
        "operation": "CREATE",
        "object": object,
    });
    if let (Some(ns), Some(m)) = (ns.filter(|n| !n.is_empty()), review.as_object_mut()) {
        m.insert("namespace".into(), Value::String(ns.to_string()));
    }
    review
}

/// Engines ready for one inventory: cloned from the compiled ones, with
/// `data.inventory` added where the template reads it.
fn engines_for(loaded: &Loaded, inv: &Inventory) -> Vec<regorus::Engine> {
    let needs = loaded
        .constraints
        .iter()
        .any(|c| loaded.templates[c.template].uses_inventory);
    let data = needs.then(|| inventory_data(inv));
    loaded
        .templates
        .iter()
        .map(|t| {
            let mut e = t.engine.clone();
            if let (true, Some(d)) = (t.uses_inventory, &data) {
                // A fresh engine holds no data: merging cannot conflict.
                // New data unprepares the engine: prepare it once here,
                // not in every thread's clone.
                if e.add_data(d.clone()).is_ok() {
                    let _ = prepare(&mut e, &t.query);
                }
            }
            e
        })
        .collect()
}

/// Prepares `engine` (regorus analyses and schedules the modules on the
/// first evaluation after a change) with a throwaway evaluation.
pub(crate) fn prepare(engine: &mut regorus::Engine, query: &str) -> anyhow::Result<()> {
    engine.set_input(to_rego(
        &serde_json::json!({"review": {}, "parameters": {}}),
    ));
    engine.eval_rule(query.to_string()).map(|_| ())
}

/// Runs one constraint on one review: the policy's violations, or why it
/// could not be evaluated.
fn run(
    engine: &mut regorus::Engine,
    query: &str,
    c: &Constraint,
    review: &regorus::Value,
) -> Result<Vec<(String, Option<Value>)>, String> {
    let mut input = regorus::Value::new_object();
    if let Ok(m) = input.as_object_mut() {
        m.insert(regorus::Value::from("review"), review.clone());
        if let Some(p) = &c.parameters {
            m.insert(regorus::Value::from("parameters"), p.clone());
        }
    }
    engine.set_input(input);
    let result = engine
        .eval_rule(query.to_string())
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let items: Vec<&regorus::Value> = match &result {
        regorus::Value::Set(s) => s.iter().collect(),
        regorus::Value::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    };
    for item in items {
        let field = |k: &str| match item {
            regorus::Value::Object(o) => o.get(&regorus::Value::from(k)).cloned(),
            _ => None,
        };
        let msg = match field("msg") {
            Some(regorus::Value::String(s)) => s.to_string(),
            Some(v) => serde_json::to_string(&v).unwrap_or_default(),
            None => String::new(),
        };
        let details = field("details")
            .filter(|d| *d != regorus::Value::Undefined)
            .and_then(|d| serde_json::to_value(&d).ok());
        out.push((msg, details));
    }
    Ok(out)
}

fn severity_of(c: &Constraint, action: Action) -> Severity {
    match action {
        // Gatekeeper only records dryrun violations: they inform, never block.
        Action::Dryrun => Severity::Info,
        _ => c.severity,
    }
}

fn message_of(action: Action, prefix: Option<&str>, msg: &str) -> String {
    let msg = match prefix {
        Some(p) => format!("{p} {msg}"),
        None => msg.to_string(),
    };
    match action {
        Action::Deny => msg,
        a => format!("{msg} (enforcementAction: {})", a.as_str()),
    }
}

/// What one constraint said of one object.
struct Said {
    constraint: usize,
    action: Action,
    prefix: Option<String>,
    result: Result<Vec<(String, Option<Value>)>, String>,
}

/// One object to judge: the object under review, or one an expansion
/// generated from it.
struct Subject<'a> {
    object: &'a Value,
    old_object: Option<&'a Value>,
    api_version: &'a str,
    kind: &'a str,
    namespace: &'a str,
    /// The review, when the caller has it (an admission request).
    review: Option<&'a Value>,
    prefix: Option<&'a str>,
    action: Option<Action>,
    /// Where this evaluation enforces (for scoped constraints).
    point: Point,
}

/// Runs every matching constraint on `s`, then on what the expansions
/// generate from it.
fn judge<'a>(
    loaded: &Loaded,
    engines: &mut [regorus::Engine],
    lookup: &dyn Fn(&str) -> Option<&'a Value>,
    s: &Subject<'_>,
    out: &mut Vec<Said>,
) {
    let (group, _) = s.api_version.split_once('/').unwrap_or(("", s.api_version));
    let target = Target {
        group,
        kind: s.kind,
        object: s.object,
        old_object: s.old_object,
        namespace: s.namespace,
        generated: s.prefix.is_some(),
    };
    let mut review = None;
    for (ci, c) in loaded.constraints.iter().enumerate() {
        let Some(action) = c.action_at(s.point) else {
            continue;
        };
        if !c.matcher.matches(&target, lookup) {
            continue;
        }
        let review = review.get_or_insert_with(|| match s.review {
            Some(r) => to_rego(r),
            None => {
                let name = s
                    .object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let ns = Some(s.namespace);
                to_rego(&review_of(s.object, s.api_version, s.kind, name, ns))
            }
        });
        let t = &loaded.templates[c.template];
        let Some(engine) = engines.get_mut(c.template) else {
            continue;
        };
        out.push(Said {
            constraint: ci,
            action: s.action.unwrap_or(action),
            prefix: s.prefix.map(str::to_string),
            result: run(engine, &t.query, c, review),
        });
    }
    if s.prefix.is_some() || loaded.expansions.is_empty() {
        return;
    }
    for g in expansion::generate(&loaded.expansions, s.object, s.api_version, s.kind) {
        let sub = Subject {
            object: &g.object,
            old_object: None,
            api_version: &g.api_version,
            kind: &g.kind,
            namespace: s.namespace,
            review: None,
            prefix: Some(&g.prefix),
            action: g.action,
            point: s.point,
        };
        judge(loaded, engines, lookup, &sub, out);
    }
}

/// The findings for `inv`, and how many (object, constraint) evaluations
/// ran to get them.
pub(crate) fn evaluate_inventory(loaded: &Loaded, inv: &Inventory) -> (Vec<Finding>, usize) {
    if loaded.constraints.is_empty() || inv.is_empty() {
        return (Vec::new(), 0);
    }
    let engines = engines_for(loaded, inv);
    let namespaces = inv.namespaces();
    let lookup = |n: &str| namespaces.get(n).map(|r| &r.value);
    let secrets = Secrets::of(inv.iter().map(|r| &r.value));
    let per_object: Vec<(Vec<Finding>, usize)> = inv
        .resources
        .par_iter()
        .map_init(
            || engines.clone(),
            |engines, res| {
                let mut said = Vec::new();
                let subject = Subject {
                    object: &res.value,
                    old_object: None,
                    api_version: &res.id.api_version,
                    kind: res.kind(),
                    namespace: res.id.namespace.as_deref().unwrap_or(""),
                    review: None,
                    prefix: None,
                    action: None,
                    point: Point::Audit,
                };
                judge(loaded, engines, &lookup, &subject, &mut said);
                let evaluations = said.len();
                let mut out = Vec::new();
                for s in said {
                    let c = &loaded.constraints[s.constraint];
                    let sev = severity_of(c, s.action);
                    match s.result {
                        Ok(vs) => {
                            for (msg, _) in vs {
                                let message =
                                    secrets.scrub(message_of(s.action, s.prefix.as_deref(), &msg));
                                out.push(
                                    Finding::new(
                                        c.meta.id,
                                        sev,
                                        res,
                                        FieldPath::root(),
                                        message.clone(),
                                    )
                                    .with_subject(message),
                                );
                            }
                        }
                        Err(e) => out.push(Finding::new(
                            c.meta.id,
                            sev,
                            res,
                            FieldPath::root(),
                            format!("policy could not be evaluated: {}", first_line(&e)),
                        )),
                    }
                }
                (out, evaluations)
            },
        )
        .collect();
    let evaluations = per_object.iter().map(|p| p.1).sum();
    let mut findings: Vec<Finding> = per_object.into_iter().flat_map(|p| p.0).collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (findings, evaluations)
}

fn first_line(e: &str) -> &str {
    e.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(e)
        .trim()
}

/// Fills what an AdmissionReview request may leave out (kind, name,
/// namespace, operation) from its object, as the API server would have.
fn complete_request(request: &Value) -> Value {
    let mut req = request.clone();
    let object = request
        .get("object")
        .filter(|o| o.is_object())
        .or_else(|| request.get("oldObject").filter(|o| o.is_object()));
    let str_of = |o: Option<&Value>, path: &str| {
        o.and_then(|o| o.pointer(path))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let Some(m) = req.as_object_mut() {
        if !m.get("kind").is_some_and(Value::is_object) {
            let av = str_of(object, "/apiVersion").unwrap_or_default();
            let k = str_of(object, "/kind").unwrap_or_default();
            m.insert("kind".into(), gvk(&av, &k));
        }
        if !m.get("name").is_some_and(Value::is_string)
            && let Some(n) = str_of(object, "/metadata/name")
        {
            m.insert("name".into(), Value::String(n));
        }
        if !m.get("namespace").is_some_and(Value::is_string)
            && let Some(n) = str_of(object, "/metadata/namespace")
        {
            m.insert("namespace".into(), Value::String(n));
        }
        if !m.get("operation").is_some_and(Value::is_string) {
            m.insert("operation".into(), Value::String("CREATE".into()));
        }
    }
    req
}

pub(crate) fn evaluate_review(
    loaded: &Loaded,
    request: &Value,
    inv: &Inventory,
    point: Point,
) -> Vec<Result<Violation, PolicyError>> {
    let req = complete_request(request);
    let s = |p: &str| req.pointer(p).and_then(Value::as_str).unwrap_or("");
    let delete = s("/operation") == "DELETE";
    let object = if delete {
        req.get("oldObject")
    } else {
        req.get("object")
    }
    .unwrap_or(&Value::Null);
    let old = (!delete)
        .then(|| req.get("oldObject"))
        .flatten()
        .filter(|o| o.is_object());
    let kind = s("/kind/kind");
    let group = s("/kind/group");
    let version = s("/kind/version");
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let namespaces = inv.namespaces();
    let lookup = |n: &str| namespaces.get(n).map(|r| &r.value);
    let mut engines = engines_for(loaded, inv);
    let subject = Subject {
        object,
        old_object: old,
        api_version: &api_version,
        kind,
        namespace: s("/namespace"),
        review: Some(&req),
        prefix: None,
        action: None,
        point,
    };
    let mut said = Vec::new();
    judge(loaded, &mut engines, &lookup, &subject, &mut said);
    let secrets = Secrets::of(inv.iter().map(|r| &r.value).chain([object]).chain(old));
    let mut out = Vec::new();
    for s in said {
        let c = &loaded.constraints[s.constraint];
        match s.result {
            Ok(vs) => out.extend(vs.into_iter().map(|(msg, details)| {
                Ok(Violation {
                    rule_id: c.meta.id,
                    constraint_kind: c.kind.clone(),
                    constraint: c.name.clone(),
                    message: secrets.scrub(match &s.prefix {
                        Some(p) => format!("{p} {msg}"),
                        None => msg,
                    }),
                    details,
                    enforcement_action: s.action.as_str(),
                    severity: severity_of(c, s.action),
                })
            })),
            Err(e) => out.push(Err(PolicyError {
                file: c.file.clone(),
                line: c.line,
                message: format!(
                    "constraint {}/{} could not be evaluated: {}",
                    c.kind,
                    c.name,
                    first_line(&e)
                ),
            })),
        }
    }
    out
}
