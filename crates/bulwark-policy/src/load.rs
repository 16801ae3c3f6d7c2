//! ConstraintTemplates and Constraints out of loaded objects: each
//! template's Rego compiled once, each constraint checked against its
//! template (present, parameters of the schema's types).

use std::collections::HashMap;

use bulwark_core::{FieldPath, Mappings, Resource, RuleMeta, Severity};
use serde_json::Value;

use crate::PolicyError;
use crate::matching::Match;

/// The annotation that sets a constraint's finding severity.
pub const SEVERITY_ANNOTATION: &str = "bulwark.dev/severity";

const TEMPLATE_GROUP: &str = "templates.gatekeeper.sh";
const CONSTRAINT_GROUP: &str = "constraints.gatekeeper.sh";
const REGO_TARGET: &str = "admission.k8s.gatekeeper.sh";
/// Wall-clock bound of one evaluation (one constraint on one object).
pub const EVAL_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A compiled ConstraintTemplate.
pub(crate) struct Template {
    /// `spec.crd.spec.names.kind`: what its constraints are.
    pub kind: String,
    pub name: String,
    pub file: String,
    pub line: Option<u32>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The rule queried: `data.<package>.violation`.
    pub query: String,
    /// Whether the Rego reads `data.inventory` (only then is it built).
    pub uses_inventory: bool,
    /// `openAPIV3Schema` of the parameters, when given.
    pub schema: Option<Value>,
    /// Compiled once; cloned per evaluating thread.
    pub engine: regorus::Engine,
}

/// How a constraint's violations are enforced (Gatekeeper's
/// `enforcementAction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Deny,
    Warn,
    Dryrun,
}

/// Where a constraint is enforced, for `enforcementAction: scoped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// A scan judges stored objects, as Gatekeeper's audit does.
    Audit,
    /// An admission request (the webhook).
    Validation,
    /// `bulwark policy test`, as `gator verify`.
    Gator,
}

impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::Audit => "audit.gatekeeper.sh",
            Point::Validation => "validation.gatekeeper.sh",
            Point::Gator => "gator.gatekeeper.sh",
        }
    }
}

impl Action {
    fn parse(s: &str) -> Option<Action> {
        match s {
            "deny" => Some(Action::Deny),
            "warn" => Some(Action::Warn),
            "dryrun" => Some(Action::Dryrun),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "deny",
            Action::Warn => "warn",
            Action::Dryrun => "dryrun",
        }
    }
}

/// A constraint bound to its template.
pub(crate) struct Constraint {
    pub template: usize,
    pub kind: String,
    pub name: String,
    pub file: String,
    pub line: Option<u32>,
    pub matcher: Match,
    /// `spec.parameters` as Rego reads it, converted once (absent: Rego
    /// sees no `input.parameters`).
    pub parameters: Option<regorus::Value>,
    pub action: Action,
    /// `enforcementAction: scoped`: each action with the enforcement points
    /// it applies at (`*` for all).
    pub scoped: Option<Vec<(Action, Vec<String>)>>,
    pub severity: Severity,
    /// Leaked once per load: the catalog holds `&'static RuleMeta`.
    pub meta: &'static RuleMeta,
}

/// What `bulwark policy list` shows of a template.
#[derive(Clone, Debug)]
pub struct TemplateInfo {
    pub kind: String,
    pub name: String,
    pub file: String,
    pub line: Option<u32>,
}

/// What `bulwark policy list` shows of a constraint.
#[derive(Clone, Debug)]
pub struct ConstraintInfo {
    pub rule_id: String,
    pub kind: String,
    pub name: String,
    pub file: String,
    pub line: Option<u32>,
    pub enforcement_action: &'static str,
    pub severity: Severity,
}

impl Template {
    pub fn info(&self) -> TemplateInfo {
        TemplateInfo {
            kind: self.kind.clone(),
            name: self.name.clone(),
            file: self.file.clone(),
            line: self.line,
        }
    }
}

