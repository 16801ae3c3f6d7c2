//! Compliance frameworks as data and their scores over a scan.
//!
//! A framework (CIS, NSA-CISA, MITRE ATT&CK, PSS, PCI DSS, SOC 2, ISO 27001,
//! HIPAA) is one file under `frameworks/`, compiled in: controls with the
//! rules that implement them, or `manual`. [`score`] turns a scan's objects
//! and its final findings into per-control and per-framework scores. No I/O.
//!
//! The rules' `RuleMeta::mappings` and the framework files say the same
//! thing from both ends; a test in the CLI crate (which has the catalog)
//! fails when they disagree.

mod framework;
mod host;
mod scope;
mod score;

pub use framework::{Control, Framework, builtin, find};
pub use host::{HostVerdict, score_host};
pub use scope::{ComponentsOf, Scopes, Selector};
pub use score::{ControlScore, Counts, FrameworkScore, Status, score};
