//! Pod Security Standards, decided exactly as the Kubernetes Pod Security
//! Admission plugin (`k8s.io/pod-security-admission`) decides them.
//!
//! Every check of the plugin is here with its version history, so a pod can
//! be evaluated at `baseline` or `restricted` for any policy version from
//! `v1.0` to [`level::MAX_MINOR`] or `latest`. The plugin's fixtures for every
//! level and version are this crate's acceptance test (`tests/corpus.rs`).
//!
//! On top of single-pod evaluation: what the plugin would do in a namespace
//! with PSA labels ([`namespace`]), its exemptions ([`exemptions`]), and a
//! [`PssAnalyzer`] that reports violations as findings. This crate never
//! does I/O.

pub mod check;
mod checks;
pub mod evaluate;
pub mod level;

pub use check::{CheckId, Violation};
pub use evaluate::{Evaluation, Options, evaluate, evaluate_resource};
pub use level::{Level, LevelVersion, Version};
