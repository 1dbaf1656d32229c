//! Validation finds exactly the inconsistencies of the docs examples, none in clean
//! payloads, and each kind of mutation at its pointer.

use lago_webhooks::{Validate, WebhookEvent};
use serde_json::{Value, json};

use crate::fixtures::DOCS;

/// For each docs example, the violations its quirks imply (pointer, rule), in the order
/// validation reports them. The quirk ids are those of `spec/lago-webhooks.json`.
const EXPECTED: &[(&str, &[(&str, &str)])] = &[
    // event-error-message-not-a-code: the old plain text is a legitimate old delivery
    ("event.error", &[]),
    // non-uuid-ids, fee-total-currency-mismatch
    (
        "invoice.drafted",
        &[
            ("/invoice/lago_id", "format.uuid"),
            ("/invoice/customer/lago_id", "format.uuid"),
            ("/invoice/subscriptions/0/lago_id", "format.uuid"),
            ("/invoice/subscriptions/0/lago_customer_id", "format.uuid"),
            ("/invoice/fees/0/lago_id", "format.uuid"),
            ("/invoice/fees/0/total_amount_currency", "same_currency"),
        ],
    ),
    ("invoice.created", &[]),
    ("invoice.one_off_created", &[]),
    // non-uuid-ids
    (
        "invoice.paid_credit_added",
        &[
            ("/invoice/fees/0/lago_id", "format.uuid"),
            ("/invoice/fees/0/lago_invoice_id", "format.uuid"),
            ("/invoice/fees/0/item/lago_item_id", "format.uuid"),
        ],
    ),
    // invoice-generated-empty-issuing-date
    ("invoice.generated", &[("/invoice/issuing_date", "format.date")]),
    // non-uuid-ids
    ("invoice.payment_status_updated", &[("/invoice/lago_id", "format.uuid")]),
    ("fee.created", &[]),
    // non-uuid-ids
    ("subscription.terminated", &[("/subscription/lago_customer_id", "format.uuid")]),
    ("customer.payment_provider_created", &[]),
    // checkout-url-placeholder
    (
        "customer.checkout_url_generated",
        &[("/payment_provider_customer_checkout_url/checkout_url", "format.url")],
    ),
    ("customer.payment_provider_error", &[]),
    ("invoice.payment_failure", &[]),
    ("credit_note.created", CREDIT_NOTE_QUIRKS),
    ("credit_note.generated", CREDIT_NOTE_QUIRKS),
    // Its quirks (invalid JSON, a stale object_type, `code` for `error_code`) are not in
    // the typed value: parsing reports the first, and the others are accepted on purpose.
    ("credit_note.refund_failure", &[]),
];

/// The violations of both credit-note examples, which share their quirks:
/// credit-note-naive-timestamps, credit-note-fee-empty-currency.
const CREDIT_NOTE_QUIRKS: &[(&str, &str)] = &[
    ("/credit_note/created_at", "format.datetime"),
    ("/credit_note/updated_at", "format.datetime"),
    ("/credit_note/items/0/fee/amount_currency", "format.currency"),
];

fn violations(event: &WebhookEvent) -> Vec<(String, &'static str)> {
    match event.validate() {
        Ok(()) => Vec::new(),
        Err(violations) => violations.iter().map(|v| (v.pointer().to_owned(), v.rule())).collect(),
    }
}

#[test]
fn each_docs_example_has_exactly_the_violations_of_its_quirks() {
    assert_eq!(EXPECTED.len(), DOCS.len());
    for (fixture, (webhook_type, expected)) in DOCS.iter().zip(EXPECTED) {
        assert_eq!(fixture.webhook_type, *webhook_type);
        let event = str::parse::<WebhookEvent>(fixture.valid()).unwrap();
        let expected: Vec<(String, &str)> = expected.iter().map(|(p, r)| (p.to_string(), *r)).collect();
        assert_eq!(violations(&event), expected, "{webhook_type}");
    }
}

#[test]
fn a_clean_payload_of_every_message_has_no_violation() {
    for fixture in DOCS {
        let event = str::parse::<WebhookEvent>(fixture.clean).unwrap();
        assert_eq!(event.known_type().map(|t| t.as_str()), Some(fixture.webhook_type));
        assert_eq!(event.validate(), Ok(()), "{}", fixture.webhook_type);
    }
}

#[test]
fn violations_carry_value_and_message_and_display_one_per_line() {
    let fixture = DOCS.iter().find(|f| f.webhook_type == "invoice.drafted").unwrap();
    let violations = str::parse::<WebhookEvent>(fixture.valid()).unwrap().validate().unwrap_err();
    let currency = violations.iter().last().unwrap();
    assert_eq!(currency.value(), &json!("EUR"));
    assert_eq!(currency.message(), "`EUR` differs from `USD`, the currency of the Fee");
    let text = violations.to_string();
    assert_eq!(text.lines().count(), violations.len());
    assert_eq!(
        text.lines().last(),
        Some("/invoice/fees/0/total_amount_currency: `EUR` differs from `USD`, the currency of the Fee")
    );
    let as_error: &dyn std::error::Error = &violations;
    assert!(as_error.to_string().starts_with("/invoice/lago_id: "));
}

fn clean(webhook_type: &str) -> Value {
    let fixture = DOCS.iter().find(|f| f.webhook_type == webhook_type).unwrap();
    serde_json::from_str(fixture.clean).unwrap()
}

/// Applies `mutate` to a clean payload and returns the violations of the result.
fn mutated(webhook_type: &str, mutate: impl FnOnce(&mut Value)) -> Vec<(String, &'static str)> {
    let mut body = clean(webhook_type);
    mutate(&mut body);
    violations(&WebhookEvent::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap())
}

