//! What Lago may add later (fields, values, webhook types) never fails parsing.

use lago_webhooks::{FeeItemType, InvoiceStatus, UnknownEvent, WebhookEvent};
use serde_json::{Value, json};

use crate::fixtures::DOCS;

fn docs_value(webhook_type: &str) -> Value {
    let fixture = DOCS.iter().find(|f| f.webhook_type == webhook_type).unwrap();
    serde_json::from_str(fixture.valid()).unwrap()
}

fn parse_value(value: &Value) -> WebhookEvent {
    WebhookEvent::from_slice(&serde_json::to_vec(value).unwrap()).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn an_unknown_webhook_type_keeps_its_payload_intact() {
    let body = json!({
        "webhook_type": "ledger_entry.created",
        "object_type": "ledger_entry",
        "organization_id": "org-1",
        "ledger_entry": {"lago_id": "le-1", "amount": "10.0", "nested": {"list": [1, 2.5, null]}}
    });
    let event = parse_value(&body);
    let WebhookEvent::Unknown(unknown) = &event else { panic!("{event:?}") };
    assert_eq!(unknown.webhook_type, "ledger_entry.created");
    assert_eq!(unknown.object_type.as_deref(), Some("ledger_entry"));
    assert_eq!(unknown.organization_id.as_deref(), Some("org-1"));
    assert_eq!(event.organization_id(), Some("org-1"));
    assert_eq!(unknown.payload.as_ref(), Some(&body["ledger_entry"]));
    assert_eq!(event.known_type(), None);
    assert_eq!(serde_json::to_value(&event).unwrap(), body);
}

#[test]
fn an_unknown_webhook_type_with_its_payload_first_still_keeps_it() {
    let body = r#"{"alarm": {"code": "a1"}, "object_type": "alarm", "webhook_type": "alarm.raised"}"#;
    let expected = UnknownEvent {
        webhook_type: "alarm.raised".into(),
        object_type: Some("alarm".into()),
        organization_id: None,
        payload: Some(json!({"code": "a1"})),
    };
    assert_eq!(str::parse::<WebhookEvent>(body).unwrap(), WebhookEvent::Unknown(expected.clone()));
    let via_value: WebhookEvent = serde_json::from_str(body).unwrap();
    assert_eq!(via_value, WebhookEvent::Unknown(expected));
}

#[test]
fn an_unknown_webhook_type_without_object_type_has_no_payload() {
    let event = str::parse::<WebhookEvent>(r#"{"webhook_type": "new.thing", "thing": {}}"#).unwrap();
    let expected = UnknownEvent {
        webhook_type: "new.thing".into(),
        object_type: None,
        organization_id: None,
        payload: None,
    };
    assert_eq!(event, WebhookEvent::Unknown(expected));
}

#[test]
fn unknown_fields_are_ignored_at_every_level() {
    let base = docs_value("invoice.created");
    let mut body = base.clone();
    body["envelope_addition"] = json!(true);
    body["invoice"]["brand_new_field"] = json!({"deep": [1, 2, 3]});
    body["invoice"]["fees"][0]["item"]["grouping_hint"] = json!({"region": "eu"});
    body["invoice"]["customer"]["crm_links"] = json!([]);
    assert_eq!(parse_value(&body), parse_value(&base));
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let mut body = docs_value("invoice.created");
    body["invoice"]["status"] = json!("archived");
    body["invoice"]["fees"][0]["item"]["type"] = json!("usage_bundle");
    let event = parse_value(&body);
    let WebhookEvent::InvoiceCreated { invoice, .. } = &event else { panic!() };
    assert_eq!(invoice.status, Some(InvoiceStatus::Unknown("archived".into())));
    assert_eq!(
        invoice.fees.as_ref().unwrap()[0].item.type_,
        Some(FeeItemType::Unknown("usage_bundle".into()))
    );
    let written = serde_json::to_value(&event).unwrap();
    assert_eq!(written["invoice"]["status"], "archived");
    assert_eq!(written["invoice"]["fees"][0]["item"]["type"], "usage_bundle");
    assert_eq!(parse_value(&written), event);
}

#[test]
fn a_body_with_webhook_type_last_still_parses() {
    for fixture in DOCS {
        let text = fixture.valid();
        let docs: Value = serde_json::from_str(text).unwrap();
        let kind = str::parse::<WebhookEvent>(text).unwrap().known_type().unwrap();
        let reordered = format!(
            r#"{{"{}": {}, "object_type": "{}", "webhook_type": "{}"}}"#,
            kind.payload_key(),
            docs[kind.payload_key()],
            kind.object_type(),
            kind.as_str()
        );
        let expected = str::parse::<WebhookEvent>(text).unwrap();
        assert_eq!(str::parse::<WebhookEvent>(&reordered).unwrap(), expected, "{}", fixture.webhook_type);
        let via_deserialize: WebhookEvent = serde_json::from_str(&reordered).unwrap();
        assert_eq!(via_deserialize, expected, "{}", fixture.webhook_type);
    }
}

#[test]
fn absent_optional_keys_are_not_written_back() {
    let event = parse_value(&docs_value("invoice.generated"));
    let written = serde_json::to_value(&event).unwrap();
    let invoice = written["invoice"].as_object().unwrap();
    assert!(!invoice.contains_key("status"));
    assert!(!invoice.contains_key("fees"));
    // A nullable key that was present stays present, as null.
    let drafted = serde_json::to_value(parse_value(&docs_value("invoice.drafted"))).unwrap();
    assert_eq!(drafted["invoice"]["file_url"], Value::Null);
}

#[test]
fn an_object_type_that_is_not_a_string_is_ignored_wherever_it_is() {
    let docs = docs_value("fee.created");
    let expected = parse_value(&docs);
    let fee = docs["fee"].to_string();
    for object_type in ["5", "null", "[1, {\"a\": 2}]", "{\"b\": [3]}"] {
        for body in [
            format!(r#"{{"object_type": {object_type}, "webhook_type": "fee.created", "fee": {fee}}}"#),
            format!(r#"{{"webhook_type": "fee.created", "object_type": {object_type}, "fee": {fee}}}"#),
            format!(r#"{{"fee": {fee}, "object_type": {object_type}, "webhook_type": "fee.created"}}"#),
        ] {
            assert_eq!(str::parse::<WebhookEvent>(&body).unwrap(), expected, "{body}");
        }
    }
}
