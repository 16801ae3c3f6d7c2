//! The same object defined twice in one context.
//!
//! The API server holds one object per group, kind, namespace and name: of
//! two definitions in one app, whichever is applied last wins, and a
//! reviewer reading the other is reading what will not run. Contexts are
//! split so that separate apps never meet here (bulwark-load `contexts`);
//! what remains is a real duplicate.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use bulwark_core::{Analyzer, FieldPath, Finding, Inventory, Mappings, RuleMeta, Severity};

pub static DUPLICATE_OBJECT: RuleMeta = RuleMeta {
    id: "duplicate-object",
    title: "The same object is defined more than once",
    severity: Severity::Medium,
    category: "inputs",
    description: "Two documents in one app define the same object (API group, kind, namespace \
        and name). Only one of them can exist in the cluster: whichever is applied last \
        replaces the other, so a review, a policy check or a fix made on the other copy has \
        no effect. Often a leftover of copying a manifest between environments into one \
        directory; if the two are separate apps, scan them as separate contexts \
        (`--context directory`, or put them in sibling directories).",
    remediation: "Keep one definition, or give the copies different names or namespaces:\n\
        ```yaml\nmetadata:\n  name: api-canary   # was: api\n  namespace: shop\n```",
    references: &["https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"],
    // Configuration management: one reviewed definition per object.
    mappings: Mappings {
        pci_dss: &["2.2.1"],
        soc2: &["CC8.1"],
        iso27001: &["A.8.9"],
        ..Mappings::NONE
    },
};

/// Reports every definition of an object after its first in a context.
pub struct DuplicateObjects;

impl Analyzer for DuplicateObjects {
    fn name(&self) -> &'static str {
        "duplicate objects"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        vec![&DUPLICATE_OBJECT]
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        let mut first = HashMap::new();
        for r in inv.iter() {
            if r.kind().is_empty() {
                continue;
            }
            // The first definition stays the one later copies point at.
            let prev = match first.entry(r.identity()) {
                Entry::Vacant(e) => {
                    e.insert(r);
                    continue;
                }
                Entry::Occupied(e) => *e.get(),
            };
            let at = match prev.locate(&FieldPath::root()) {
                Some(l) => match l.line {
                    Some(line) => format!("{}:{line}", l.file),
                    None => l.file,
                },
                None => "another input".to_string(),
            };
            out.push(Finding::new(
                DUPLICATE_OBJECT.id,
                DUPLICATE_OBJECT.severity,
                r,
                FieldPath::parse("metadata.name"),
                format!(
                    "{} is also defined at {at}: only one of the two can exist in the cluster",
                    r.id.display()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::{Origin, Resource};
    use serde_json::json;

    fn obj(api: &str, name: &str, file: &str) -> Resource {
        Resource::new(
            json!({"apiVersion": api, "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"}}),
            Origin {
                file: Some(file.into()),
                ..Default::default()
            },
            None,
        )
    }

    #[test]
    fn a_second_definition_names_the_first_and_versions_do_not_matter() {
        let inv = Inventory::new(vec![
            obj("apps/v1", "api", "a.yaml"),
            obj("apps/v1beta2", "api", "b.yaml"),
            obj("apps/v1", "web", "b.yaml"),
            obj("apps/v1", "api", "c.yaml"),
        ]);
        let mut out = Vec::new();
        DuplicateObjects.analyze(&inv, &mut out);
        let got: Vec<_> = out
            .iter()
            .map(|f| {
                (
                    f.location.as_ref().map(|l| l.file.clone()),
                    f.message.clone(),
                )
            })
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0.as_deref(), Some("b.yaml"));
        assert!(got[0].1.contains("also defined at a.yaml"), "{}", got[0].1);
        assert_eq!(got[1].0.as_deref(), Some("c.yaml"));
        assert!(got[1].1.contains("also defined at a.yaml"), "{}", got[1].1);
    }
}
