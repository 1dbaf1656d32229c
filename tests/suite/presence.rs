//! The harshest real deliveries parse: each bundled example, turned into what Lago may
//! really send by the presence table read from Lago's serializers
//! (`tests/fixtures/presence.json`, written from the server's code, not from our spec).
//!
//! The table classes every key a serializer emits: `always` (sent, never null, by every
//! Lago version still in use), `nullable` (always sent, may be null), `sometimes` (absent
//! from some deliveries: an include, a condition, or a key older versions lack) and
//! `sometimes_nullable`. From an example it builds:
//! - `strip`: every key that can be null set to null, every key sent only sometimes
//!   removed, and unknown keys added at every level;
//! - `deep`: the same, except that keys holding nested objects are kept and their own
//!   keys treated, so that nothing below a nullable object goes untested;
//! - each of those with every `error_code` as an integer, then as a string, and every
//!   `provider_error` as a plain string.

use std::collections::BTreeMap;

use lago_webhooks::{WebhookEvent, WebhookType};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const TABLE: &str = include_str!("../fixtures/presence.json");

#[derive(Deserialize)]
pub(crate) struct Table {
    serializers: BTreeMap<String, Serializer>,
    messages: BTreeMap<String, MessageEntry>,
}

#[derive(Deserialize)]
struct Serializer {
    keys: BTreeMap<String, Presence>,
    #[serde(default)]
    children: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct MessageEntry {
    payload_key: String,
    serializer: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum Presence {
    Always,
    Nullable,
    Sometimes,
    SometimesNullable,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Strip,
    Deep,
}

pub(crate) fn table() -> Table {
    serde_json::from_str(TABLE).expect("the presence table is valid")
}

/// A key no Lago version sends, with a value of every JSON kind.
fn unknown_value() -> Value {
    json!({"added_later": [1, 2.5, "three", null, true, {"nested": {}}]})
}

fn harden(node: &mut Value, serializer: &str, table: &Table, mode: Mode) {
    let Some(object) = node.as_object_mut() else { return };
    let entry = &table.serializers[serializer];
    for (key, child) in &entry.children {
        match object.get_mut(key) {
            Some(Value::Array(items)) => items.iter_mut().for_each(|item| harden(item, child, table, mode)),
            Some(value @ Value::Object(_)) => harden(value, child, table, mode),
            _ => {}
        }
    }
    for (key, presence) in &entry.keys {
        let holds_object = entry.children.contains_key(key);
        if mode == Mode::Deep && holds_object {
            continue;
        }
        match presence {
            Presence::Always => {}
            Presence::Nullable | Presence::SometimesNullable if object.contains_key(key) => {
                object.insert(key.clone(), Value::Null);
            }
            Presence::Sometimes => {
                object.remove(key);
            }
            _ => {}
        }
    }
    object.insert("x_key_from_a_later_lago".into(), unknown_value());
}

/// Replaces every provider error below `node` (the value of a `provider_error` key), or
/// with `error_code`, the `error_code` inside each of them.
fn replace_provider_errors(node: &mut Value, error_code: bool, replacement: &Value) {
    match node {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::Object(error) if key == "provider_error" && error_code => {
                        if let Some(code) = error.get_mut("error_code") {
                            *code = replacement.clone();
                        }
                    }
                    Value::Object(_) if key == "provider_error" => *value = replacement.clone(),
                    _ => replace_provider_errors(value, error_code, replacement),
                }
            }
        }
        Value::Array(items) => {
            items.iter_mut().for_each(|item| replace_provider_errors(item, error_code, replacement))
        }
        _ => {}
    }
}

fn example(kind: WebhookType) -> Value {
    serde_json::from_str(kind.example()).expect("examples are JSON")
}

/// Every variant of the harshest deliveries of `kind`, with a label.
pub(crate) fn deliveries(kind: WebhookType, table: &Table) -> Vec<(String, Value)> {
    let entry = &table.messages[kind.as_str()];
    let mut out = Vec::new();
    for mode in [Mode::Strip, Mode::Deep] {
        let mut body = example(kind);
        harden(&mut body[&entry.payload_key], &entry.serializer, table, mode);
        body.as_object_mut().unwrap().insert("x_envelope_key_from_a_later_lago".into(), unknown_value());
        let variants = [
            ("error_code as an integer", true, json!(422)),
            ("error_code as a string", true, json!("card_declined")),
            ("provider_error as a string", false, json!("The provider timed out")),
        ];
        for (label, error_code, replacement) in variants {
            let mut variant = body.clone();
            // Inside the payload: a payload key may itself be `provider_error`.
            replace_provider_errors(&mut variant[&entry.payload_key], error_code, &replacement);
            if variant != body {
                out.push((format!("{mode:?}, {label}"), variant));
            }
        }
        out.push((format!("{mode:?}"), body));
    }
    let mut bare = example(kind);
    bare.as_object_mut().unwrap().remove("organization_id");
    out.push(("without organization_id".into(), bare));
    out
}

