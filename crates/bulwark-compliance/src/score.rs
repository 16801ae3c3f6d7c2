//! Scores: per control, how many of the objects its rules evaluate pass.

use std::collections::{BTreeSet, HashMap, HashSet};

use bulwark_core::{Finding, ObjectRef, Resource};
use serde::Serialize;

use crate::framework::{Control, Framework};
use crate::scope::{Facts, Scopes, Selector};

/// Where a control stands after a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every evaluated object passed.
    Pass,
    /// At least one evaluated object has a finding of the control's rules.
    Fail,
    /// The control's rules ran but no object they look at was scanned, or
    /// none of its rules ran (deselected): never counted as a pass.
    NotEvaluated,
    /// No rule implements the control.
    NotImplemented,
    /// The framework leaves it to a person's judgement.
    Manual,
}

impl Status {
    /// The spelling every output uses (`not-evaluated`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotEvaluated => "not-evaluated",
            Status::NotImplemented => "not-implemented",
            Status::Manual => "manual",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One control's result.
#[derive(Clone, Debug, Serialize)]
pub struct ControlScore {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub status: Status,
    /// Objects the control's rules looked at (those with a finding always count).
    pub evaluated: usize,
    /// Evaluated objects with no finding of the control's rules.
    pub passed: usize,
    /// `passed / evaluated` in percent; `None` unless pass or fail.
    pub score: Option<f64>,
    /// Rules that implement the control (as the framework file lists them).
    pub rules: Vec<String>,
    /// Rules with a finding on an evaluated object, sorted.
    pub failing_rules: Vec<String>,
}

impl ControlScore {
    /// `c` before any object is counted: not evaluated.
    pub(crate) fn unevaluated(c: &Control) -> Self {
        ControlScore {
            id: c.id.clone(),
            title: c.title.clone(),
            section: c.section.clone(),
            status: Status::NotEvaluated,
            evaluated: 0,
            passed: 0,
            score: None,
            rules: c.rules.clone(),
            failing_rules: Vec::new(),
        }
    }
}

/// How many controls of a framework are in each state.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Counts {
    pub controls: usize,
    pub pass: usize,
    pub fail: usize,
    pub not_evaluated: usize,
    pub not_implemented: usize,
    pub manual: usize,
}

/// One framework's result.
#[derive(Clone, Debug, Serialize)]
pub struct FrameworkScore {
    pub id: String,
    pub name: String,
    pub version: String,
    pub source: String,
    /// Mean of the scores of the controls that passed or failed, in
    /// percent; `None` when no control was evaluated.
    pub score: Option<f64>,
    pub counts: Counts,
    pub controls: Vec<ControlScore>,
}

/// An object as findings name it: its reference and its file (borrowed from
/// the findings and objects, so a big scan's scores copy no names).
type Key<'a> = (&'a ObjectRef, Option<&'a str>);

