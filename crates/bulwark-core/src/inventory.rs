//! The set of objects one scan looks at, whatever their source.

use std::collections::BTreeMap;

use crate::resource::Resource;

/// Every object of one scan. Analyzers only ever see this, never the source.
#[derive(Debug, Default)]
pub struct Inventory {
    pub resources: Vec<Resource>,
}

impl Inventory {
    /// Custom resources whose CRD is among `resources` and embeds a pod
    /// spec are marked as workloads here, once for every analyzer.
    pub fn new(mut resources: Vec<Resource>) -> Self {
        crate::custom_workload::mark(&mut resources);
        for r in &resources {
            crate::scrub::register_secret_values(&r.value);
        }
        Self { resources }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter()
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources.iter().filter(move |r| r.kind() == kind)
    }

    /// Namespace objects by name.
    pub fn namespaces(&self) -> BTreeMap<&str, &Resource> {
        self.of_kind("Namespace")
            .map(|r| (r.id.name.as_str(), r))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}
