//! Admission control with the scan's own analyzers.
//!
//! An `AdmissionReview` (admission.k8s.io/v1) carries one object; the
//! [`Admitter`] turns it into a one-object inventory (with its namespace,
//! when known, for Pod Security labels), runs the analyzers `bulwark scan`
//! runs, filters the findings with the scan's filter, and decides per rule
//! whether a finding denies, warns or is only recorded. The server wraps
//! that in HTTPS, metrics and certificate handling; `manifests` writes what
//! installs it into a cluster. Nothing here knows which analyzers exist: the
//! CLI passes them in, so admission and scan cannot drift apart.

pub mod certs;
pub mod config;
pub mod decide;
pub mod manifests;
pub mod metrics;
pub mod mutate;
pub mod namespaces;
pub mod review;
pub mod server;

pub use config::{AdmissionConfig, Mode};
pub use decide::{Admitter, Verdict};
pub use review::{AdmissionRequest, AdmissionResponse, AdmissionReview, DecodeError};
