//! How one scan is split into independent contexts.
//!
//! Two apps that reuse object names (`examples/insecure` and
//! `examples/hardened`, `envs/dev` and `envs/prod`, two charts) must never
//! resolve each other's objects: a RoleBinding of one must not find the
//! other's Role, a ServiceAccount of one must not decide the other's
//! automount finding. A context is one such app; relational analyzers see
//! one context at a time.
//!
//! `auto` (the default) builds contexts bottom-up over the directory tree
//! of the inputs. A rendered chart or kustomization is one context, and so
//! are the files directly in one directory. A directory then joins its own
//! files and its subdirectories' contexts into one, unless two of those
//! parts define the same object (group, kind, namespace, name): then each
//! part stays a context of its own, and so do all of them above it. Stdin
//! is a context of its own. `single` puts everything in one context (same
//! objects are then reported as duplicates); `directory` makes every
//! directory (and render) its own context.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use bulwark_core::Resource;

use crate::walk::Input;

/// How a scan is split into contexts (`--context`, `context:` in
/// `.bulwark.yaml`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextMode {
    #[default]
    Auto,
    Single,
    Directory,
}

impl std::str::FromStr for ContextMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "single" => Ok(Self::Single),
            "directory" => Ok(Self::Directory),
            o => Err(format!(
                "unknown context mode '{o}' (expected auto, single or directory)"
            )),
        }
    }
}

/// One independent set of objects, named after the directory (or render,
/// or `<stdin>`) it came from.
#[derive(Debug, Default)]
pub struct Context {
    pub name: String,
    pub resources: Vec<Resource>,
}

/// Where an input sits in the tree: the directory its objects belong to,
/// and whether that directory is a render (never split further).
fn unit_of(input: &Input) -> (Vec<String>, bool) {
    let comps = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    match input {
        Input::File(p) => (comps(p.parent().unwrap_or(Path::new(""))), false),
        Input::Chart(d) | Input::Kustomization(d) => (comps(d), true),
        // A name no directory can have.
        Input::Stdin => (vec!["\0stdin".to_string()], true),
    }
}

#[derive(Default)]
struct Node {
    own: Vec<Resource>,
    render: bool,
    children: BTreeMap<String, Node>,
}

