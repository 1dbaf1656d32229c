//! Support for the code `lago_webhooks!` generates: what every expansion would otherwise
//! repeat. Not a public API: reached as `lago_webhooks::__private`, it may change in any
//! release.

mod currencies;
mod enums;
mod envelope;
mod objects;
mod owned;
mod unions;

pub use self::currencies::Currencies;
pub use self::enums::{StringEnum, deserialize_string_enum, parse_string_enum};
pub use self::envelope::{Catalog, WebhookKind, deserialize_event, parse_event, serialize_envelope};
pub use self::objects::{DeserializeObject, deserialize_map_only, object};
pub use self::owned::IntoOwned;
pub use self::unions::{OneOf, deserialize_one_of};
pub use crate::validate::checks::{
    check_format, check_non_empty, check_range, check_same_currency, check_sum, first_currency,
    report_unlisted,
};
pub use serde;
pub use serde_json;
