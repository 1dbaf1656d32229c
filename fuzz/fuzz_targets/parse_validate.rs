//! Any bytes through `WebhookEvent::from_slice`, then `validate` and a round trip through
//! `Serialize` and the generic `Deserialize`: errors are fine, panics are not. The
//! borrowed flavour must agree with the owned one on every input: the same event once
//! owned, the same violations, or the same error.
#![no_main]

use lago_webhooks::{Validate, WebhookEvent, borrowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let owned = WebhookEvent::from_slice(body);
    let zero_copy = borrowed::WebhookEvent::from_slice(body);
    match (&owned, zero_copy) {
        (Ok(owned), Ok(zero_copy)) => {
            assert_eq!(owned.validate(), zero_copy.validate(), "the flavours validate alike");
            assert_eq!(&zero_copy.into_owned(), owned, "the flavours parse alike");
        }
        (Err(owned), Err(zero_copy)) => assert_eq!(owned, &zero_copy, "the flavours refuse alike"),
        (owned, zero_copy) => panic!("the flavours disagree: {owned:?} against {zero_copy:?}"),
    }
    let Ok(event) = owned else { return };
    let _ = event.validate();
    let written = serde_json::to_vec(&event).expect("a parsed event serializes");
    let again = WebhookEvent::from_slice(&written).expect("what was written parses");
    assert_eq!(again.webhook_type(), event.webhook_type());
    let _ = serde_json::from_slice::<WebhookEvent>(body);
});
