//! Any bytes through `WebhookEvent::from_slice`, then `validate` and a round trip through
//! `Serialize` and the generic `Deserialize`: errors are fine, panics are not.
#![no_main]

use lago_webhooks::{Validate, WebhookEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(event) = WebhookEvent::from_slice(body) else { return };
    let _ = event.validate();
    let written = serde_json::to_vec(&event).expect("a parsed event serializes");
    let again = WebhookEvent::from_slice(&written).expect("what was written parses");
    assert_eq!(again.webhook_type(), event.webhook_type());
    let _ = serde_json::from_slice::<WebhookEvent>(body);
});
