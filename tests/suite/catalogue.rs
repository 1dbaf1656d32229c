//! The bundled spec covers every webhook type Lago's server sends, and the retired one,
//! each with a realistic example that parses, validates and round-trips.

use lago_webhooks::{Lifecycle, Validate, WebhookEvent, WebhookType};
use serde_json::Value;

/// Every `webhook_type` Lago's server sends (its catalogue of webhook event types), with the
/// refund failure under the name its body carries, plus the retired `invoice.add_on_added`.
const LAGO_SENDS: &[&str] = &[
    "alert.triggered",
    "billable_metric.created",
    "billable_metric.updated",
    "billable_metric.deleted",
    "customer.created",
    "customer.updated",
    "customer.accounting_provider_created",
    "customer.accounting_provider_error",
    "customer.crm_provider_created",
    "customer.crm_provider_error",
    "customer.payment_provider_created",
    "customer.payment_provider_error",
    "customer.checkout_url_generated",
    "customer.tax_provider_error",
    "customer.vies_check",
    "credit_note.created",
    "credit_note.generated",
    "credit_note.refund_failure",
    "dunning_campaign.finished",
    "event.error",
    "events.errors",
    "feature.created",
    "feature.updated",
    "feature.deleted",
    "fee.created",
    "fee.tax_provider_error",
    "integration.provider_error",
    "invoice.created",
    "invoice.deleted",
    "invoice.drafted",
    "invoice.ready_to_finalize",
    "invoice.one_off_created",
    "invoice.paid_credit_added",
    "invoice.generated",
    "invoice.payment_dispute_lost",
    "invoice.payment_failure",
    "invoice.payment_overdue",
    "invoice.payment_status_updated",
    "invoice.resynced",
    "invoice.voided",
    "order.created",
    "order.executed",
    "order_form.created",
    "order_form.signed",
    "order_form.expired",
    "order_form.voided",
    "payment.requires_action",
    "payment.succeeded",
    "payment_provider.error",
    "payment_receipt.created",
    "payment_receipt.generated",
    "payment_request.created",
    "payment_request.payment_failure",
    "payment_request.payment_status_updated",
    "plan.created",
    "plan.updated",
    "plan.deleted",
    "quote.created",
    "quote.approved",
    "quote.voided",
    "subscription.canceled",
    "subscription.incomplete",
    "subscription.started",
    "subscription.terminated",
    "subscription.termination_alert",
    "subscription.trial_ended",
    "subscription.updated",
    "subscription.usage_threshold_reached",
    "wallet.created",
    "wallet.updated",
    "wallet.terminated",
    "wallet.depleted_ongoing_balance",
    "wallet_transaction.created",
    "wallet_transaction.updated",
    "wallet_transaction.payment_failure",
    "invoice.add_on_added",
];

/// The value with every null object member removed, at any depth.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The JSON Pointer of the first place where `a` and `b` differ, with both values.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{at}/{k}")),
                (p, q) => Some(format!("{at}/{k}: {p:?} written, {q:?} in the example")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}")))
        }
        _ if a == b => None,
        _ => Some(format!("{at}: {a} written, {b} in the example")),
    }
}