#[test]
fn the_table_covers_every_webhook_type_and_names_only_its_own_serializers() {
    let table = table();
    for &kind in WebhookType::ALL {
        let entry = table.messages.get(kind.as_str()).unwrap_or_else(|| panic!("{kind} is not in the table"));
        assert_eq!(entry.payload_key, kind.payload_key(), "{kind}");
        assert!(table.serializers.contains_key(&entry.serializer), "{kind}: {}", entry.serializer);
    }
    assert_eq!(table.messages.len(), WebhookType::ALL.len());
    for (name, serializer) in &table.serializers {
        for child in serializer.children.values() {
            assert!(table.serializers.contains_key(child), "{name} names {child}, which the table lacks");
        }
    }
}

#[test]
fn every_example_carries_every_key_the_server_always_sends() {
    fn check(node: &Value, serializer: &str, table: &Table, at: &str, missing: &mut Vec<String>) {
        let Some(object) = node.as_object() else { return };
        let entry = &table.serializers[serializer];
        for (key, presence) in &entry.keys {
            if matches!(presence, Presence::Always | Presence::Nullable) && !object.contains_key(key) {
                missing.push(format!("{at}/{key}"));
            }
        }
        for (key, child) in &entry.children {
            match object.get(key) {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        check(item, child, table, &format!("{at}/{key}/{i}"), missing);
                    }
                }
                Some(value @ Value::Object(_)) => check(value, child, table, &format!("{at}/{key}"), missing),
                _ => {}
            }
        }
    }
    let table = table();
    let mut missing = Vec::new();
    for &kind in WebhookType::ALL {
        let entry = &table.messages[kind.as_str()];
        let body = example(kind);
        check(&body[&entry.payload_key], &entry.serializer, &table, kind.as_str(), &mut missing);
    }
    assert!(missing.is_empty(), "keys always sent but missing from the examples: {missing:#?}");
}

#[test]
fn the_harshest_real_delivery_of_every_type_parses_to_its_own_variant() {
    let table = table();
    let mut failures = Vec::new();
    let mut count = 0;
    for &kind in WebhookType::ALL {
        for (label, body) in deliveries(kind, &table) {
            count += 1;
            match WebhookEvent::from_slice(&serde_json::to_vec(&body).unwrap()) {
                Ok(event) if event.known_type() == Some(kind) => {}
                Ok(event) => failures.push(format!("{kind} ({label}): parsed as {}", event.webhook_type())),
                Err(err) => failures.push(format!("{kind} ({label}): {err}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} of {count} deliveries failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn provider_errors_are_tried_in_every_form() {
    let table = table();
    for name in [
        "customer.payment_provider_error",
        "credit_note.refund_failure",
        "invoice.payment_failure",
        "payment_request.payment_failure",
        "wallet_transaction.payment_failure",
    ] {
        let labels: Vec<String> =
            deliveries(name.parse().unwrap(), &table).into_iter().map(|(label, _)| label).collect();
        // In `Strip` a nullable provider error is null, so some forms are tried in `Deep` only.
        for form in ["error_code as an integer", "error_code as a string", "provider_error as a string"] {
            assert!(
                labels.iter().any(|l| l.ends_with(form)),
                "{name}: no delivery with {form} in {labels:?}"
            );
        }
    }
}

#[test]
fn hardening_really_removes_and_nulls_keys() {
    // The invoice of invoice.created loses its includes and nulls its nullable keys.
    let table = table();
    let kind: WebhookType = "invoice.created".parse().unwrap();
    let (_, strip) = deliveries(kind, &table).into_iter().find(|(label, _)| label == "Strip").unwrap();
    let invoice: &Map<String, Value> = strip["invoice"].as_object().unwrap();
    let entry = &table.serializers["invoice"];
    let mut removed = 0;
    let mut nulled = 0;
    for (key, presence) in &entry.keys {
        match presence {
            Presence::Sometimes => {
                assert!(!invoice.contains_key(key), "{key}");
                removed += 1;
            }
            Presence::Nullable => {
                assert_eq!(invoice[key], Value::Null, "{key}");
                nulled += 1;
            }
            _ => {}
        }
    }
    assert!(removed >= 5 && nulled >= 3, "removed {removed}, nulled {nulled}");
    assert!(invoice.contains_key("x_key_from_a_later_lago"));
}
