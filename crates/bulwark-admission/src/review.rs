//! `admission.k8s.io/v1` AdmissionReview: what the API server sends and
//! what it expects back. Decoding is strict about what decides the answer
//! (apiVersion, kind, uid, operation) and lenient about the rest, so a newer
//! API server's extra fields never break admission.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const API_VERSION: &str = "admission.k8s.io/v1";

/// The envelope both ways.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReview {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<AdmissionRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<AdmissionResponse>,
}

/// Group, version and kind as the API server spells them in a request.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

/// Group, version and resource (plural) of the request.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct GroupVersionResource {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub resource: String,
}

/// Who sent the request.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    pub uid: String,
    #[serde(default)]
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub resource: GroupVersionResource,
    #[serde(default)]
    pub sub_resource: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    pub operation: String,
    #[serde(default)]
    pub user_info: UserInfo,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub old_object: Option<Value>,
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl AdmissionRequest {
    pub fn is_dry_run(&self) -> bool {
        self.dry_run == Some(true)
    }
}

/// A `metav1.Status` in a response.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    pub uid: String,
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<String>,
    /// Base64 of an RFC 6902 JSON Patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
}

impl AdmissionResponse {
    /// The decoded JSON Patch, if the response carries one.
    pub fn patch_ops(&self) -> Option<Value> {
        let b = self.patch.as_ref()?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn set_patch(&mut self, ops: &Value) {
        self.patch_type = Some("JSONPatch".into());
        self.patch =
            Some(base64::engine::general_purpose::STANDARD.encode(ops.to_string().as_bytes()));
    }
}

/// Why a body is not an AdmissionReview this server can answer. The uid is
/// kept when it could be read, so the answer still names the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub uid: String,
    pub message: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads one AdmissionReview request. Errors say what is wrong in terms a
/// webhook operator can act on; none of them quote object content.
pub fn decode(body: &[u8]) -> Result<AdmissionRequest, DecodeError> {
    let err = |uid: &str, m: String| DecodeError {
        uid: uid.to_string(),
        message: m,
    };
    // The common case in one pass: a well-formed v1 review read straight
    // into its type. Anything else (including duplicate keys, which a
    // typed read refuses and a JSON value keeps the last of) takes the
    // path below, which says precisely what is wrong.
    if let Ok(review) = serde_json::from_slice::<AdmissionReview>(body)
        && review.kind == "AdmissionReview"
        && review.api_version == API_VERSION
        && let Some(req) = review.request
    {
        return checked(req);
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        err(
            "",
            format!("body is not JSON (line {} column {})", e.line(), e.column()),
        )
    })?;
    let uid = v
        .pointer("/request/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != "AdmissionReview" {
        return Err(err(&uid, format!("kind {kind:?} is not AdmissionReview")));
    }
    if api != API_VERSION {
        return Err(err(
            &uid,
            format!(
                "apiVersion {api:?} is not supported; configure the webhook with admissionReviewVersions: [\"v1\"]"
            ),
        ));
    }
    let review: AdmissionReview = serde_json::from_value(v)
        .map_err(|e| err(&uid, format!("not an AdmissionReview request: {e}")))?;
    let req = review
        .request
        .ok_or_else(|| err(&uid, "AdmissionReview has no request".into()))?;
    checked(req)
}

/// The request's own invariants: a uid, and an object for CREATE/UPDATE.
fn checked(req: AdmissionRequest) -> Result<AdmissionRequest, DecodeError> {
    let uid = req.uid.clone();
    let err = |uid: &str, m: String| DecodeError {
        uid: uid.to_string(),
        message: m,
    };
    if req.uid.is_empty() {
        return Err(err("", "request.uid is empty".into()));
    }
    if matches!(req.operation.as_str(), "CREATE" | "UPDATE") {
        match &req.object {
            Some(Value::Object(_)) => {}
            Some(_) => return Err(err(&uid, "request.object is not an object".into())),
            None => {
                return Err(err(
                    &uid,
                    format!("request.object is missing for {}", req.operation),
                ));
            }
        }
    }
    Ok(req)
}

/// Wraps a response in the envelope the API server expects.
pub fn envelope(response: AdmissionResponse) -> AdmissionReview {
    AdmissionReview {
        api_version: API_VERSION.into(),
        kind: "AdmissionReview".into(),
        request: None,
        response: Some(response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn review(req: Value) -> Vec<u8> {
        json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "request": req})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn reads_a_pod_create() {
        let r = decode(&review(json!({
            "uid": "u1", "operation": "CREATE", "namespace": "shop",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
            "dryRun": true, "somethingNew": 1
        })))
        .unwrap();
        assert_eq!(r.uid, "u1");
        assert_eq!(r.kind.kind, "Pod");
        assert_eq!(r.user_info.groups, ["dev"]);
        assert!(r.is_dry_run());
    }

    #[test]
    fn refuses_what_it_cannot_answer_keeping_the_uid() {
        let e = decode(b"{nope").unwrap_err();
        assert!(e.message.contains("not JSON"), "{e}");
        let e = decode(
            json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "u2", "operation": "CREATE", "object": {}}})
                .to_string()
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.uid, "u2");
        assert!(e.message.contains("v1beta1"));
        let e = decode(&review(json!({"uid": "u3", "operation": "CREATE"}))).unwrap_err();
        assert_eq!(
            (e.uid.as_str(), e.message.as_str()),
            ("u3", "request.object is missing for CREATE")
        );
        let e = decode(&review(
            json!({"uid": "u4", "operation": "UPDATE", "object": [1]}),
        ))
        .unwrap_err();
        assert_eq!(e.message, "request.object is not an object");
        // DELETE carries no object, and that is fine.
        assert!(decode(&review(json!({"uid": "u5", "operation": "DELETE"}))).is_ok());
    }

    #[test]
    fn patch_round_trips_as_base64_json() {
        let mut r = AdmissionResponse::default();
        let ops = json!([{"op": "add", "path": "/a", "value": 1}]);
        r.set_patch(&ops);
        assert_eq!(r.patch_type.as_deref(), Some("JSONPatch"));
        assert_eq!(r.patch_ops(), Some(ops));
    }
}
