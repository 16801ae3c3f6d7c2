//! Rules on pod specs of every workload kind.

mod privileged;

use crate::Check;

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&privileged::PRIVILEGED];
