//! Realistic manifests: exact lines and columns of present and missing
//! fields, multi-document files, `kubectl get -o yaml` lists, and the
//! account of what was skipped.

mod common;

use std::path::Path;

use bulwark_load::{LoadOptions, load_file, load_str};
use common::{at, load, names, write};
use serde_json::json;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn deployment_fields_point_at_their_lines() {
    let l = load_file(&data("deployment.yaml"), &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(names(&l), ["Deployment/shop/web", "Service/shop/web"]);
    let d = &l.resources[0];
    assert_eq!((d.origin.document, d.origin.item), (0, None));
    assert_eq!(d.spans.as_ref().map(|s| s.pos.line), Some(3));
    let c0 = "spec.template.spec.containers[0]";
    let c1 = "spec.template.spec.containers[1]";
    assert_eq!(at(d, &format!("{c0}.securityContext.privileged")), (24, 13));
    assert_eq!(at(d, &format!("{c0}.ports[0].containerPort")), (26, 15));
    assert_eq!(at(d, &format!("{c1}.args[2]")), (29, 30));
    assert_eq!(
        at(d, "spec.template.spec.volumes[0].hostPath.path"),
        (33, 13)
    );
    assert_eq!(at(d, "metadata.namespace"), (7, 3));
    // A sequence item points at its first key, on the line of its dash.
    assert_eq!(at(d, c1), (27, 11));
    // Missing fields: the nearest parent that should hold them.
    assert_eq!(
        at(d, &format!("{c1}.securityContext.runAsNonRoot")),
        (27, 11)
    );
    assert_eq!(at(d, "spec.template.spec.hostNetwork"), (19, 5));
    assert_eq!(
        at(d, "spec.template.spec.securityContext.runAsUser"),
        (19, 5)
    );
    assert_eq!(at(d, "spec.template.spec.containers[7]"), (20, 7));
    // Values as Kubernetes reads them.
    assert_eq!(d.value["spec"]["replicas"], json!(3));
    assert_eq!(
        d.value["spec"]["template"]["spec"]["containers"][1]["image"],
        json!("busybox")
    );

    let s = &l.resources[1];
    assert_eq!(s.origin.document, 1);
    assert_eq!(at(s, "metadata.name"), (37, 12));
    assert_eq!(at(s, "spec.ports[0]"), (39, 11));
    assert_eq!(at(s, "spec.ports[0].targetPort"), (39, 22));
}

#[test]
fn kubectl_get_list_items_are_objects_with_their_own_lines() {
    let path = data("kubectl-get-list.yaml");
    let l = load_file(&path, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(names(&l), ["Service/shop/web", "Deployment/shop/web"]);
    let (svc, dep) = (&l.resources[0], &l.resources[1]);
    assert_eq!((svc.origin.document, svc.origin.item), (0, Some(0)));
    assert_eq!((dep.origin.document, dep.origin.item), (0, Some(1)));
    assert_eq!(
        svc.spans.as_ref().map(|s| (s.pos.line, s.pos.column)),
        Some((3, 3))
    );
    assert_eq!(dep.spans.as_ref().map(|s| s.pos.line), Some(24));
    assert_eq!(at(svc, "metadata.uid"), (12, 5));
    assert_eq!(at(svc, "spec.ports[0].targetPort"), (18, 7));
    assert_eq!(
        at(
            dep,
            "spec.template.spec.containers[0].securityContext.runAsUser"
        ),
        (39, 13)
    );
    assert_eq!(at(dep, "spec.template.spec.hostNetwork"), (40, 9));
    assert_eq!(
        at(
            dep,
            "spec.template.spec.containers[0].securityContext.privileged"
        ),
        (38, 11)
    );
    // Quoted timestamps and numbers stay strings.
    assert_eq!(
        svc.value["metadata"]["creationTimestamp"],
        json!("2024-05-01T10:00:00Z")
    );
    assert_eq!(svc.value["metadata"]["resourceVersion"], json!("1234"));
    // The third item is not an object: skipped, with its line.
    assert_eq!(l.summary.skipped.len(), 1);
    let sk = &l.summary.skipped[0];
    assert_eq!(sk.file, format!("{}:41", path.display()));
    assert_eq!(
        sk.reason,
        "List item 2: no apiVersion or kind: not a Kubernetes object"
    );
}

/// The API server's own list responses (`GET /api/v1/pods`) leave kind and
/// apiVersion out of the items: they are the list's.
#[test]
fn typed_list_items_take_kind_and_api_version_from_the_list() {
    let l = load_file(&data("podlist.json"), &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(names(&l), ["Pod/shop/api-0", "Pod/shop/api-1"]);
    assert_eq!(l.resources[0].id.api_version, "v1");
    assert_eq!(l.resources[1].spans.as_ref().map(|s| s.pos.line), Some(14));
    assert_eq!(
        at(
            &l.resources[0],
            "spec.containers[0].securityContext.privileged"
        ),
        (10, 65)
    );
    // An explicit kind in an item is kept.
    let l = load_str(
        "x.yaml",
        "apiVersion: v1\nkind: PodList\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n",
        &LoadOptions::default(),
    );
    assert_eq!(names(&l), ["Secret/s"]);
}

#[test]
fn documents_without_identity_are_skipped_with_reason_and_line() {
    // A comment before the first `---` belongs to the first document, so
    // the ConfigMap is document 1.
    let text = "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\
                name: values\nreplicas: 3\n---\nkind: Pod\n---\n- just\n- a list\n---\n# only a comment\n---\n";
    let l = load_str("m.yaml", text, &LoadOptions::default());
    assert_eq!(names(&l), ["ConfigMap/a"]);
    let skipped: Vec<_> = l
        .summary
        .skipped
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "m.yaml:7",
                "document 2: no apiVersion or kind: not a Kubernetes object"
            ),
            (
                "m.yaml:10",
                "document 3: no apiVersion: not a Kubernetes object"
            ),
            (
                "m.yaml:12",
                "document 4: a sequence, not a mapping: not a Kubernetes object"
            ),
        ]
    );
    assert!(l.summary.errors.is_empty());
}

