//! Gatekeeper's semantics beyond the library's suites: builtin errors are
//! undefined (not query errors), `data.inventory` keying, match by
//! namespace glob and namespaceSelector, enforcement actions, expansions,
//! and the review entry for admission requests.

use bulwark_core::{Inventory, Resource, Severity};
use bulwark_load::{LoadOptions, load_str};
use bulwark_policy::PolicySet;
use serde_json::json;

fn objects(name: &str, yaml: &str) -> Vec<Resource> {
    let l = load_str(name, yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    l.resources
}

fn template(kind: &str, rego: &str) -> String {
    let body: String = rego.lines().map(|l| format!("        {l}\n")).collect();
    format!(
        "apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: {lower}
spec:
  crd:
    spec:
      names:
        kind: {kind}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
{body}",
        lower = kind.to_ascii_lowercase()
    )
}

fn set(yaml: &str) -> PolicySet {
    let (set, errors) = PolicySet::from_resources(&objects("policy.yaml", yaml));
    assert!(errors.is_empty(), "{errors:?}");
    set
}

const PODS: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels: {env: prod}
---
apiVersion: v1
kind: Namespace
metadata:
  name: kube-system
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: prod}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: kube-system}
spec:
  containers: [{name: c, image: nginx}]
";

#[test]
fn a_failing_builtin_is_undefined_as_in_opa() {
    let t = template(
        "K8sNumber",
        "package k8snumber\nviolation[{\"msg\": msg}] {\n  n := to_number(\"not a number\")\n  msg := \"never\"\n}\nviolation[{\"msg\": \"always\"}] {\n  true\n}",
    );
    let c = "---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNumber\nmetadata: {name: n}\n";
    let s = set(&format!("{t}{c}"));
    let inv = Inventory::new(objects("pods.yaml", PODS));
    let f = s.evaluate(&inv);
    // Four objects, one message each: the failing rule added nothing and
    // broke nothing.
    assert_eq!(f.len(), 4, "{f:?}");
    assert!(f.iter().all(|f| f.message == "always"));
}

#[test]
fn namespaces_globs_selectors_and_actions() {
    let t = template(
        "K8sAny",
        "package k8sany\nviolation[{\"msg\": msg}] {\n  msg := sprintf(\"%v/%v\", [input.review.namespace, input.review.name])\n}",
    );
    let cs = "---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAny
metadata: {name: not-system}
spec:
  enforcementAction: dryrun
  match:
    kinds: [{apiGroups: [\"\"], kinds: [Pod]}]
    excludedNamespaces: [\"kube-*\"]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAny
metadata:
  name: prod-only
  annotations: {bulwark.dev/severity: critical}
spec:
  match:
    kinds: [{apiGroups: [\"\"], kinds: [Pod]}]
    namespaceSelector: {matchLabels: {env: prod}}
";
    let s = set(&format!("{t}{cs}"));
    let inv = Inventory::new(objects("pods.yaml", PODS));
    let mut got: Vec<(String, String, Severity)> = s
        .evaluate(&inv)
        .into_iter()
        .map(|f| (f.rule_id.to_string(), f.message, f.severity))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "policy:k8sany/not-system".into(),
                "prod/a (enforcementAction: dryrun)".into(),
                Severity::Info
            ),
            (
                "policy:k8sany/prod-only".into(),
                "prod/a".into(),
                Severity::Critical
            ),
        ]
    );
}

#[test]
fn inventory_is_keyed_as_gatekeeper_syncs_it() {
    let t = template(
        "K8sPeers",
        "package k8speers\nviolation[{\"msg\": msg}] {\n  other := data.inventory.namespace[input.review.namespace][\"v1\"][\"Pod\"][name]\n  name != input.review.name\n  ns := data.inventory.cluster[\"v1\"][\"Namespace\"][input.review.namespace]\n  msg := sprintf(\"%v shares %v with %v\", [input.review.name, ns.metadata.name, name])\n}",
    );
    let c = "---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPeers\nmetadata: {name: p}\nspec:\n  match:\n    kinds: [{apiGroups: [\"\"], kinds: [Pod]}]\n";
    let s = set(&format!("{t}{c}"));
    let more =
        format!("{PODS}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: z, namespace: prod}}\n");
    let inv = Inventory::new(objects("pods.yaml", &more));
    let mut got: Vec<String> = s.evaluate(&inv).into_iter().map(|f| f.message).collect();
    got.sort();
    assert_eq!(got, vec!["a shares prod with z", "z shares prod with a"]);
}

#[test]
fn reviews_match_old_labels_and_expansions_reach_pod_templates() {
    let t = template(
        "K8sOp",
        "package k8sop\nviolation[{\"msg\": input.review.operation}] {\n  input.review.kind.kind == \"Pod\"\n}",
    );
    let cs = "---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sOp
metadata: {name: tiered}
spec:
  match:
    labelSelector: {matchLabels: {tier: web}}
---
apiVersion: expansion.gatekeeper.sh/v1beta1
kind: ExpansionTemplate
metadata: {name: expand-deployments}
spec:
  applyTo: [{groups: [apps], kinds: [Deployment], versions: [v1]}]
  templateSource: spec.template
  generatedGVK: {kind: Pod, group: \"\", version: v1}
";
    let s = set(&format!("{t}{cs}"));
    let empty = Inventory::new(Vec::new());
    // UPDATE that removes the label: Gatekeeper matches on the old object too.
    let req = json!({
        "operation": "UPDATE",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "namespace": "prod",
        "name": "a",
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}},
        "oldObject": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"tier": "web"}}}
    });
    let v: Vec<String> = s
        .evaluate_review(&req, &empty)
        .into_iter()
        .map(|r| r.map(|v| v.message).unwrap_or_else(|e| e.to_string()))
        .collect();
    assert_eq!(v, vec!["UPDATE"]);
    // A Deployment is judged as the Pod its template makes.
    let dep = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    metadata:
      labels: {tier: web}
    spec:
      containers: [{name: c, image: nginx}]
";
    let f = s.evaluate(&Inventory::new(objects("dep.yaml", dep)));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].message, "[Implied by expand-deployments] CREATE");
    assert_eq!(f[0].object.kind, "Deployment");
    assert_eq!(f[0].location.as_ref().and_then(|l| l.line), Some(1));
}

