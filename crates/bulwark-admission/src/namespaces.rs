//! The Namespace objects the server knows: their labels decide Pod
//! Security levels, and namespace-scoped rules read them. Fed by the
//! Namespace requests the webhook itself admits, by manifests given at
//! start (`--namespaces FILE`), and by a periodic list of the live cluster
//! when the CLI runs one.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bulwark_core::Resource;

#[derive(Default)]
pub struct NamespaceCache {
    map: RwLock<HashMap<String, Arc<Resource>>>,
}

impl NamespaceCache {
    pub fn get(&self, name: &str) -> Option<Arc<Resource>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Learns (or updates) one Namespace; anything else is ignored.
    pub fn insert(&self, res: Resource) {
        if res.kind() != "Namespace" || res.id.name.is_empty() {
            return;
        }
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(res.id.name.clone(), Arc::new(res));
    }

    pub fn remove(&self, name: &str) {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
    }

    /// Replaces everything with a fresh list (from the live cluster).
    pub fn replace(&self, all: Vec<Resource>) {
        let m = all
            .into_iter()
            .filter(|r| r.kind() == "Namespace" && !r.id.name.is_empty())
            .map(|r| (r.id.name.clone(), Arc::new(r)))
            .collect();
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = m;
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