#[test]
fn directories_count_skipped_files_and_missing_paths_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "a/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    write(
        d,
        "a/svc.YML",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    );
    write(
        d,
        "b/cm.json",
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}"#,
    );
    write(d, "README.md", "# not a manifest\n");
    write(d, "b/values.yaml", "replicas: 2\n");
    write(
        d,
        ".git/config.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: git}\n",
    );
    let missing = d.join("does-not-exist");
    let l = load(&[d, &missing]);
    assert_eq!(names(&l), ["Pod/p", "Service/s", "ConfigMap/c"]);
    assert_eq!(l.summary.files, 4);
    let skipped: Vec<_> = l
        .summary
        .skipped
        .iter()
        .map(|s| s.reason.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "not a .yaml, .yml or .json file",
            "document 1: no apiVersion or kind: not a Kubernetes object",
        ]
    );
    assert_eq!(l.summary.errors.len(), 1);
    assert_eq!(l.summary.errors[0].file, missing.display().to_string());
    assert_eq!(l.summary.errors[0].message, "no such file or directory");
}

/// A file named on the command line is read whatever its extension.
#[test]
fn a_named_file_is_read_whatever_its_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "manifest.txt",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    assert_eq!(names(&load(&[&p])), ["Pod/p"]);
}

/// YAML 1.1 as the API server reads it, in a real object.
#[test]
fn yaml_1_1_values_in_a_manifest() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    enabled: on\n    quoted: \"on\"\nspec:\n  hostNetwork: yes\n  volumes:\n  - name: s\n    secret:\n      secretName: s\n      defaultMode: 0644\n  containers:\n  - name: c\n    securityContext:\n      runAsUser: 0.0\n      allowPrivilegeEscalation: off\n";
    let l = load_str("p.yaml", text, &LoadOptions::default());
    let v = &l.resources[0].value;
    assert_eq!(v["spec"]["hostNetwork"], json!(true));
    assert_eq!(v["spec"]["volumes"][0]["secret"]["defaultMode"], json!(420));
    assert_eq!(
        v["spec"]["containers"][0]["securityContext"]["runAsUser"],
        json!(0)
    );
    assert_eq!(
        v["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
        json!(false)
    );
    assert_eq!(v["metadata"]["annotations"]["enabled"], json!(true));
    assert_eq!(v["metadata"]["annotations"]["quoted"], json!("on"));
}

/// bulwark's own `.bulwark.yaml` in a scanned directory is configuration,
/// not an input: it is neither scanned nor reported as skipped.
#[test]
fn bulwark_config_in_a_scanned_directory_is_not_an_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".bulwark.yaml"), "strict: []\n").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "hello\n").expect("write");
    let l = bulwark_load::load_paths(
        &[dir.path().to_path_buf()],
        &bulwark_load::LoadOptions::default(),
    );
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    let skipped: Vec<_> = l.summary.skipped.iter().map(|s| s.file.clone()).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].ends_with("notes.txt"), "{skipped:?}");
}