#[test]
fn a_policy_that_prints_secret_values_has_them_redacted() {
    let t = template(
        "K8sLeaky",
        "package k8sleaky\nviolation[{\"msg\": msg}] {\n  input.review.kind.kind == \"Secret\"\n  msg := sprintf(\"data %v\", [input.review.object.data])\n}\nviolation[{\"msg\": msg}] {\n  input.review.kind.kind == \"Pod\"\n  s := data.inventory.namespace[_][\"v1\"][\"Secret\"][_]\n  msg := sprintf(\"peer %v\", [s.data.password])\n}",
    );
    let c =
        "---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sLeaky\nmetadata: {name: l}\n";
    let s = set(&format!("{t}{c}"));
    let objs = "apiVersion: v1
kind: Secret
metadata: {name: db, namespace: prod}
data: {password: aHVudGVyMjAyNg==}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: prod}
";
    let f = s.evaluate(&Inventory::new(objects("objs.yaml", objs)));
    assert_eq!(f.len(), 2, "{f:?}");
    for f in &f {
        assert!(!f.message.contains("aHVudGVyMjAyNg=="), "{}", f.message);
        assert!(f.message.contains("redacted"), "{}", f.message);
        assert!(!f.subject.as_deref().unwrap_or("").contains("aHVudGVy"));
    }
}

#[test]
fn a_runaway_policy_fails_its_evaluation_not_the_scan() {
    let t = template(
        "K8sSlow",
        "package k8sslow\nviolation[{\"msg\": \"slow\"}] {\n  input.review.kind.kind == \"Namespace\"\n  x := numbers.range(1, 3000)\n  count([1 | x[_]; x[_]; x[_]]) > 0\n}",
    );
    let c = "---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sSlow\nmetadata: {name: s}\nspec:\n  match:\n    kinds: [{apiGroups: [\"\"], kinds: [Namespace]}]\n";
    let s = set(&format!("{t}{c}"));
    let start = std::time::Instant::now();
    let f = s.evaluate(&Inventory::new(objects("pods.yaml", PODS)));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(f.len(), 2, "one per Namespace: {f:?}");
    assert!(
        f.iter()
            .all(|f| f.message.starts_with("policy could not be evaluated")),
        "{f:?}"
    );
}

#[test]
fn scoped_actions_apply_at_their_enforcement_points() {
    let t = template(
        "K8sNs",
        "package k8sns\nviolation[{\"msg\": input.review.name}] {\n  input.review.kind.kind == \"Namespace\"\n}",
    );
    let cs = "---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNs
metadata: {name: warn-on-admission-deny-in-audit}
spec:
  enforcementAction: scoped
  scopedEnforcementActions:
    - action: warn
      enforcementPoints: [{name: validation.gatekeeper.sh}]
    - action: dryrun
      enforcementPoints: [{name: audit.gatekeeper.sh}]
    - action: deny
      enforcementPoints: [{name: audit.gatekeeper.sh}]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNs
metadata: {name: admission-only}
spec:
  enforcementAction: scoped
  scopedEnforcementActions:
    - action: deny
      enforcementPoints: [{name: validation.gatekeeper.sh}]
";
    let s = set(&format!("{t}{cs}"));
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n";
    // A scan is Gatekeeper's audit: the strongest audit action, and no
    // admission-only constraint.
    let f = s.evaluate(&Inventory::new(objects("ns.yaml", ns)));
    let got: Vec<(String, String)> = f
        .iter()
        .map(|f| (f.rule_id.to_string(), f.message.clone()))
        .collect();
    assert_eq!(
        got,
        vec![(
            "policy:k8sns/warn-on-admission-deny-in-audit".into(),
            "prod".into()
        )]
    );
    let req =
        json!({"object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}});
    let mut v: Vec<(&str, &str)> = s
        .evaluate_review(&req, &Inventory::new(Vec::new()))
        .into_iter()
        .filter_map(Result::ok)
        .map(|v| (v.rule_id, v.enforcement_action))
        .collect();
    v.sort();
    assert_eq!(
        v,
        vec![
            ("policy:k8sns/admission-only", "deny"),
            ("policy:k8sns/warn-on-admission-deny-in-audit", "warn"),
        ]
    );
    let bad = format!(
        "{t}---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNs\nmetadata: {{name: b}}\nspec: {{enforcementAction: scoped}}\n"
    );
    let (_, errors) = PolicySet::from_resources(&objects("bad.yaml", &bad));
    assert_eq!(errors.len(), 1, "{errors:?}");
}
