//! The built-in kinds: each (apiVersion, kind) served by the targeted
//! Kubernetes version, with its OpenAPI schema from k8s-openapi, compiled
//! once on first use.

use std::sync::{LazyLock, OnceLock};

use jsonschema::{Draft, Validator};
use k8s_openapi::Resource;
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::structural;

/// One known kind: its identity and how to build its schema.
struct Kind {
    api_version: &'static str,
    kind: &'static str,
    schema: fn() -> Value,
    compiled: OnceLock<Option<Validator>>,
}

fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    // k8s-openapi marks Quantity int-or-string, but its Go decoder takes
    // any JSON number (`cpu: 0.5` is 500m) or a string.
    let Some(defs) = schema.get_mut("$defs") else {
        return schema;
    };
    if let Some(q) = defs.get_mut("io.k8s.apimachinery.pkg.api.resource.Quantity") {
        *q = serde_json::json!({ "type": ["string", "number"] });
    }
    // Arbitrary JSON (a CRD schema's `default`, `enum`, `example`; a
    // ControllerRevision's `data`): k8s-openapi says "object", Go takes any
    // value.
    for any in [
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
    ] {
        if let Some(d) = defs.get_mut(any) {
            *d = serde_json::json!({});
        }
    }
    schema
}

macro_rules! kinds {
    ($($t:ty),* $(,)?) => {
        vec![$(Kind {
            api_version: <$t as Resource>::API_VERSION,
            kind: <$t as Resource>::KIND,
            schema: schema_of::<$t>,
            compiled: OnceLock::new(),
        }),*]
    };
}

static KINDS: LazyLock<Vec<Kind>> = LazyLock::new(|| {
    use k8s_openapi::api::admissionregistration::v1 as admission;
    use k8s_openapi::api::apps::v1 as apps;
    use k8s_openapi::api::autoscaling::{v1 as autoscaling1, v2 as autoscaling2};
    use k8s_openapi::api::batch::v1 as batch;
    use k8s_openapi::api::certificates::v1 as certificates;
    use k8s_openapi::api::coordination::v1 as coordination;
    use k8s_openapi::api::core::v1 as core;
    use k8s_openapi::api::discovery::v1 as discovery;
    use k8s_openapi::api::flowcontrol::v1 as flowcontrol;
    use k8s_openapi::api::networking::v1 as networking;
    use k8s_openapi::api::node::v1 as node;
    use k8s_openapi::api::policy::v1 as policy;
    use k8s_openapi::api::rbac::v1 as rbac;
    use k8s_openapi::api::scheduling::v1 as scheduling;
    use k8s_openapi::api::storage::v1 as storage;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
    kinds![
        core::Pod,
        core::PodTemplate,
        core::ReplicationController,
        core::Service,
        core::ServiceAccount,
        core::Secret,
        core::ConfigMap,
        core::Namespace,
        core::PersistentVolume,
        core::PersistentVolumeClaim,
        core::Endpoints,
        core::LimitRange,
        core::ResourceQuota,
        apps::Deployment,
        apps::StatefulSet,
        apps::DaemonSet,
        apps::ReplicaSet,
        apps::ControllerRevision,
        batch::Job,
        batch::CronJob,
        networking::Ingress,
        networking::IngressClass,
        networking::NetworkPolicy,
        rbac::Role,
        rbac::ClusterRole,
        rbac::RoleBinding,
        rbac::ClusterRoleBinding,
        policy::PodDisruptionBudget,
        admission::ValidatingWebhookConfiguration,
        admission::MutatingWebhookConfiguration,
        admission::ValidatingAdmissionPolicy,
        admission::ValidatingAdmissionPolicyBinding,
        apiextensions::CustomResourceDefinition,
        apiregistration::APIService,
        autoscaling1::HorizontalPodAutoscaler,
        autoscaling2::HorizontalPodAutoscaler,
        scheduling::PriorityClass,
        storage::StorageClass,
        storage::CSIDriver,
        node::RuntimeClass,
        coordination::Lease,
        certificates::CertificateSigningRequest,
        discovery::EndpointSlice,
        flowcontrol::FlowSchema,
        flowcontrol::PriorityLevelConfiguration,
    ]
});

/// The compiled schema of a built-in kind, or `None` when the kind is not
/// one the targeted version serves (a CRD's kind, a removed API version).
pub fn validator(api_version: &str, kind: &str) -> Option<&'static Validator> {
    let k = KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_version == api_version)?;
    k.compiled
        .get_or_init(|| {
            let mut schema = (k.schema)();
            structural::prepare(&mut schema);
            // A schema generated from k8s-openapi always compiles; if one
            // ever did not, its kind is simply not checked.
            structural::compile(&schema, Draft::Draft202012).ok()
        })
        .as_ref()
}

/// Every built-in kind as `apiVersion/kind`, for documentation and tests.
pub fn known() -> impl Iterator<Item = (&'static str, &'static str)> {
    KINDS.iter().map(|k| (k.api_version, k.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_schema_compiles() {
        let failed: Vec<String> = KINDS
            .iter()
            .filter(|k| validator(k.api_version, k.kind).is_none())
            .map(|k| format!("{}/{}", k.api_version, k.kind))
            .collect();
        assert!(failed.is_empty(), "schemas that do not compile: {failed:?}");
        assert!(known().count() >= 40);
    }
}
