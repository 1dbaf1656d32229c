//! The keys of the envelope every webhook body is: `webhook_type`, `object_type`,
//! `organization_id`, and beside them the one key holding the payload, which each message
//! names (its `payload_key`).

/// The key naming the webhook's type, such as `invoice.created`.
pub const WEBHOOK_TYPE: &str = "webhook_type";

/// The key naming the payload's kind of object, such as `invoice`.
pub const OBJECT_TYPE: &str = "object_type";

/// The key of the organization the webhook is about.
pub const ORGANIZATION_ID: &str = "organization_id";

/// Every key of the envelope but the payload's, in the order Lago writes them.
pub const KEYS: [&str; 3] = [WEBHOOK_TYPE, OBJECT_TYPE, ORGANIZATION_ID];

/// Whether `key` is one of [`KEYS`]: a payload key or a field of the envelope cannot
/// take its name.
pub fn is_envelope_key(key: &str) -> bool {
    KEYS.contains(&key)
}