/// A 64-bit digest of an object's key: enough to tell the same object listed
/// twice, at 8 bytes an object however many there are.
fn digest(key: &Key<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// Scores `frameworks` over a scan.
///
/// `objects` are every object the scan analysed (all contexts), `findings`
/// the final ones (after the filter), `ran` says whether a rule ran and was
/// selected, so that a deselected rule's silence is not read as a pass.
pub fn score<'f, 'o>(
    frameworks: impl IntoIterator<Item = &'f Framework>,
    scopes: &Scopes,
    objects: impl IntoIterator<Item = &'o Resource>,
    findings: impl IntoIterator<Item = &'o Finding>,
    ran: &dyn Fn(&str) -> bool,
) -> Vec<FrameworkScore> {
    let frameworks: Vec<&Framework> = frameworks.into_iter().collect();
    // Only the rules some control names matter.
    let wanted: HashSet<&str> = frameworks
        .iter()
        .flat_map(|f| &f.controls)
        .flat_map(|c| &c.rules)
        .map(String::as_str)
        .filter(|r| ran(r))
        .collect();
    let mut failing: HashMap<&str, HashSet<Key<'_>>> = HashMap::new();
    for f in findings {
        if wanted.contains(f.rule_id.as_ref()) {
            let key = (&f.object, f.location.as_ref().map(|l| l.file.as_str()));
            failing.entry(f.rule_id.as_ref()).or_default().insert(key);
        }
    }
    let with_findings: HashSet<Key<'_>> = failing.values().flatten().copied().collect();

    // Objects grouped by what the selectors see: a handful of groups for
    // any number of objects.
    let mut groups: Vec<(Facts, usize)> = Vec::new();
    let mut group_of: HashMap<Facts, usize> = HashMap::new();
    let mut failing_group: HashMap<Key<'_>, usize> = HashMap::new();
    let mut seen: HashSet<u64> = HashSet::new();
    for res in objects {
        let key: Key<'_> = (&res.id, res.origin.file.as_deref());
        if !seen.insert(digest(&key)) {
            continue; // the same object twice in one file counts once
        }
        let facts = scopes.facts(res);
        let g = *group_of.entry(facts.clone()).or_insert_with(|| {
            groups.push((facts, 0));
            groups.len() - 1
        });
        groups[g].1 += 1;
        if let Some(k) = with_findings.get(&key) {
            failing_group.insert(*k, g);
        }
    }

    frameworks
        .iter()
        .map(|fw| {
            let controls = fw
                .controls
                .iter()
                .map(|c| control(c, scopes, &groups, &failing, &failing_group, ran))
                .collect();
            framework_score(fw, controls)
        })
        .collect()
}

/// A framework's counts and mean score from its controls' results.
pub(crate) fn framework_score(fw: &Framework, controls: Vec<ControlScore>) -> FrameworkScore {
    let mut counts = Counts {
        controls: controls.len(),
        ..Counts::default()
    };
    let mut sum = 0.0;
    let mut n = 0usize;
    for c in &controls {
        match c.status {
            Status::Pass => counts.pass += 1,
            Status::Fail => counts.fail += 1,
            Status::NotEvaluated => counts.not_evaluated += 1,
            Status::NotImplemented => counts.not_implemented += 1,
            Status::Manual => counts.manual += 1,
        }
        // From the exact ratio, not the rounded percent shown.
        if c.score.is_some() {
            sum += c.passed as f64 * 100.0 / c.evaluated as f64;
            n += 1;
        }
    }
    FrameworkScore {
        id: fw.id.clone(),
        name: fw.name.clone(),
        version: fw.version.clone(),
        source: fw.source.clone(),
        score: (n > 0).then(|| round(sum / n as f64)),
        counts,
        controls,
    }
}

/// Percent to one hundredth, so outputs and gates see the same number.
pub(crate) fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn control(
    c: &Control,
    scopes: &Scopes,
    groups: &[(Facts, usize)],
    failing: &HashMap<&str, HashSet<Key<'_>>>,
    failing_group: &HashMap<Key<'_>, usize>,
    ran: &dyn Fn(&str) -> bool,
) -> ControlScore {
    let mut out = ControlScore::unevaluated(c);
    if c.manual {
        out.status = Status::Manual;
        return out;
    }
    if c.rules.is_empty() {
        out.status = Status::NotImplemented;
        return out;
    }
    let rules: Vec<&str> = c
        .rules
        .iter()
        .map(String::as_str)
        .filter(|r| ran(r))
        .collect();
    let selectors: BTreeSet<&Selector> = rules.iter().flat_map(|r| scopes.of(r)).collect();
    let in_scope = |f: &Facts| selectors.iter().any(|s| f.matches(s));
    let in_scope_groups: Vec<bool> = groups.iter().map(|(f, _)| in_scope(f)).collect();
    let mut evaluated: usize = groups
        .iter()
        .zip(&in_scope_groups)
        .filter(|(_, s)| **s)
        .map(|((_, n), _)| n)
        .sum();
    let mut failed: HashSet<&Key<'_>> = HashSet::new();
    for r in &rules {
        if let Some(keys) = failing.get(r) {
            if !keys.is_empty() {
                out.failing_rules.push((*r).to_string());
            }
            failed.extend(keys);
        }
    }
    // An object with a finding was evaluated, whatever the scope says (and
    // a finding on an object the scan did not list still counts).
    evaluated += failed
        .iter()
        .filter(|k| !failing_group.get(**k).is_some_and(|g| in_scope_groups[*g]))
        .count();
    out.failing_rules.sort();
    out.evaluated = evaluated;
    out.passed = evaluated - failed.len();
    if evaluated > 0 {
        out.status = if failed.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        };
        out.score = Some(round(out.passed as f64 * 100.0 / evaluated as f64));
    }
    out
}

#[cfg(test)]
mod tests {
    use bulwark_core::{FieldPath, Finding, Origin, Resource, Severity};
    use serde_json::json;

    use super::*;

