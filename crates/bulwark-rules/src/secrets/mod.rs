//! Rules on credentials: secrets in plain sight (env values, ConfigMaps),
//! Secret objects committed to manifests, secrets passed through the
//! environment. Every secret value in a message goes through
//! `bulwark_core::redact::redact`.

pub mod patterns;
mod plain_text;
mod secret_objects;

use crate::Check;

/// Checks of this family.
pub static CHECKS: &[&Check] = &[
    &plain_text::CREDENTIAL_IN_ENV,
    &plain_text::CREDENTIAL_IN_CONFIGMAP,
    &secret_objects::SECRET_IN_MANIFEST,
    &secret_objects::SECRET_AS_ENV_VAR,
];
