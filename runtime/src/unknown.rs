//! Webhooks of a type the spec does not know.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// A webhook whose `webhook_type` the spec does not define, so that a type Lago adds
/// later reaches the handler instead of failing.
///
/// The payload is kept as a `serde_json::Value`: its content is all there, with the key
/// order and number precision of `Value`. Envelope keys other than `webhook_type`,
/// `object_type`, `organization_id` and the payload are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent {
    /// The `webhook_type` string.
    pub webhook_type: String,
    /// The `object_type` string, if the envelope had one.
    pub object_type: Option<String>,
    /// The `organization_id` of the envelope, if it had one (Lago versions before
    /// September 2025 send none).
    pub organization_id: Option<String>,
    /// The value under the `object_type` key, if present.
    pub payload: Option<Value>,
}

impl UnknownEvent {
    /// The `webhook_type` string.
    pub fn webhook_type(&self) -> &str {
        &self.webhook_type
    }
}

impl Serialize for UnknownEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(lago_webhooks_core::envelope::WEBHOOK_TYPE, &self.webhook_type)?;
        if let Some(object_type) = &self.object_type {
            map.serialize_entry(lago_webhooks_core::envelope::OBJECT_TYPE, object_type)?;
        }
        if let Some(organization_id) = &self.organization_id {
            map.serialize_entry(lago_webhooks_core::envelope::ORGANIZATION_ID, organization_id)?;
        }
        if let (Some(object_type), Some(payload)) = (&self.object_type, &self.payload) {
            map.serialize_entry(object_type, payload)?;
        }
        map.end()
    }
}