    fn res(kind: &str, name: &str, file: &str) -> Resource {
        let mut v = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "ns"}});
        if kind == "Pod" {
            v["spec"] = json!({"containers": [{"name": "c", "image": "x"}]});
        }
        let origin = Origin {
            file: Some(file.into()),
            ..Origin::default()
        };
        Resource::new(v, origin, None)
    }

    fn finding(rule: &'static str, r: &Resource) -> Finding {
        Finding::new(rule, Severity::High, r, FieldPath::parse("spec"), "m")
    }

    fn framework() -> Framework {
        crate::framework::parse(
            "t",
            "id: t\nname: T\nversion: '1'\nsource: s\ncontrols:\n\
             - {id: pods, title: P, rules: [pod-rule]}\n\
             - {id: both, title: B, rules: [pod-rule, ns-rule]}\n\
             - {id: ns, title: N, rules: [ns-rule]}\n\
             - {id: cp, title: C, rules: [cp-rule]}\n\
             - {id: none, title: X, rules: []}\n\
             - {id: judge, title: J, manual: true}\n",
        )
        .unwrap()
    }

    fn scopes() -> Scopes {
        let mut s = Scopes::builtin();
        s.by_rule = [
            ("pod-rule", "pods"),
            ("ns-rule", "Namespace"),
            ("cp-rule", "component/kube-apiserver"),
        ]
        .into_iter()
        .map(|(r, sel)| (r.to_string(), vec![Selector::parse(sel)]))
        .collect();
        s
    }

    fn by_id<'a>(f: &'a FrameworkScore, id: &str) -> &'a ControlScore {
        f.controls.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn controls_count_the_objects_their_rules_look_at() {
        // Three pods (one of them listed twice in its file), one Namespace,
        // one ConfigMap that no rule here looks at.
        let p1 = res("Pod", "a", "f.yaml");
        let p2 = res("Pod", "b", "f.yaml");
        let p3 = res("Pod", "c", "g.yaml");
        let ns = res("Namespace", "ns", "f.yaml");
        let cm = res("ConfigMap", "cm", "f.yaml");
        let objects = [&p1, &p2, &p2, &p3, &ns, &cm];
        let findings = [
            finding("pod-rule", &p1),
            finding("pod-rule", &p1), // two findings, one failing object
            finding("ns-rule", &ns),
        ];
        let fw = framework();
        let out = score([&fw], &scopes(), objects, &findings, &|_| true);
        let f = &out[0];
        let c = by_id(f, "pods");
        assert_eq!((c.status, c.passed, c.evaluated), (Status::Fail, 2, 3));
        assert_eq!(c.failing_rules, ["pod-rule"]);
        assert_eq!(c.score, Some(66.67));
        // pods and the namespace: 4 evaluated, p1 and ns fail.
        let c = by_id(f, "both");
        assert_eq!((c.passed, c.evaluated), (2, 4));
        assert_eq!(c.failing_rules, ["ns-rule", "pod-rule"]);
        let c = by_id(f, "ns");
        assert_eq!((c.status, c.passed, c.evaluated), (Status::Fail, 0, 1));
        // No pod runs kube-apiserver: not evaluated, never 100%.
        let c = by_id(f, "cp");
        assert_eq!(
            (c.status, c.evaluated, c.score),
            (Status::NotEvaluated, 0, None)
        );
        assert_eq!(by_id(f, "none").status, Status::NotImplemented);
        assert_eq!(by_id(f, "judge").status, Status::Manual);
        // Mean of the exact ratios of the three scored controls: (2/3 + 2/4 + 0) / 3.
        assert_eq!(f.score, Some(38.89));
        let n = f.counts;
        assert_eq!(
            (
                n.controls,
                n.pass,
                n.fail,
                n.not_evaluated,
                n.not_implemented,
                n.manual
            ),
            (6, 0, 3, 1, 1, 1)
        );
    }

    #[test]
    fn a_deselected_rule_is_not_a_pass_and_a_finding_outside_the_scope_still_counts() {
        let p = res("Pod", "a", "f.yaml");
        let cm = res("ConfigMap", "cm", "f.yaml");
        let fw = framework();
        // pod-rule deselected: the pods control was not evaluated at all.
        let out = score([&fw], &scopes(), [&p], &[], &|r| r != "pod-rule");
        let c = by_id(&out[0], "pods");
        assert_eq!((c.status, c.evaluated), (Status::NotEvaluated, 0));
        // A finding of pod-rule on a ConfigMap: that object was evaluated.
        let out = score(
            [&fw],
            &scopes(),
            [&p, &cm],
            &[finding("pod-rule", &cm)],
            &|_| true,
        );
        let c = by_id(&out[0], "pods");
        assert_eq!((c.status, c.passed, c.evaluated), (Status::Fail, 1, 2));
        // Nothing scored at all: no framework score (not 0, not 100).
        let out = score([&fw], &scopes(), [&cm], &[], &|_| true);
        assert_eq!(out[0].score, None);
    }

    #[test]
    fn the_same_name_in_two_files_is_two_objects() {
        let a = res("Pod", "same", "one/app.yaml");
        let b = res("Pod", "same", "two/app.yaml");
        let fw = framework();
        let out = score(
            [&fw],
            &scopes(),
            [&a, &b],
            &[finding("pod-rule", &b)],
            &|_| true,
        );
        let c = by_id(&out[0], "pods");
        assert_eq!((c.passed, c.evaluated), (1, 2));
    }
}
