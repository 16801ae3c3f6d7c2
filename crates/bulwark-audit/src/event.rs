//! The `audit.k8s.io/v1` Event, as the API server's log and webhook
//! backends write it. Only the fields detectors read are typed; the request
//! and response objects stay JSON text until a detector reads them.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// One audit event (or, for `kind: EventList`, a batch in `items`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `Event` or `EventList`; anything else is not an audit event.
    pub kind: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub level: String,
    #[serde(rename = "auditID", default)]
    pub audit_id: String,
    #[serde(default)]
    pub stage: String,
    #[serde(rename = "requestURI", default)]
    pub request_uri: String,
    #[serde(default)]
    pub verb: String,
    #[serde(default)]
    pub user: UserInfo,
    #[serde(default)]
    pub impersonated_user: Option<UserInfo>,
    #[serde(rename = "sourceIPs", default)]
    pub source_ips: Vec<String>,
    #[serde(default)]
    pub user_agent: String,
    #[serde(default)]
    pub object_ref: Option<EventObjectRef>,
    #[serde(default)]
    pub response_status: Option<ResponseStatus>,
    #[serde(default)]
    pub request_object: Option<LazyObject>,
    #[serde(default)]
    pub response_object: Option<LazyObject>,
    #[serde(default)]
    pub request_received_timestamp: Option<String>,
    #[serde(default)]
    pub stage_timestamp: Option<String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// The events of an `EventList` (webhook batches).
    #[serde(default)]
    pub items: Vec<Event>,
}

/// A `requestObject`/`responseObject`: its JSON text, checked as JSON when
/// the event is parsed but built into a [`Value`] only when a detector first
/// reads it. Most events are never looked at inside (a `Value` tree with
/// ordered maps is the dearest part of parsing an event), so this keeps
/// parsing to what detection needs.
#[derive(Clone, Debug)]
pub struct LazyObject {
    raw: Box<RawValue>,
    parsed: OnceCell<Value>,
}

impl LazyObject {
    /// The object as a JSON value, parsed on the first call.
    pub fn value(&self) -> &Value {
        // The text was validated as JSON, and its nesting checked against
        // serde_json's limit, when the event was read: this cannot fail.
        self.parsed
            .get_or_init(|| serde_json::from_str(self.raw.get()).unwrap_or(Value::Null))
    }

    /// The object's JSON text as the API server wrote it.
    pub fn raw(&self) -> &str {
        self.raw.get()
    }
}

impl From<Value> for LazyObject {
    fn from(v: Value) -> Self {
        // A `Value` always serializes; the default (`null`) is unreachable.
        let raw = serde_json::value::to_raw_value(&v).unwrap_or_default();
        Self {
            raw,
            parsed: OnceCell::from(v),
        }
    }
}

/// serde_json refuses documents nested this deep; skipping an object as raw
/// text does not apply its limit, so [`LazyObject`] does, to keep such an
/// event malformed (counted) rather than an event whose object reads empty.
const MAX_DEPTH: usize = 128;

/// The deepest nesting of arrays and objects in JSON text.
fn nesting(json: &str) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0, false, false);
    for &b in json.as_bytes() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'[' | b'{' => {
                    depth += 1;
                    max = max.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    max
}

impl<'de> Deserialize<'de> for LazyObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        if nesting(raw.get()) >= MAX_DEPTH {
            return Err(serde::de::Error::custom("recursion limit exceeded"));
        }
        Ok(Self {
            raw,
            parsed: OnceCell::new(),
        })
    }
}

/// `authentication.k8s.io/v1 UserInfo`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// The object a request was about.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EventObjectRef {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subresource: String,
}

/// `metav1.Status` of the response (only what detectors read).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResponseStatus {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl Event {
    pub fn username(&self) -> &str {
        &self.user.username
    }

    pub fn resource(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| o.resource.as_str())
    }

    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.subresource.as_str())
    }

    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.namespace.as_str())
    }

    pub fn name(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| o.name.as_str())
    }

    /// HTTP status of the response, when the stage has one.
    pub fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }

    /// Falco's `response_successful`: the status code starts with 2.
    pub fn successful(&self) -> bool {
        self.code().is_some_and(|c| (200..300).contains(&c))
    }

    /// `authorization.k8s.io/decision` (`allow`, `forbid`).
    pub fn decision(&self) -> &str {
        self.annotations
            .get("authorization.k8s.io/decision")
            .map_or("", String::as_str)
    }

    /// Falco's `non_system_user`.
    pub fn non_system_user(&self) -> bool {
        !self.user.username.starts_with("system:")
    }

    /// Seconds since the epoch of the stage (or, lacking it, the request).
    pub fn time(&self) -> Option<f64> {
        let s = self
            .stage_timestamp
            .as_deref()
            .or(self.request_received_timestamp.as_deref())?;
        let ts: jiff::Timestamp = s.parse().ok()?;
        Some(ts.as_microsecond() as f64 / 1e6)
    }

    /// `requestObject` at a JSON pointer.
    pub fn req(&self, pointer: &str) -> Option<&Value> {
        self.request_object.as_ref()?.value().pointer(pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Event, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn lazy_objects_read_as_the_parsed_value() {
        let ev = parse(
            r#"{"kind":"Event","requestObject":{"kind":"Pod","spec":{"hostPID":true}},
               "responseObject":null}"#,
        )
        .unwrap();
        // `null` is no object, as with `Option<Value>`.
        assert!(ev.response_object.is_none());
        assert_eq!(ev.req("/spec/hostPID"), Some(&Value::Bool(true)));
        assert_eq!(
            ev.request_object.as_ref().unwrap().raw(),
            r#"{"kind":"Pod","spec":{"hostPID":true}}"#
        );
        let from_value = LazyObject::from(serde_json::json!({"a": [1]}));
        assert_eq!(from_value.value().pointer("/a/0"), Some(&Value::from(1)));
    }

    #[test]
    fn nesting_limit_is_serde_jsons() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for n in [1, 100, MAX_DEPTH - 1, MAX_DEPTH, 200] {
            let standalone = serde_json::from_str::<Value>(&deep(n)).is_ok();
            let ev = parse(&format!(
                r#"{{"kind":"Event","requestObject":{},"s":"[{{\"]"}}"#,
                deep(n)
            ));
            assert_eq!(ev.is_ok(), standalone, "depth {n}");
            if let Ok(ev) = ev {
                assert!(ev.request_object.unwrap().value().is_array());
            }
        }
        assert_eq!(nesting(r#"{"a":"[[{\"","b":[{}]}"#), 3);
    }

    #[test]
    fn a_broken_object_still_fails_the_event() {
        assert!(parse(r#"{"kind":"Event","requestObject":{"a":}}"#).is_err());
        assert!(parse(r#"{"kind":"Event","requestObject":{"a":1}"#).is_err());
    }
}
