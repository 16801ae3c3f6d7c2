//! gator-style test suites (`kind: Suite`, `test.gatekeeper.sh/v1alpha1`):
//! each test names a template and a constraint, each case an object (or
//! an AdmissionReview, reviewed as it is), optional inventory files and
//! assertions (`violations: yes|no|N`, `message:` a regular expression the
//! violation's message must contain a match of).

use std::path::{Path, PathBuf};

use bulwark_core::{Inventory, Resource};
use bulwark_load::LoadOptions;
use serde_json::Value;

use crate::PolicySet;

/// The verdict on one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Why the case disagrees with its assertions (or could not run).
    Fail(String),
    Skipped,
}

/// One case of one test of one suite.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The suite file.
    pub suite: String,
    pub test: String,
    pub case: String,
    pub outcome: Outcome,
}

impl CaseResult {
    /// `suite-file test/case`: how a case is named in output and in lists.
    pub fn id(&self) -> String {
        format!("{} {}/{}", self.suite, self.test, self.case)
    }
}

/// Every file below `dirs` that holds a `kind: Suite`, in path order.
pub fn find_suites(dirs: &[PathBuf]) -> (Vec<PathBuf>, Vec<crate::PolicyError>) {
    let (resources, errors) = crate::files::read(dirs);
    let mut files: Vec<PathBuf> = resources
        .iter()
        .filter(|r| r.kind() == "Suite" && r.id.api_version.starts_with("test.gatekeeper.sh/"))
        .filter_map(|r| r.origin.file.as_deref().map(PathBuf::from))
        .collect();
    files.dedup();
    (files, errors)
}

fn load(path: &Path) -> Result<Vec<Resource>, String> {
    let l = bulwark_load::load_file(path, &LoadOptions::default());
    if let Some(e) = l.summary.errors.first() {
        return Err(e.to_string());
    }
    Ok(l.resources)
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Runs every case of the suite at `path`. A suite that cannot be read is
/// one failed case named after the file.
pub fn run_suite(path: &Path) -> Vec<CaseResult> {
    let name = bulwark_core::input::path_name(path);
    let fail = |test: &str, msg: String| CaseResult {
        suite: name.clone(),
        test: test.to_string(),
        case: "-".to_string(),
        outcome: Outcome::Fail(msg),
    };
    let suites = match load(path) {
        Ok(r) => r,
        Err(e) => return vec![fail("-", e)],
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for suite in suites.iter().filter(|r| r.kind() == "Suite") {
        let suite_skip = suite.value.get("skip") == Some(&Value::Bool(true));
        let tests = suite
            .value
            .get("tests")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for test in tests {
            let tname = str_of(test, "name");
            let cases = test
                .get("cases")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let case_name = |c: &Value| str_of(c, "name").to_string();
            if suite_skip || test.get("skip") == Some(&Value::Bool(true)) {
                out.extend(cases.iter().map(|c| CaseResult {
                    suite: name.clone(),
                    test: tname.to_string(),
                    case: case_name(c),
                    outcome: Outcome::Skipped,
                }));
                continue;
            }
            let set = match policies(dir, test) {
                Ok(s) => s,
                Err(e) => {
                    out.push(fail(tname, e));
                    continue;
                }
            };
            for case in cases {
                let outcome = if case.get("skip") == Some(&Value::Bool(true)) {
                    Outcome::Skipped
                } else {
                    match run_case(dir, &set, case) {
                        Ok(()) => Outcome::Pass,
                        Err(e) => Outcome::Fail(e),
                    }
                };
                out.push(CaseResult {
                    suite: name.clone(),
                    test: tname.to_string(),
                    case: case_name(case),
                    outcome,
                });
            }
        }
    }
    out
}

/// The test's template and constraint, compiled; any policy error fails
/// the whole test, as gator does.
fn policies(dir: &Path, test: &Value) -> Result<PolicySet, String> {
    let mut resources = Vec::new();
    for key in ["template", "constraint"] {
        let file = str_of(test, key);
        if file.is_empty() {
            return Err(format!("test has no {key}"));
        }
        resources.extend(load(&dir.join(file))?);
    }
    let (set, errors) = PolicySet::from_resources(&resources);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    if set.is_empty() {
        return Err("the constraint file holds no constraint".into());
    }
    Ok(set)
}

/// The request under review: an AdmissionReview's own, or the one
/// Gatekeeper builds for a plain object.
fn request_of(obj: &Resource) -> Value {
    if obj.kind() == "AdmissionReview" {
        return obj.value.get("request").cloned().unwrap_or(Value::Null);
    }
    serde_json::json!({"object": obj.value})
}

fn run_case(dir: &Path, set: &PolicySet, case: &Value) -> Result<(), String> {
    let file = str_of(case, "object");
    if file.is_empty() {
        return Err("case has no object".into());
    }
    let objects = load(&dir.join(file))?;
    let [obj] = objects.as_slice() else {
        return Err(format!("{file}: holds {} objects, not one", objects.len()));
    };
    let mut inventory = Vec::new();
    for f in case
        .get("inventory")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        inventory.extend(load(&dir.join(f.as_str().unwrap_or("")))?);
    }
    let inv = Inventory::new(inventory);
    let mut messages = Vec::new();
    for v in set.evaluate_gator(&request_of(obj), &inv) {
        messages.push(v.map_err(|e| e.message)?.message);
    }
    let assertions = case
        .get("assertions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, a) in assertions.iter().enumerate() {
        check(a, &messages).map_err(|e| format!("assertion {i}: {e}"))?;
    }
    Ok(())
}

/// One assertion against the violation messages.
fn check(a: &Value, messages: &[String]) -> Result<(), String> {
    let matching = match a.get("message").and_then(Value::as_str) {
        Some(m) => {
            let re = regex::Regex::new(m).map_err(|e| format!("message is not a regex: {e}"))?;
            messages.iter().filter(|s| re.is_match(s)).count()
        }
        None => messages.len(),
    };
    let got = || {
        if messages.is_empty() {
            format!("got {matching}")
        } else {
            format!("got {matching} of {messages:?}")
        }
    };
    // gator: an assertion without `violations` means "yes".
    let ok = match a.get("violations").unwrap_or(&Value::String("yes".into())) {
        Value::Bool(true) => matching > 0,
        Value::Bool(false) => matching == 0,
        Value::String(s) if s == "yes" => matching > 0,
        Value::String(s) if s == "no" => matching == 0,
        Value::Number(n) => {
            let want = n.as_u64().ok_or("violations must be yes, no or a count")?;
            if matching as u64 != want {
                return Err(format!("want {want} violations, {}", got()));
            }
            true
        }
        Value::String(s) => match s.parse::<u64>() {
            Ok(want) if matching as u64 == want => true,
            Ok(want) => return Err(format!("want {want} violations, {}", got())),
            Err(_) => return Err(format!("violations '{s}' is not yes, no or a count")),
        },
        other => return Err(format!("violations {other} is not yes, no or a count")),
    };
    if ok {
        Ok(())
    } else {
        let want = match a.get("violations") {
            Some(Value::Bool(false)) => "no".to_string(),
            Some(Value::String(s)) if s == "no" => "no".to_string(),
            _ => "some".to_string(),
        };
        Err(format!("want {want} violations, {}", got()))
    }
}