/// A mutation: its name, the message it mutates, the change, the violations expected.
type Mutation = (&'static str, &'static str, Box<dyn FnOnce(&mut Value)>, Vec<(String, &'static str)>);

fn one(pointer: &str, rule: &'static str) -> Vec<(String, &'static str)> {
    vec![(pointer.to_owned(), rule)]
}

#[test]
fn each_mutation_yields_its_violation_at_its_pointer() {
    let cases: Vec<Mutation> = vec![
        (
            "wrong currency on a credit",
            "invoice.created",
            Box::new(|v| v["invoice"]["credits"][0]["amount_currency"] = json!("USD")),
            one("/invoice/credits/0/amount_currency", "same_currency"),
        ),
        (
            "wrong currency on a credit note item",
            "credit_note.created",
            Box::new(|v| v["credit_note"]["items"][0]["amount_currency"] = json!("GBP")),
            one("/credit_note/items/0/amount_currency", "same_currency"),
        ),
        (
            "broken sum",
            "invoice.one_off_created",
            Box::new(|v| v["invoice"]["fees"][1]["total_amount_cents"] = json!(22001)),
            one("/invoice/fees/1/total_amount_cents", "sum"),
        ),
        (
            "broken sum with the current tax field",
            "fee.created",
            Box::new(|v| {
                v["fee"].as_object_mut().unwrap().remove("vat_amount_cents");
                v["fee"]["taxes_amount_cents"] = json!(21);
            }),
            one("/fee/total_amount_cents", "sum"),
        ),
        (
            "bad url",
            "customer.payment_provider_created",
            Box::new(|v| v["customer"]["logo_url"] = json!("hooli logo")),
            one("/customer/logo_url", "format.url"),
        ),
        (
            "bad timestamp",
            "subscription.terminated",
            Box::new(|v| v["subscription"]["terminated_at"] = json!("2023-01-24 14:53")),
            one("/subscription/terminated_at", "format.datetime"),
        ),
        (
            "bad decimal",
            "fee.created",
            Box::new(|v| v["fee"]["units"] = json!("1,5")),
            one("/fee/units", "format.decimal"),
        ),
        (
            "unknown enum value",
            "invoice.created",
            Box::new(|v| v["invoice"]["status"] = json!("archived")),
            one("/invoice/status", "enum"),
        ),
        (
            "unknown enum value in an array",
            "invoice.one_off_created",
            Box::new(|v| v["invoice"]["fees"][1]["item"]["type"] = json!("bundle")),
            one("/invoice/fees/1/item/type", "enum"),
        ),
        (
            "empty string",
            "credit_note.created",
            Box::new(|v| v["credit_note"]["invoice_number"] = json!("")),
            one("/credit_note/invoice_number", "non_empty"),
        ),
        (
            "negative amount",
            "invoice.payment_status_updated",
            Box::new(|v| v["invoice"]["coupons_amount_cents"] = json!(-5)),
            one("/invoice/coupons_amount_cents", "minimum"),
        ),
        (
            "HTTP status out of range",
            "event.error",
            Box::new(|v| v["event_error"]["status"] = json!(42)),
            one("/event_error/status", "minimum"),
        ),
    ];
    for (name, webhook_type, mutate, expected) in cases {
        assert_eq!(mutated(webhook_type, mutate), expected, "{name}");
    }
}

#[test]
fn every_violation_is_reported_not_only_the_first() {
    let found = mutated("invoice.created", |v| {
        v["invoice"]["number"] = json!("");
        v["invoice"]["fees"][0]["total_amount_currency"] = json!("USD");
        v["invoice"]["customer"]["created_at"] = json!("yesterday");
    });
    assert_eq!(
        found,
        [
            ("/invoice/number".to_owned(), "non_empty"),
            ("/invoice/customer/created_at".to_owned(), "format.datetime"),
            ("/invoice/fees/0/total_amount_currency".to_owned(), "same_currency"),
        ]
    );
}

#[test]
fn unknown_webhook_types_have_nothing_to_validate() {
    let event = str::parse::<WebhookEvent>(
        r#"{"webhook_type": "vault.created", "object_type": "vault", "vault": {}}"#,
    );
    assert_eq!(event.unwrap().validate(), Ok(()));
}

#[test]
fn validating_a_valid_payload_allocates_nothing() {
    for fixture in DOCS {
        let event = str::parse::<WebhookEvent>(fixture.clean).unwrap();
        let (result, allocations) = crate::allocations::count(|| event.validate());
        assert_eq!((result, allocations), (Ok(()), 0), "{}", fixture.webhook_type);
    }
    // The counter does see allocations: a payload with violations allocates them.
    let fixture = DOCS.iter().find(|f| f.webhook_type == "invoice.drafted").unwrap();
    let event = str::parse::<WebhookEvent>(fixture.valid()).unwrap();
    let (result, allocations) = crate::allocations::count(|| event.validate());
    assert!(result.is_err() && allocations > 0);
}

#[test]
fn upper_bounds_and_escaped_values() {
    assert_eq!(
        mutated("event.error", |v| v["event_error"]["status"] = json!(600)),
        one("/event_error/status", "maximum")
    );
    let mut body = clean("subscription.terminated");
    body["subscription"]["lago_id"] = json!("line\nbreak");
    let event = WebhookEvent::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
    let violations = event.validate().unwrap_err();
    assert_eq!(violations.to_string(), "/subscription/lago_id: `line\\nbreak` is not a UUID");
    assert_eq!(violations.iter().next().unwrap().value(), &json!("line\nbreak"));
}
