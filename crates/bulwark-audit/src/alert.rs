//! What a detector's hit becomes: a [`Finding`] (the shape every bulwark
//! output knows) plus the fields of the event that raised it.

use bulwark_core::{Finding, Location, ObjectRef};
use serde::Serialize;

use crate::detect::{Hit, falco, kind_of_resource};
use crate::event::{Event, EventObjectRef, UserInfo};

/// One alert.
#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(rename = "auditID")]
    pub audit_id: String,
    pub stage: String,
    pub user: UserInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<UserInfo>,
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    pub user_agent: String,
    pub verb: String,
    #[serde(rename = "requestURI")]
    pub request_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_ref: Option<EventObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

impl Alert {
    pub fn new(hit: Hit, ev: &Event, location: Option<Location>) -> Self {
        let (api_version, kind) = match &ev.object_ref {
            Some(r) => {
                let av = match (r.api_group.as_str(), r.api_version.as_str()) {
                    ("", v) => v.to_string(),
                    (g, v) => format!("{g}/{v}"),
                };
                let kind = ev
                    .req("/kind")
                    .and_then(|k| k.as_str())
                    .map(str::to_string)
                    .or_else(|| kind_of_resource(&r.resource).map(str::to_string))
                    .unwrap_or_else(|| r.resource.clone());
                (av, kind)
            }
            None => (String::new(), String::new()),
        };
        let ns = ev.namespace();
        let finding = Finding {
            rule_id: hit.rule.id.into(),
            severity: hit.severity,
            message: hit.message,
            object: ObjectRef {
                api_version,
                kind,
                namespace: (!ns.is_empty()).then(|| ns.to_string()),
                name: falco::object_name(ev),
            },
            path: hit.path,
            location,
            subject: hit.subject,
        };
        Self {
            finding,
            audit_id: ev.audit_id.clone(),
            stage: ev.stage.clone(),
            user: ev.user.clone(),
            impersonated_user: ev.impersonated_user.clone(),
            source_ips: ev.source_ips.clone(),
            user_agent: ev.user_agent.clone(),
            verb: ev.verb.clone(),
            request_uri: ev.request_uri.clone(),
            object_ref: ev.object_ref.clone(),
            response_code: ev.code(),
            time: ev
                .stage_timestamp
                .clone()
                .or_else(|| ev.request_received_timestamp.clone()),
        }
    }
}