impl Constraint {
    /// The action at `point`; `None` when a scoped constraint does not apply
    /// there. Of several, the strongest (deny, then warn, then dryrun).
    pub fn action_at(&self, point: Point) -> Option<Action> {
        let Some(scoped) = &self.scoped else {
            return Some(self.action);
        };
        let rank = |a: &Action| match a {
            Action::Deny => 0,
            Action::Warn => 1,
            Action::Dryrun => 2,
        };
        scoped
            .iter()
            .filter(|(_, points)| points.iter().any(|p| p == "*" || p == point.name()))
            .map(|(a, _)| *a)
            .min_by_key(rank)
    }

    pub fn info(&self) -> ConstraintInfo {
        ConstraintInfo {
            rule_id: self.meta.id.to_string(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            file: self.file.clone(),
            line: self.line,
            enforcement_action: if self.scoped.is_some() {
                "scoped"
            } else {
                self.action.as_str()
            },
            severity: self.severity,
        }
    }
}

/// Everything one load compiled.
#[derive(Default)]
pub(crate) struct Loaded {
    pub templates: Vec<Template>,
    pub constraints: Vec<Constraint>,
    pub expansions: Vec<crate::expansion::Expansion>,
}

fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// A template or constraint object, told apart by group.
pub(crate) fn is_template(r: &Resource) -> bool {
    r.kind() == "ConstraintTemplate" && group_of(&r.id.api_version) == TEMPLATE_GROUP
}

pub(crate) fn is_constraint(r: &Resource) -> bool {
    group_of(&r.id.api_version) == CONSTRAINT_GROUP
}

fn at(r: &Resource, path: &str) -> (String, Option<u32>) {
    let file = r.origin.file.as_deref().unwrap_or("<input>").to_string();
    let line = r.locate(&FieldPath::parse(path)).and_then(|l| l.line);
    (file, line)
}

fn error(r: &Resource, path: &str, message: impl Into<String>) -> PolicyError {
    let (file, line) = at(r, path);
    PolicyError {
        file,
        line,
        message: message.into(),
    }
}

impl Loaded {
    pub fn build(resources: &[Resource]) -> (Loaded, Vec<PolicyError>) {
        let mut out = Loaded::default();
        let mut errors = Vec::new();
        let mut by_kind: HashMap<String, usize> = HashMap::new();
        for r in resources.iter().filter(|r| is_template(r)) {
            match compile_template(r) {
                Ok(t) => {
                    if let Some(&first) = by_kind.get(&t.kind) {
                        let f = &out.templates[first];
                        errors.push(error(
                            r,
                            "metadata.name",
                            format!(
                                "template for {} is defined twice (first at {}:{}); this one is ignored",
                                t.kind,
                                f.file,
                                f.line.unwrap_or(0)
                            ),
                        ));
                        continue;
                    }
                    by_kind.insert(t.kind.clone(), out.templates.len());
                    out.templates.push(t);
                }
                Err(e) => errors.push(e),
            }
        }
        let mut seen: HashMap<(String, String), (String, Option<u32>)> = HashMap::new();
        for r in resources.iter().filter(|r| is_constraint(r)) {
            let Some(&template) = by_kind.get(r.kind()) else {
                errors.push(error(
                    r,
                    "kind",
                    format!(
                        "constraint {}/{}: no ConstraintTemplate defines kind {}",
                        r.kind(),
                        r.id.name,
                        r.kind()
                    ),
                ));
                continue;
            };
            let key = (r.kind().to_string(), r.id.name.clone());
            if let Some((f, l)) = seen.get(&key) {
                errors.push(error(
                    r,
                    "metadata.name",
                    format!(
                        "constraint {}/{} is defined twice (first at {f}:{}); this one is ignored",
                        key.0,
                        key.1,
                        l.unwrap_or(0)
                    ),
                ));
                continue;
            }
            match build_constraint(r, template, &out.templates[template]) {
                Ok(c) => {
                    seen.insert(key, (c.file.clone(), c.line));
                    out.constraints.push(c);
                }
                Err(e) => errors.extend(e),
            }
        }
        for r in resources
            .iter()
            .filter(|r| crate::expansion::is_expansion(r))
        {
            match crate::expansion::Expansion::parse(r) {
                Ok(e) => out.expansions.push(e),
                Err(e) => errors.push(e),
            }
        }
        (out, errors)
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The package a Rego module declares (`package k8srequiredlabels`).
fn package_of(rego: &str) -> Option<&str> {
    rego.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("package")?;
        rest.starts_with([' ', '\t'])
            .then(|| rest.split_whitespace().next())
            .flatten()
    })
}

/// Maps a regorus error (`--> SOURCE:line:col`, then the source line, then
/// `error: msg`) to the YAML file: a block scalar's line N is N lines below
/// its key.
fn rego_error(r: &Resource, path: &str, e: &dyn std::fmt::Display) -> PolicyError {
    let text = e.to_string();
    let (file, key_line) = at(r, path);
    let mut line = key_line;
    let mut col = None;
    if let Some(loc) = text.split("--> ").nth(1).and_then(|s| s.lines().next()) {
        let mut parts = loc.rsplitn(3, ':');
        let c = parts.next().and_then(|c| c.trim().parse::<u32>().ok());
        let l = parts.next().and_then(|l| l.trim().parse::<u32>().ok());
        if let (Some(l), Some(k)) = (l, key_line) {
            line = Some(k + l);
            col = c;
        }
    }
    let msg = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    let snippet = text
        .lines()
        .filter_map(|l| l.split_once("| "))
        .map(|(_, s)| s.trim_end())
        .find(|s| !s.trim().is_empty() && !s.trim().starts_with('^'));
    let mut message = format!("Rego: {msg}");
    if let Some(c) = col {
        message.push_str(&format!(" (column {c})"));
    }
    if let Some(s) = snippet {
        message.push_str(&format!(": `{}`", s.trim()));
    }
    PolicyError {
        file,
        line,
        message,
    }
}

fn compile_template(r: &Resource) -> Result<Template, PolicyError> {
    let v = &r.value;
    let kind = str_at(v, &["spec", "crd", "spec", "names", "kind"])
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            error(
                r,
                "spec.crd.spec.names",
                "ConstraintTemplate has no spec.crd.spec.names.kind",
            )
        })?
        .to_string();
    let targets = v
        .pointer("/spec/targets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let Some((ti, target)) = targets
        .iter()
        .enumerate()
        .find(|(_, t)| t.get("target").and_then(Value::as_str) == Some(REGO_TARGET))
    else {
        return Err(error(
            r,
            "spec.targets",
            format!("template {kind} has no target {REGO_TARGET}"),
        ));
    };
    // Rego is `rego`/`libs` of the target, or the source of its `code`
    // entry with `engine: Rego` (templates that also carry CEL).
    let (source, base) = match target.get("rego") {
        Some(_) => (target, format!("spec.targets[{ti}]")),
        None => {
            let code = target
                .get("code")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            match code
                .iter()
                .position(|c| c.get("engine").and_then(Value::as_str) == Some("Rego"))
            {
                Some(ci) => (
                    code[ci].get("source").unwrap_or(&Value::Null),
                    format!("spec.targets[{ti}].code[{ci}].source"),
                ),
                None => {
                    return Err(error(
                        r,
                        &format!("spec.targets[{ti}]"),
                        format!(
                            "template {kind} has no Rego (only CEL, which bulwark does not run yet)"
                        ),
                    ));
                }
            }
        }
    };
    let Some(rego) = source.get("rego").and_then(Value::as_str) else {
        return Err(error(r, &base, "rego must be Rego text"));
    };
    let rego_path = format!("{base}.rego");
    let Some(package) = package_of(rego) else {
        return Err(error(r, &rego_path, "Rego has no package declaration"));
    };
    let mut engine = regorus::Engine::new();
    // Gatekeeper's templates are Rego v0 unless they import rego.v1.
    engine.set_rego_v0(true);
    // OPA (and so Gatekeeper) makes a failing builtin call undefined, not
    // an error of the whole query.
    engine.set_strict_builtin_errors(false);
    // A runaway policy fails its evaluation, never the whole scan.
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: EVAL_LIMIT,
        check_interval: std::num::NonZeroU32::MIN.saturating_add(63),
    });
    crate::sprintf::install(&mut engine).map_err(|e| error(r, "spec", e.to_string()))?;
    engine
        .add_policy("rego".to_string(), crate::rewrite::rewrite(rego))
        .map_err(|e| rego_error(r, &rego_path, &e))?;
    let mut uses_inventory = rego.contains("data.inventory");
    if let Some(libs) = source.get("libs").and_then(Value::as_array) {
        for (i, lib) in libs.iter().enumerate() {
            let path = format!("{base}.libs[{i}]");
            let Some(src) = lib.as_str() else {
                return Err(error(r, &path, "a lib must be Rego text"));
            };
            uses_inventory |= src.contains("data.inventory");
            engine
                .add_policy(format!("libs[{i}]"), crate::rewrite::rewrite(src))
                .map_err(|e| rego_error(r, &path, &e))?;
        }
    }
    let query = format!("data.{package}.violation");
    // Preparing (analysis, scheduling) is the compile step: done once here,
    // so clones start prepared and unknown functions or conflicting rules
    // surface now.
    crate::eval::prepare(&mut engine, &query).map_err(|e| rego_error(r, &rego_path, &e))?;
    let (file, line) = at(r, "");
    let annotation = |k: &str| r.annotation(k).map(|s| s.trim().to_string());
    Ok(Template {
        kind,
        name: r.id.name.clone(),
        file,
        line,
        title: annotation("metadata.gatekeeper.sh/title"),
        description: annotation("description"),
        query,
        uses_inventory,
        schema: v
            .pointer("/spec/crd/spec/validation/openAPIV3Schema")
            .cloned(),
        engine,
    })
}

