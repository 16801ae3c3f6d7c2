//! The shared model every bulwark crate speaks.
//!
//! Sources turn their input into an [`Inventory`] of [`Resource`]s; analyzers
//! read the inventory and emit [`Finding`]s that name a [`RuleMeta`];
//! renderers print findings. This crate never does I/O (its [`scrub::ScrubWriter`]
//! only wraps the writer it is given).

pub mod crd;
pub mod custom_workload;
pub mod finding;
pub mod input;
pub mod inventory;
pub mod path;
pub mod pod;
pub mod redact;
pub mod resource;
pub mod rule;
pub mod scrub;
pub mod server_version;
pub mod span;
pub mod value;

pub use finding::{Finding, Severity};
pub use input::{InputError, LoadSummary, Skipped, Tally};
pub use inventory::Inventory;
pub use path::{FieldPath, Seg};
pub use pod::{ContainerKind, ContainerView, PodView};
pub use resource::{ObjectRef, Origin, Resource};
pub use rule::{Analyzer, Catalog, Mappings, RuleMeta};
pub use span::{Location, Pos, Spans};
