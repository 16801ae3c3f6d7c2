//! Live collection through the Kubernetes API: a cluster becomes an
//! [`Inventory`](bulwark_core::Inventory) source like a folder of YAML.
//!
//! Invariants: nothing is written to the cluster (only `get` and `list`);
//! Secret values are cut to key names as each page arrives and never leave
//! this crate; a resource that could not be listed is recorded as
//! [`NotEvaluated`] with the reason, never read as "no objects"; pods owned
//! by a workload are counted on it, not analysed again. Objects carry no
//! file (`origin.file = None`): findings name the object, not a line.

pub mod collect;
pub mod config;
pub mod error;
pub mod kinds;
pub mod owners;
pub mod secret;
pub mod snapshot;
#[cfg(feature = "test-server")]
pub mod testserver;

pub use collect::{CollectOptions, Collection, NotEvaluated, SecretMode, collect, list_namespaces};
pub use config::{Credentials, install_crypto_provider};
pub use error::Error;
