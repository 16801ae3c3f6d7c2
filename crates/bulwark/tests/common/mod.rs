//! Helpers shared by the CLI's test files; each file uses part of them.
#![allow(dead_code)]

pub mod fixtures;
pub mod run;
pub mod serve;
