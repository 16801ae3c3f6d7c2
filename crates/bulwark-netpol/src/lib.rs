//! NetworkPolicy semantics, exactly: who can talk to whom, per protocol and
//! port, under NetworkPolicy, AdminNetworkPolicy and
//! BaselineAdminNetworkPolicy, computed on label-equivalence classes of
//! pods. Also the coverage rules that `bulwark scan` reports.
//!
//! Invariant: this crate reads an [`bulwark_core::Inventory`] and never
//! does I/O.
//!
//! Decisions where Kubernetes leaves room (each tested):
//! - Endpoints are workloads: pods grouped by their controller owner
//!   (`ns/name[Kind]`); static pods (owned by a Node) stand alone. Pods of
//!   one owner with different labels are an error when a selector tells
//!   them apart.
//! - `ipBlock` and ANP `networks` match external IPv4 addresses only (the
//!   API says ipBlock is meant for cluster-external IPs); IPv6 blocks are
//!   parsed and set aside with a warning.
//! - `hostNetwork` pods are node traffic by default: no policy selects
//!   them and pod/namespace selectors do not match them
//!   ([`Options::host_network_as_pod`] gives np-guard's view).
//! - ANP `nodes` peers match nothing (no Node objects), with a warning.
//! - OVN-Kubernetes primary (C)UDNs isolate their pods; secondary networks
//!   are analysed apart ([`secondary`]), MultiNetworkPolicy instead of
//!   NetworkPolicy there.

pub mod admin;
pub mod conns;
pub mod coverage;
pub mod exposure;
pub mod flows;
pub mod generate;
pub mod intervals;
pub mod ip;
pub mod matrix;
pub mod model;
pub mod policy;
pub mod problem;
pub mod quarantine;
pub mod reach;
pub mod render;
pub mod secondary;
pub mod selector;
pub mod synthetic;
pub mod topology;
pub mod yaml;

pub use conns::{ConnSet, Protocol};
pub use coverage::NetpolAnalyzer;
pub use model::{Model, Options};
pub use problem::{Level, Problem};
pub use reach::{Conn, Endpoint, Reachability};

pub(crate) fn value_array(v: Option<&serde_json::Value>) -> &[serde_json::Value] {
    bulwark_core::value::as_array(v)
}

/// Kinds whose objects are (or make) pods.
pub(crate) fn pod_kind(kind: &str) -> bool {
    kind == "Pod" || bulwark_core::pod::is_workload_kind(kind)
}