fn parse(text: &str) -> WebhookEvent {
    str::parse::<WebhookEvent>(text).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn the_spec_defines_every_type_lago_sends_and_no_other() {
    let mut expected: Vec<&str> = LAGO_SENDS.to_vec();
    let mut defined: Vec<&str> = WebhookType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(expected.len(), 76);
    expected.sort_unstable();
    defined.sort_unstable();
    assert_eq!(defined, expected);
}

#[test]
fn every_example_parses_into_its_own_variant_and_validates_clean() {
    for &kind in WebhookType::ALL {
        let event = parse(kind.example());
        assert_eq!(event.known_type(), Some(kind), "{kind}");
        if let Err(violations) = event.validate() {
            panic!("{kind}: the example breaks the spec:\n{violations}");
        }
    }
}

#[test]
fn every_example_round_trips_through_serialize_and_parse() {
    for &kind in WebhookType::ALL {
        let event = parse(kind.example());
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(parse(&json), event, "{kind}");
        // Every key of the example is typed: writing the event back gives the example
        // (a null optional key is written back as absent, which means the same).
        let original: Value = serde_json::from_str(kind.example()).unwrap();
        let written: Value = serde_json::from_str(&json).unwrap();
        if let Some(at) = first_difference(&without_nulls(written), &without_nulls(original.clone()), "") {
            panic!("{kind}: writing the event back changes {at}");
        }
        // The generic Deserialize path agrees with from_slice.
        let via_value: WebhookEvent = serde_json::from_value(original).unwrap();
        assert_eq!(via_value, event, "{kind}");
    }
}

#[test]
fn examples_carry_the_envelope_as_current_lago_sends_it() {
    for &kind in WebhookType::ALL {
        // In Lago's order, so that the payload is read in one pass.
        let prefix =
            format!(r#"{{"webhook_type":"{kind}","object_type":"{}","organization_id":"#, kind.object_type());
        assert!(kind.example().starts_with(&prefix), "{kind}");
        let example: Value = serde_json::from_str(kind.example()).unwrap();
        let mut keys: Vec<&str> = example.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut expected = ["webhook_type", "object_type", "organization_id", kind.payload_key()];
        expected.sort_unstable();
        assert_eq!(keys, expected, "{kind}");
        assert_eq!(example["object_type"], kind.object_type(), "{kind}");
        assert_eq!(parse(kind.example()).organization_id(), example["organization_id"].as_str(), "{kind}");
    }
}

#[test]
fn lifecycles_and_add_ons_are_recorded() {
    let with = |lifecycle: Lifecycle| -> Vec<&str> {
        WebhookType::ALL.iter().filter(|t| t.lifecycle() == lifecycle).map(|t| t.as_str()).collect()
    };
    assert_eq!(with(Lifecycle::Retired), ["invoice.add_on_added"]);
    assert_eq!(with(Lifecycle::Deprecated), ["event.error"]);
    for &kind in WebhookType::ALL {
        let expected = match kind.as_str().split('.').next().unwrap() {
            "quote" | "order_form" | "order" => Some("order_forms"),
            "payment_receipt" => Some("issue_receipts"),
            "dunning_campaign" => Some("auto_dunning"),
            _ if kind.as_str() == "customer.crm_provider_error" => Some("hubspot"),
            _ => None,
        };
        assert_eq!(kind.premium(), expected, "{kind}");
    }
}

#[test]
fn the_refund_failure_travels_under_its_body_name() {
    let kind: WebhookType = "credit_note.refund_failure".parse().unwrap();
    assert_eq!(kind.object_type(), "credit_note_payment_provider_refund_error");
    assert!(WebhookType::lookup("credit_note.provider_refund_failure").is_none());
}

#[test]
fn precise_amounts_are_strings_in_every_example_as_lago_sends_them() {
    // Lago writes its precise (decimal) amounts as JSON strings; an example with numbers
    // there would teach a handler a form the server does not send.
    fn numbers(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    let at = format!("{at}/{key}");
                    if key.contains("precise") && !(item.is_string() || item.is_null()) {
                        out.push(at.clone());
                    }
                    numbers(item, &at, out);
                }
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .for_each(|(index, item)| numbers(item, &format!("{at}/{index}"), out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for &kind in WebhookType::ALL {
        let example: Value = serde_json::from_str(kind.example()).unwrap();
        numbers(&example, kind.as_str(), &mut found);
    }
    assert!(found.is_empty(), "precise amounts written as numbers: {found:?}");
}

#[test]
fn a_fee_item_of_no_recorded_kind_parses() {
    let example: Value = serde_json::from_str(WebhookType::FeeCreated.example()).unwrap();
    let mut body = example.clone();
    body["fee"]["item"]["type"] = Value::Null;
    let WebhookEvent::FeeCreated { fee, .. } = parse(&body.to_string()) else { panic!("a fee") };
    assert_eq!(fee.item.type_, None);
    assert!(fee.validate().is_ok(), "{:?}", fee.validate());
}

#[test]
fn the_refund_failure_says_a_filtering_endpoint_never_gets_it() {
    let kind: WebhookType = "credit_note.refund_failure".parse().unwrap();
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/lago-webhooks.json")).unwrap();
    let spec: Value = serde_json::from_str(&docs).unwrap();
    let message =
        spec["messages"].as_array().unwrap().iter().find(|m| m["webhook_type"] == kind.as_str()).unwrap();
    let description = message["description"].as_str().unwrap();
    assert!(description.contains("never receives it"), "{description}");
}
