//! The versions a CustomResourceDefinition defines, read once for every
//! consumer (custom workloads here, schema validation in bulwark-schema).

use serde_json::Value;

/// One version of a CRD: the `apiVersion`/`kind` its custom resources carry
/// and that version's `openAPIV3Schema` (v1 `versions[].schema`, or
/// v1beta1's shared `validation`).
pub struct CrdVersion<'a> {
    pub api_version: String,
    pub kind: &'a str,
    pub schema: Option<&'a Value>,
    pub served: bool,
}

/// Every version of one CRD object; empty when it names no group or kind.
pub fn crd_versions(crd: &Value) -> Vec<CrdVersion<'_>> {
    let Some(spec) = crd.get("spec") else {
        return Vec::new();
    };
    let s = |p: &str| spec.pointer(p).and_then(Value::as_str);
    let (Some(group), Some(kind)) = (s("/group"), s("/names/kind")) else {
        return Vec::new();
    };
    let shared = spec.pointer("/validation/openAPIV3Schema");
    let mut out: Vec<CrdVersion<'_>> = spec
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some(CrdVersion {
                api_version: format!("{group}/{}", v.get("name")?.as_str()?),
                kind,
                schema: v.pointer("/schema/openAPIV3Schema").or(shared),
                served: v.get("served") != Some(&Value::Bool(false)),
            })
        })
        .collect();
    if out.is_empty()
        && let Some(v) = s("/version")
    {
        out.push(CrdVersion {
            api_version: format!("{group}/{v}"),
            kind,
            schema: shared,
            served: true,
        });
    }
    out
}
