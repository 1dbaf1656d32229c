// Names no Rust identifier carries as is are renamed, not refused, and round-trip.
mod generated {
    lago_webhooks::lago_webhooks!(spec = "odd-names.json");
}

use generated::{OddValues, ThingWithDashes, WebhookEvent};

fn main() {
    let body = r#"{"webhook_type": "thing.happened", "object_type": "thing",
        "self": {"type": "t", "+1": 1, "provider_error[message]": "m", "camelCase": true, "kind": "add-on"}}"#;
    let event = str::parse::<WebhookEvent>(body).unwrap();
    let WebhookEvent::ThingHappened { self_: thing, .. } = &event else { panic!() };
    let ThingWithDashes { type_, field_1, provider_error_message, camel_case, kind } = &**thing;
    assert_eq!((type_.as_str(), *field_1, provider_error_message.as_deref(), *camel_case), ("t", Some(1), Some("m"), Some(true)));
    assert_eq!(kind, &Some(OddValues::AddOn));
    let variants = [OddValues::Value404, OddValues::Self_, OddValues::Unknown, OddValues::Value, OddValues::Other("x".into())];
    let strings: Vec<&str> = variants.iter().map(|v| v.as_str()).collect();
    assert_eq!(strings, ["404", "Self", "unknown", "", "x"]);
    let json = lago_webhooks::__private::serde_json::to_string(&event).unwrap();
    assert_eq!(str::parse::<WebhookEvent>(&json).unwrap(), event);
}
