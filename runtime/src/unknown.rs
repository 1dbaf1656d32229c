//! Webhooks of a type the spec does not know.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// A webhook whose `webhook_type` the spec does not define, kept as received so
/// that nothing Lago adds later is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent {
    /// The `webhook_type` string.
    pub webhook_type: String,
    /// The `object_type` string, if the envelope had one.
    pub object_type: Option<String>,
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
        map.serialize_entry("webhook_type", &self.webhook_type)?;
        if let Some(object_type) = &self.object_type {
            map.serialize_entry("object_type", object_type)?;
            if let Some(payload) = &self.payload {
                map.serialize_entry(object_type, payload)?;
            }
        }
        map.end()
    }
}
