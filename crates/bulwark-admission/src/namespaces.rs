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
    sync: RwLock<Sync>,
}

/// Whether the cache follows a live cluster, and how that is going.
#[derive(Default)]
struct Sync {
    /// The server was told to list the cluster's namespaces: until the
    /// first list arrives, Pod Security levels are not known.
    required: bool,
    listed: bool,
    /// Why the last list failed (cleared by the next one that works).
    error: Option<String>,
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

    /// Replaces everything with a fresh list (from the live cluster): a
    /// namespace deleted or relabelled behind the webhook's back is
    /// forgotten or updated here.
    pub fn replace(&self, all: Vec<Resource>) {
        let m = all
            .into_iter()
            .filter(|r| r.kind() == "Namespace" && !r.id.name.is_empty())
            .map(|r| (r.id.name.clone(), Arc::new(r)))
            .collect();
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = m;
        let mut s = self.sync.write().unwrap_or_else(|e| e.into_inner());
        s.listed = true;
        s.error = None;
    }

    /// The cache is to follow the live cluster: the server is not ready
    /// until the first list arrived.
    pub fn require_list(&self) {
        self.sync
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .required = true;
    }

    /// Records a failed list; what was listed before stays (labels rarely
    /// change, and the webhook still sees Namespace requests).
    pub fn list_failed(&self, reason: String) {
        self.sync.write().unwrap_or_else(|e| e.into_inner()).error = Some(reason);
    }

    /// `Err` says why the server cannot judge Pod Security yet: no list
    /// of the cluster's namespaces has arrived. A failed relist after a
    /// good one keeps the server ready on the labels it has.
    pub fn readiness(&self) -> Result<(), String> {
        let s = self.sync.read().unwrap_or_else(|e| e.into_inner());
        if !s.required || s.listed {
            return Ok(());
        }
        Err(match &s.error {
            Some(e) => format!("waiting for the first list of namespaces: {e}"),
            None => "waiting for the first list of namespaces".into(),
        })
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
