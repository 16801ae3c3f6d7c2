//! Kubernetes audit events in, alerts out, streaming.
//!
//! [`reader`] turns JSON lines (files, stdin, `.gz`) into [`Event`]s one
//! line at a time; [`Engine`] applies the noise exclusions and runs every
//! detector ([`detect`]) on each event, holding only the windows' state;
//! each hit becomes an [`Alert`]: a `Finding` plus the event's fields.
//! Detectors that ask whether a request object breaks a pod-security rule
//! call the scan analyzers they are given, never a copy of them.

pub mod alert;
pub mod config;
pub mod detect;
pub mod engine;
pub mod event;
pub mod follow;
pub mod reader;
pub mod sidekick;
pub mod webhook;

pub use alert::Alert;
pub use config::{AuditConfig, Exclusion};
pub use engine::{Engine, Stats};
pub use event::Event;
