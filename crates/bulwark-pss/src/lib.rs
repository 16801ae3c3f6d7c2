//! Pod Security Standards, decided exactly as the Kubernetes Pod Security
//! Admission plugin (`k8s.io/pod-security-admission`) decides them.
//!
//! Every check of the plugin is here with its version history, so a pod can
//! be evaluated at `baseline` or `restricted` for any policy version from
//! `v1.0` to [`level::MAX_MINOR`] or `latest`. The plugin's fixtures for every
//! level and version are this crate's acceptance test (`tests/corpus.rs`).
//!
//! On top of single-pod evaluation: what the plugin would do in a namespace
//! with PSA labels ([`namespace`]), its configuration and exemptions
//! ([`exemptions`]), and a [`PssAnalyzer`] that reports violations as
//! findings of rules `pss-<level>-<check>` ([`rules`]). This crate never
//! does I/O.
//!
//! Where this differs in form from the plugin: at `restricted`, every
//! baseline check runs too and reports under its own id, so a pod may list
//! both `capabilities_baseline` and `capabilities_restricted`; the
//! allowed/denied answer is the plugin's.

pub mod analyzer;
pub mod check;
mod checks;
pub mod evaluate;
pub mod exemptions;
pub mod level;
pub mod namespace;
pub mod rules;

pub use analyzer::PssAnalyzer;
pub use check::{CheckId, Violation};
pub use evaluate::{Evaluation, Options, evaluate, evaluate_resource};
pub use exemptions::{Exemption, Exemptions, PsaConfig};
pub use level::{Level, LevelVersion, Version};
pub use namespace::{Action, Admission, Mode, NamespacePolicy, Namespaces, WhatIf, what_if};