fn build_constraint(
    r: &Resource,
    template: usize,
    t: &Template,
) -> Result<Constraint, Vec<PolicyError>> {
    let v = &r.value;
    let mut errors = Vec::new();
    let matcher = match v.pointer("/spec/match") {
        None | Some(Value::Null) => Match::default(),
        Some(m) => Match::parse(m).unwrap_or_else(|e| {
            errors.push(error(r, &format!("spec.match.{}", e.path), e.message));
            Match::default()
        }),
    };
    let mut scoped = None;
    let action = match v.pointer("/spec/enforcementAction").and_then(Value::as_str) {
        None => Action::Deny,
        Some("scoped") => {
            let list = v
                .pointer("/spec/scopedEnforcementActions")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut entries = Vec::new();
            for (i, e) in list.iter().enumerate() {
                let path = format!("spec.scopedEnforcementActions[{i}]");
                let Some(a) = e
                    .get("action")
                    .and_then(Value::as_str)
                    .and_then(Action::parse)
                else {
                    errors.push(error(
                        r,
                        &path,
                        "scoped action must be deny, warn or dryrun",
                    ));
                    continue;
                };
                let points = e
                    .get("enforcementPoints")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect();
                entries.push((a, points));
            }
            if entries.is_empty() {
                errors.push(error(
                    r,
                    "spec.enforcementAction",
                    "enforcementAction: scoped needs spec.scopedEnforcementActions",
                ));
            }
            scoped = Some(entries);
            Action::Deny
        }
        Some(other) => Action::parse(other).unwrap_or_else(|| {
            errors.push(error(
                r,
                "spec.enforcementAction",
                format!("enforcementAction '{other}' is not one of deny, warn, dryrun, scoped"),
            ));
            Action::Deny
        }),
    };
    let severity = match r.annotation(SEVERITY_ANNOTATION) {
        None => Severity::Medium,
        Some(s) => s.parse().unwrap_or_else(|e: String| {
            errors.push(error(
                r,
                &format!("metadata.annotations[\"{SEVERITY_ANNOTATION}\"]"),
                format!("{SEVERITY_ANNOTATION}: {e}"),
            ));
            Severity::Medium
        }),
    };
    let parameters = v.pointer("/spec/parameters").cloned();
    if let Some(schema) = &t.schema {
        for (path, msg) in check_parameters(schema, parameters.as_ref()) {
            errors.push(error(r, &path, msg));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (file, line) = at(r, "");
    let id = format!("policy:{}/{}", t.kind.to_ascii_lowercase(), r.id.name);
    let title = t.title.clone().unwrap_or_else(|| t.kind.clone());
    let description = match &t.description {
        Some(d) => format!(
            "{d}\n\nGatekeeper constraint {}/{} ({file}).",
            t.kind, r.id.name
        ),
        None => format!("Gatekeeper constraint {}/{} ({file}).", t.kind, r.id.name),
    };
    let remediation = format!(
        "Change the object so that the policy holds, or narrow the constraint's match:\n\
         spec:\n  match:\n    excludedNamespaces: [\"<namespace>\"]\n\
         Template {} ({}:{}).",
        t.kind,
        t.file,
        t.line.unwrap_or(0)
    );
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        id: leak(id),
        title: leak(title),
        severity,
        category: "policy",
        description: leak(description),
        remediation: leak(remediation),
        references: &[],
        mappings: Mappings::NONE,
    }));
    Ok(Constraint {
        template,
        kind: t.kind.clone(),
        name: r.id.name.clone(),
        file,
        line,
        matcher,
        parameters: parameters.as_ref().map(crate::eval::to_rego),
        action,
        scoped,
        severity,
        meta,
    })
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The cheap part of the CRD's structural check on `spec.parameters`: the
/// schema's required properties are there and top-level values have the
/// declared types. Returns (field path, message) pairs.
fn check_parameters(schema: &Value, params: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let props = schema.get("properties").and_then(Value::as_object);
    let Some(params) = params else {
        if !required.is_empty() {
            let names: Vec<&str> = required.iter().filter_map(Value::as_str).collect();
            out.push((
                "spec".to_string(),
                format!(
                    "spec.parameters is missing; the template requires {}",
                    names.join(", ")
                ),
            ));
        }
        return out;
    };
    let Some(obj) = params.as_object() else {
        out.push((
            "spec.parameters".to_string(),
            "spec.parameters must be an object".to_string(),
        ));
        return out;
    };
    for name in required.iter().filter_map(Value::as_str) {
        if !obj.contains_key(name) {
            out.push((
                "spec.parameters".to_string(),
                format!("parameter '{name}' is required by the template's schema"),
            ));
        }
    }
    let Some(props) = props else { return out };
    for (k, val) in obj {
        let Some(ty) = props
            .get(k)
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let ok = match ty {
            "string" => val.is_string(),
            "array" => val.is_array(),
            "object" => val.is_object(),
            "boolean" => val.is_boolean(),
            "integer" => val.is_i64() || val.is_u64(),
            "number" => val.is_number(),
            _ => true,
        };
        if !ok && !val.is_null() {
            out.push((
                format!("spec.parameters[\"{k}\"]"),
                format!("parameter '{k}' must be of type {ty} (the template's schema)"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_is_read_from_the_first_package_line() {
        assert_eq!(
            package_of("\npackage k8sfoo\n\nviolation {}"),
            Some("k8sfoo")
        );
        assert_eq!(package_of("packages x"), None);
    }

    #[test]
    fn parameters_of_the_wrong_type_or_missing_are_reported() {
        let schema = serde_json::json!({"type": "object", "required": ["repos"],
            "properties": {"repos": {"type": "array"}}});
        let bad = serde_json::json!({"repos": "docker.io/"});
        assert_eq!(check_parameters(&schema, Some(&bad)).len(), 1);
        assert_eq!(
            check_parameters(&schema, Some(&serde_json::json!({}))).len(),
            1
        );
        assert_eq!(check_parameters(&schema, None).len(), 1);
        let good = serde_json::json!({"repos": ["a/"]});
        assert!(check_parameters(&schema, Some(&good)).is_empty());
    }
}
