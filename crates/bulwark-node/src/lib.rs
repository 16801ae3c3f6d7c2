//! Control plane and node hardening: the CIS Kubernetes Benchmark checks of
//! component flags, kubelet config, encryption and audit config,
//! kubeconfigs and file modes.
//!
//! Each check is written once ([`checks`]) and runs two ways:
//! [`NodeConfigAnalyzer`] runs it on config files that `bulwark scan` loaded
//! (no I/O), and [`bench`] runs it on a [`host::HostSnapshot`] that the
//! [`collect`] module read from a host (the only module that does I/O).

pub mod analyzer;
pub mod bench;
pub mod certs;
pub mod checks;
pub mod collect;
pub mod component;
pub mod defaults;
pub mod distro;
pub mod flags;
pub mod host;
pub mod hostfs;
pub mod kubelet;
pub mod manifest;
pub mod model;
pub mod verdict;

pub use analyzer::NodeConfigAnalyzer;
pub use component::Component;
pub use verdict::{Status, Verdict};