/// Splits the objects of each input (`parts[i]` came from `inputs[i]`) into
/// contexts, in a deterministic order.
pub fn split(inputs: &[Input], parts: Vec<Vec<Resource>>, mode: ContextMode) -> Vec<Context> {
    if mode == ContextMode::Single {
        let resources: Vec<Resource> = parts.into_iter().flatten().collect();
        return vec![Context {
            name: "(all inputs)".into(),
            resources,
        }];
    }
    let mut root = Node::default();
    for (input, res) in inputs.iter().zip(parts) {
        let (path, render) = unit_of(input);
        let mut n = &mut root;
        for c in path {
            n = n.children.entry(c).or_default();
        }
        n.render |= render;
        n.own.extend(res);
    }
    let mut out = Vec::new();
    match build(root, PathBuf::new(), mode, &mut out) {
        Built::Whole(c) => out.push(c),
        Built::Split => {}
    }
    out.retain(|c| !c.resources.is_empty());
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

enum Built {
    /// The whole subtree is one context (not yet pushed).
    Whole(Context),
    /// The subtree was split; its contexts are pushed.
    Split,
}

fn name_of(p: &Path) -> String {
    let s = bulwark_core::input::path_name(p);
    if s.is_empty() {
        ".".into()
    } else if s == "\0stdin" {
        "<stdin>".into()
    } else {
        s
    }
}

fn build(node: Node, path: PathBuf, mode: ContextMode, out: &mut Vec<Context>) -> Built {
    let own = Context {
        name: name_of(&path),
        resources: node.own,
    };
    let mut parts = vec![own];
    let mut split = false;
    for (name, child) in node.children {
        match build(child, path.join(&name), mode, out) {
            Built::Whole(c) => parts.push(c),
            Built::Split => split = true,
        }
    }
    let keep_apart = split || mode == ContextMode::Directory || shares_an_object(&parts);
    if keep_apart {
        out.extend(parts);
        return Built::Split;
    }
    let mut parts = parts.into_iter();
    let mut whole = parts.next().unwrap_or_default();
    for p in parts {
        whole.resources.extend(p.resources);
    }
    Built::Whole(whole)
}

/// Whether any object is defined in two of the parts.
fn shares_an_object(parts: &[Context]) -> bool {
    let non_empty = parts.iter().filter(|p| !p.resources.is_empty()).count();
    if non_empty < 2 {
        return false;
    }
    let mut owner: HashMap<_, usize> = HashMap::new();
    for (i, p) in parts.iter().enumerate() {
        let ids: HashSet<_> = p.resources.iter().map(Resource::identity).collect();
        for id in ids {
            if let Some(j) = owner.insert(id, i)
                && j != i
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn obj(kind: &str, name: &str, file: &str) -> Resource {
        Resource::new(
            json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "shop"}}),
            Origin {
                file: Some(file.into()),
                ..Default::default()
            },
            None,
        )
    }

    fn names(cs: &[Context]) -> Vec<(String, usize)> {
        cs.iter()
            .map(|c| (c.name.clone(), c.resources.len()))
            .collect()
    }

    fn file(p: &str) -> Input {
        Input::File(PathBuf::from(p))
    }

    #[test]
    fn sibling_apps_that_reuse_names_are_apart_and_subdirectories_of_one_app_are_together() {
        let inputs = [
            file("ex/a/sa.yaml"),
            file("ex/a/rbac/role.yaml"),
            file("ex/b/sa.yaml"),
            file("ex/b/rbac/role.yaml"),
        ];
        let parts = vec![
            vec![obj("ServiceAccount", "api", "ex/a/sa.yaml")],
            vec![obj("Role", "api", "ex/a/rbac/role.yaml")],
            vec![obj("ServiceAccount", "api", "ex/b/sa.yaml")],
            vec![obj("Role", "api", "ex/b/rbac/role.yaml")],
        ];
        let cs = split(&inputs, parts, ContextMode::Auto);
        assert_eq!(names(&cs), [("ex/a".into(), 2), ("ex/b".into(), 2)]);
    }

    #[test]
    fn no_shared_object_is_one_context_and_modes_are_honoured() {
        let inputs = [file("k8s/web.yaml"), file("k8s/db/db.yaml"), Input::Stdin];
        let parts = || {
            vec![
                vec![obj("Service", "web", "k8s/web.yaml")],
                vec![obj("Service", "db", "k8s/db/db.yaml")],
                vec![obj("Service", "web", "<stdin>")],
            ]
        };
        // Stdin shares `web` with k8s: stdin apart, k8s apart (each whole).
        let cs = split(&inputs, parts(), ContextMode::Auto);
        assert_eq!(names(&cs), [("<stdin>".into(), 1), ("k8s".into(), 2)]);
        let cs = split(&inputs, parts(), ContextMode::Single);
        assert_eq!(names(&cs), [("(all inputs)".into(), 3)]);
        let cs = split(&inputs, parts(), ContextMode::Directory);
        assert_eq!(
            names(&cs),
            [
                ("<stdin>".into(), 1),
                ("k8s".into(), 1),
                ("k8s/db".into(), 1)
            ]
        );
    }

    #[test]
    fn a_split_below_keeps_everything_above_apart() {
        let inputs = [
            file("r/common.yaml"),
            file("r/x/dev/a.yaml"),
            file("r/x/prod/a.yaml"),
        ];
        let parts = vec![
            vec![obj("ConfigMap", "common", "r/common.yaml")],
            vec![obj("ConfigMap", "a", "r/x/dev/a.yaml")],
            vec![obj("ConfigMap", "a", "r/x/prod/a.yaml")],
        ];
        let cs = split(&inputs, parts, ContextMode::Auto);
        assert_eq!(
            names(&cs),
            [
                ("r".into(), 1),
                ("r/x/dev".into(), 1),
                ("r/x/prod".into(), 1)
            ]
        );
    }
}
