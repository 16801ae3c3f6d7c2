//! Helm charts and kustomizations: rendered by their tools when present,
//! one clear message each when not, and the rest of the scan goes on.

mod common;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use bulwark_load::render::{render_chart_with, render_kustomization_with};
use bulwark_load::{LoadOptions, load_helm_output};
use common::{at, load, names, run_child, write};
use serde_json::json;

#[test]
#[ignore = "started by other tests as a child process"]
fn child_load() {
    common::child_load_main();
}

const GOOD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n";

/// A kustomization with a base resource, a name prefix and a namespace.
fn kustomization(root: &Path) -> PathBuf {
    let app = root.join("app");
    write(
        &app,
        "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: staging\n\
         namePrefix: dev-\nresources:\n  - deploy.yaml\n",
    );
    write(
        &app,
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    \
         spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          \
         securityContext:\n            privileged: true\n",
    );
    app
}

/// A Helm chart directory (only `Chart.yaml` matters to the loader).
fn chart(root: &Path) -> PathBuf {
    let c = root.join("web");
    write(
        &c,
        "Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(&c, "templates/deployment.yaml", "{{ .Values.nothing }}\n");
    c
}

/// The real helm CLI cannot be installed on this machine (no Debian or npm
/// package ships it, and tests stay offline), so this script stands in for
/// `helm template NAME DIR`, printing what Helm 3 prints: each document
/// after a `# Source: <chart>/templates/<file>` comment.
fn fake_helm(dir: &Path) -> PathBuf {
    let p = write(
        dir,
        "bin/helm",
        r#"#!/bin/sh
[ "$1" = template ] && [ -f "$3/Chart.yaml" ] || { echo "Error: unexpected arguments: $*" >&2; exit 1; }
case "$3" in *broken*) echo "Error: template: web/templates/deployment.yaml:3:11: executing \"x\" at <.Values.x.y>: nil pointer" >&2; exit 1;; esac
cat <<'OUT'
---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: "nginx:latest"
          securityContext:
            privileged: true
---
# Source: web/charts/redis/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web-redis
OUT
"#,
    );
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

#[test]
fn kustomization_is_rendered_by_kubectl() {
    if !common::on_path("kubectl") && !common::on_path("kustomize") {
        common::skip_or_fail("kubectl or kustomize is needed on PATH");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let app = kustomization(dir.path());
    write(dir.path(), "plain.yaml", GOOD);
    let l = load(&[dir.path()]);
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    // The base file is not read raw: only the rendered object exists.
    assert_eq!(names(&l), ["Deployment/staging/dev-web", "ConfigMap/plain"]);
    let d = &l.resources[0];
    assert_eq!(
        d.origin.file.as_deref(),
        Some(&*format!("{} (rendered by kustomize)", app.display()))
    );
    assert_eq!(
        d.value["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"],
        json!(true)
    );
    // Lines are those of the rendered output.
    assert!(
        at(
            d,
            "spec.template.spec.containers[0].securityContext.privileged"
        )
        .0 > 1
    );
}

/// Files below a kustomization that it does not reference are not read
/// (kustomize would not apply them), and not passed over silently either:
/// each is listed as skipped, subdirectories too.
#[test]
fn files_a_kustomization_does_not_reference_are_listed_as_skipped() {
    if !common::on_path("kubectl") && !common::on_path("kustomize") {
        common::skip_or_fail("kubectl or kustomize is needed on PATH");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let app = kustomization(dir.path());
    write(&app, "stray.yaml", GOOD);
    write(&app.join("old"), "legacy.yaml", GOOD);
    let l = load(&[dir.path()]);
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(names(&l), ["Deployment/staging/dev-web"]);
    let skipped: Vec<(&str, &str)> = l
        .summary
        .skipped
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    for f in ["stray.yaml", "old/legacy.yaml"] {
        let want = app.join(f).display().to_string();
        assert!(
            skipped
                .iter()
                .any(|(file, why)| *file == want && why.contains("not referenced")),
            "{f} not listed: {skipped:?}"
        );
    }
}

#[test]
fn kustomize_errors_are_reported_for_the_directory() {
    if !common::on_path("kubectl") {
        common::skip_or_fail("kubectl is needed on PATH");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    write(&bad, "kustomization.yaml", "resources:\n  - missing.yaml\n");
    write(dir.path(), "plain.yaml", GOOD);
    let l = load(&[dir.path()]);
    assert_eq!(names(&l), ["ConfigMap/plain"]);
    assert_eq!(l.summary.errors.len(), 1);
    let e = &l.summary.errors[0];
    assert_eq!(e.file, bad.display().to_string());
    assert!(e.message.starts_with("`kubectl` failed"), "{e}");
    assert!(e.message.contains("missing.yaml"), "{e}");
}

#[test]
fn helm_output_names_each_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    let helm = fake_helm(dir.path());
    let c = chart(dir.path());
    let out = render_chart_with(helm.as_os_str(), &c, None).expect("fake helm renders");
    let l = load_helm_output(&c, &out, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(
        names(&l),
        [
            "ServiceAccount/web",
            "Deployment/web",
            "StatefulSet/web-redis"
        ]
    );
    let files: Vec<_> = l
        .resources
        .iter()
        .map(|r| r.origin.file.as_deref().unwrap_or_default().to_string())
        .collect();
    let rendered = |rel: &str| format!("{} (rendered by helm)", c.join(rel).display());
    assert_eq!(
        files,
        [
            rendered("templates/serviceaccount.yaml"),
            rendered("templates/deployment.yaml"),
            rendered("charts/redis/templates/statefulset.yaml"),
        ]
    );
    // Lines count from the line after `# Source:`: as in the template
    // when the template is plain YAML.
    let d = &l.resources[1];
    assert_eq!(
        at(
            d,
            "spec.template.spec.containers[0].securityContext.privileged"
        ),
        (12, 13)
    );
    assert_eq!(at(d, "kind"), (2, 1));
    assert_eq!(l.summary.files, 3);
}

#[test]
fn helm_failure_is_an_error_for_the_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let helm = fake_helm(dir.path());
    let c = dir.path().join("broken");
    write(
        &c,
        "Chart.yaml",
        "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
    );
    let e = render_chart_with(helm.as_os_str(), &c, None).expect_err("helm fails");
    assert!(e.starts_with("`"), "{e}");
    assert!(e.contains("nil pointer"), "{e}");
}

/// `BULWARK_HELM` is honoured through the whole load, in a child process so
/// that the environment is its own.
#[test]
fn bulwark_helm_names_the_program() {
    let dir = tempfile::tempdir().expect("tempdir");
    let helm = fake_helm(dir.path());
    let scan = dir.path().join("scan");
    let c = chart(&scan);
    write(&scan, "plain.yaml", GOOD);
    let out = run_child(
        &[&scan],
        &[("BULWARK_HELM", helm.into_os_string())],
        &[],
        &[],
    )
    .expect("child");
    assert_eq!(out["summary"]["errors"], json!([]), "{out}");
    let ids: Vec<_> = out["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| (r["id"].clone(), r["file"].clone(), r["line"].clone()))
        .collect();
    let rendered = |rel: &str| json!(format!("{} (rendered by helm)", c.join(rel).display()));
    assert_eq!(
        ids,
        [
            (
                json!("ConfigMap/plain"),
                json!(scan.join("plain.yaml").display().to_string()),
                json!(1)
            ),
            (
                json!("ServiceAccount/web"),
                rendered("templates/serviceaccount.yaml"),
                json!(1)
            ),
            (
                json!("Deployment/web"),
                rendered("templates/deployment.yaml"),
                json!(1)
            ),
            (
                json!("StatefulSet/web-redis"),
                rendered("charts/redis/templates/statefulset.yaml"),
                json!(1)
            ),
        ]
    );
}

/// With neither helm nor kubectl/kustomize on PATH: one message per
/// directory saying what to install, and the plain files are still read.
#[test]
fn missing_renderers_are_one_message_each_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = tempfile::tempdir().expect("tempdir");
    let c = chart(dir.path());
    let k = kustomization(dir.path());
    write(dir.path(), "plain.yaml", GOOD);
    let out = run_child(
        &[dir.path()],
        &[("PATH", OsString::from(empty.path()))],
        &["BULWARK_HELM", "BULWARK_KUSTOMIZE"],
        &[],
    )
    .expect("child");
    let errors = out["summary"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{out}");
    let by_file = |f: &Path| {
        errors
            .iter()
            .find(|e| e["file"] == json!(f.display().to_string()))
            .and_then(|e| e["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let helm = by_file(&c);
    assert!(helm.contains("`helm` was not found on PATH"), "{out}");
    assert!(helm.contains("Install Helm"), "{out}");
    let kust = by_file(&k);
    assert!(kust.contains("neither `kubectl` nor `kustomize`"), "{out}");
    assert!(kust.contains("Install kubectl"), "{out}");
    let ids: Vec<_> = out["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!("ConfigMap/plain")]);
}

#[test]
fn explicit_kustomize_program_and_missing_program() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = write(
        dir.path(),
        "bin/kz",
        "#!/bin/sh\n[ \"$1\" = build ] || exit 64\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: from-kz\\n'\n",
    );
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let k = kustomization(dir.path());
    let out = render_kustomization_with(Some(fake.as_os_str()), &k, None).expect("renders");
    assert!(out.contains("from-kz"));
    let e = render_kustomization_with(Some(dir.path().join("nope").as_os_str()), &k, None)
        .expect_err("missing");
    assert!(e.contains("not found"), "{e}");
}
