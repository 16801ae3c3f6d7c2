//! Static pod manifests of the control plane: which component a container
//! runs, and its flags with the manifest field (and line) of each.

use bulwark_core::{FieldPath, Resource};
use serde_json::Value;

use crate::component::Component;
use crate::flags::{Flags, Source};

/// The component a container runs, from its command, else its image.
fn component_of(container: &Value) -> Option<Component> {
    let first = container
        .get("command")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(Value::as_str);
    if let Some(cmd) = first {
        let mut words = cmd.split_whitespace();
        let w0 = words.next().unwrap_or("");
        if let Some(c) = Component::from_binary(w0) {
            return Some(c);
        }
        if w0.ends_with("hyperkube")
            && let Some(c) = words.next().and_then(Component::from_binary)
        {
            return Some(c);
        }
    }
    // `image: registry.k8s.io/kube-apiserver:v1.32.0` with flags in args.
    let image = container.get("image").and_then(Value::as_str)?;
    let name = image.rsplit('/').next()?.split([':', '@']).next()?;
    match name {
        "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "etcd" => {
            Component::from_binary(name)
        }
        _ => None,
    }
}

/// Every control plane component a Pod object runs, with its flags.
///
/// Flags are read from `command` then `args` (Kubernetes appends `args` to
/// `command`), so an `args` flag overrides a `command` one. etcd's
/// `ETCD_*` environment variables count where no flag sets the same thing.
pub fn components(res: &Resource) -> Vec<Flags> {
    // A static Pod (kubeadm), or any workload's pod template: hosted
    // control planes run kube-apiserver in a Deployment or StatefulSet.
    let Some(pod) = bulwark_core::PodView::of(res) else {
        return Vec::new();
    };
    let Some(containers) = pod.spec.get("containers").and_then(Value::as_array) else {
        return Vec::new();
    };
    let file = res.origin.file.as_deref().map(str::to_string);
    let mut out = Vec::new();
    for (ci, c) in containers.iter().enumerate() {
        let Some(comp) = component_of(c) else {
            continue;
        };
        let cpath = pod.spec_path().key("containers").index(ci);
        let origin = file.clone().unwrap_or_else(|| res.id.display());
        let mut flags = Flags::new(comp, origin);
        flags.version = c
            .get("image")
            .and_then(Value::as_str)
            .and_then(release_of_image);
        flags.anchor = Some(if c.get("command").is_some() {
            cpath.key("command")
        } else {
            cpath.key("args")
        });
        // Kubernetes runs `command` followed by `args`: one argument list.
        let mut words = Vec::new();
        let mut at: Vec<FieldPath> = Vec::new();
        for list in ["command", "args"] {
            let Some(items) = c.get(list).and_then(Value::as_array) else {
                continue;
            };
            // A `sh -c "kube-apiserver --a=b ..."` command keeps its flags
            // in one string: split it into words, all at that item.
            let base = cpath.key(list);
            for (i, item) in items.iter().enumerate() {
                let Some(s) = item.as_str() else { continue };
                if s.starts_with('-') || !s.contains(" --") {
                    words.push(s.to_string());
                    at.push(base.index(i));
                } else {
                    for w in s.split_whitespace() {
                        words.push(w.trim_matches(['"', '\'']).to_string());
                        at.push(base.index(i));
                    }
                }
            }
        }
        flags.add_args(&words, |wi| {
            let path = at.get(wi).cloned().unwrap_or_else(|| cpath.clone());
            Source::Manifest {
                file: file.clone(),
                line: res.locate(&path).and_then(|l| l.line),
                path,
            }
        });
        if comp == Component::Etcd {
            for (ei, e) in c
                .get("env")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (Some(n), Some(v)) = (
                    e.get("name").and_then(Value::as_str),
                    e.get("value").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if let Some(flag) = etcd_env_flag(n) {
                    let path = cpath.key("env").index(ei);
                    flags.set_default(
                        &flag,
                        v,
                        Source::Manifest {
                            file: file.clone(),
                            line: res.locate(&path).and_then(|l| l.line),
                            path,
                        },
                    );
                }
            }
        }
        out.push(flags);
    }
    out
}

/// The Kubernetes release in an image tag: `registry.k8s.io/kube-apiserver:v1.19.16`
/// -> (1, 19). Digests, `latest` and non-version tags give `None`.
pub fn release_of_image(image: &str) -> Option<(u32, u32)> {
    let name = image.split('@').next()?;
    let (repo, tag) = name.rsplit_once(':')?;
    if tag.contains('/') || repo.is_empty() {
        return None;
    }
    let mut parts = tag.strip_prefix('v')?.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// `ETCD_CLIENT_CERT_AUTH` -> `client-cert-auth`.
pub fn etcd_env_flag(var: &str) -> Option<String> {
    let rest = var.strip_prefix("ETCD_")?;
    if rest.is_empty() {
        return None;
    }
    Some(rest.to_ascii_lowercase().replace('_', "-"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn releases_come_from_version_tags_only() {
        let r = release_of_image;
        assert_eq!(r("registry.k8s.io/kube-apiserver:v1.19.16"), Some((1, 19)));
        assert_eq!(
            r("localhost:5000/kube-apiserver:v1.28.3-eks-1"),
            Some((1, 28))
        );
        assert_eq!(
            r("k8s.gcr.io/kube-apiserver:v1.18.0@sha256:abc"),
            Some((1, 18))
        );
        assert_eq!(r("registry.k8s.io/etcd:3.5.15-0"), None);
        assert_eq!(r("localhost:5000/kube-apiserver"), None);
        assert_eq!(r("kube-apiserver:latest"), None);
    }

    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    #[test]
    fn flags_from_command_and_args_with_paths() {
        let r = Resource::new(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kube-apiserver"},
                "spec": {"containers": [{"name": "x", "image": "registry.k8s.io/kube-apiserver:v1.32.0",
                    "command": ["kube-apiserver", "--profiling=true"],
                    "args": ["--profiling=false", "--anonymous-auth=false"]}]}}),
            Origin::default(),
            None,
        );
        let cs = components(&r);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].component, Component::ApiServer);
        let p = cs[0].get("profiling").expect("set");
        assert_eq!(p.value, "false");
        match &p.source {
            Source::Manifest { path, .. } => {
                assert_eq!(path.to_string(), "spec.containers[0].args[0]")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn etcd_env() {
        assert_eq!(
            etcd_env_flag("ETCD_CLIENT_CERT_AUTH").as_deref(),
            Some("client-cert-auth")
        );
        assert_eq!(etcd_env_flag("PATH"), None);
    }
}
