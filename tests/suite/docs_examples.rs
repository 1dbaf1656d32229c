//! Every example of the docs page parses to its own variant and survives a round trip.

use lago_webhooks::{
    CreditNoteReason, EventErrorCode, FeeItemType, InvoiceStatus, ParseErrorKind, WebhookEvent, WebhookType,
};
use serde_json::Value;

use crate::fixtures::DOCS;

fn parse(text: &str) -> WebhookEvent {
    str::parse::<WebhookEvent>(text).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn the_docs_page_has_sixteen_messages_and_the_spec_all_of_them() {
    assert_eq!(DOCS.len(), 16);
    for fixture in DOCS {
        assert!(WebhookType::lookup(fixture.webhook_type).is_some(), "{}", fixture.webhook_type);
    }
}

#[test]
fn every_valid_example_parses_to_its_own_variant() {
    for fixture in DOCS {
        let event = parse(fixture.valid());
        let expected: WebhookType = fixture.webhook_type.parse().unwrap();
        assert_eq!(event.known_type(), Some(expected), "{}", fixture.webhook_type);
        assert_eq!(event.webhook_type(), fixture.webhook_type);
    }
}

#[test]
fn the_two_invalid_examples_fail_with_a_located_syntax_error() {
    let invalid: Vec<_> = DOCS.iter().filter(|f| f.corrected.is_some()).collect();
    let types: Vec<&str> = invalid.iter().map(|f| f.webhook_type).collect();
    assert_eq!(types, ["invoice.generated", "credit_note.refund_failure"]);
    let expected = [(19, 1, "/invoice"), (14, 1, "/credit_note_payment_provider_refund_error")];
    for (fixture, (line, column, pointer)) in invalid.iter().zip(expected) {
        let err = str::parse::<WebhookEvent>(fixture.verbatim).unwrap_err();
        assert_eq!(err.kind(), ParseErrorKind::Syntax);
        assert_eq!(err.message(), "trailing comma");
        assert_eq!((err.line(), err.column(), err.pointer()), (line, column, pointer));
        assert_eq!(err.webhook_type(), Some(fixture.webhook_type));
    }
}

#[test]
fn serializing_then_parsing_gives_an_equal_value() {
    for fixture in DOCS {
        let event = parse(fixture.valid());
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(parse(&json), event, "{}", fixture.webhook_type);
        // The generic Deserialize path agrees with from_slice.
        let value: Value = serde_json::from_str(&json).unwrap();
        let via_value: WebhookEvent = serde_json::from_value(value).unwrap();
        assert_eq!(via_value, event, "{}", fixture.webhook_type);
    }
}

#[test]
fn serializing_writes_the_envelope_lago_sends() {
    for fixture in DOCS {
        let event = parse(fixture.valid());
        let kind = event.known_type().unwrap();
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["webhook_type"], kind.as_str());
        assert_eq!(value["object_type"], kind.object_type());
        assert!(value[kind.payload_key()].is_object(), "{}", fixture.webhook_type);
    }
}

fn example(webhook_type: &str) -> WebhookEvent {
    let fixture = DOCS.iter().find(|f| f.webhook_type == webhook_type).unwrap();
    parse(fixture.valid())
}

#[test]
fn decimals_keep_their_digits_whether_sent_as_strings_or_numbers() {
    let WebhookEvent::InvoiceCreated { invoice, .. } = example("invoice.created") else { panic!() };
    let units = &invoice.fees.as_ref().unwrap()[0].units;
    assert_eq!((units.as_str(), units.is_quoted()), ("0.32", true));

    let WebhookEvent::CreditNoteCreated { credit_note: note, .. } = example("credit_note.created") else {
        panic!()
    };
    let units = &note.items.as_ref().unwrap()[0].fee.units;
    assert_eq!((units.as_str(), units.is_quoted()), ("12.6", false));
}

#[test]
fn quirky_values_are_kept_as_sent() {
    let WebhookEvent::EventError { event_error: error, .. } = example("event.error") else { panic!() };
    assert_eq!(error.status, 422);
    // The old docs shape: plain text where current Lago sends encoded JSON.
    assert_eq!(error.message.as_str(), "code does not exist");
    assert!(error.message.decode().is_err());
    assert_eq!(
        error.message.as_str().parse::<EventErrorCode>().unwrap(),
        EventErrorCode::Unknown("code does not exist".into())
    );

    let WebhookEvent::CreditNoteCreated { credit_note: note, .. } = example("credit_note.created") else {
        panic!()
    };
    assert_eq!(note.created_at.as_str(), "2022-10-06 09:52:00");
    assert_eq!(note.reason, CreditNoteReason::Other);
    let fee = &note.items.as_ref().unwrap()[0].fee;
    assert_eq!(fee.amount_currency, "");
    assert_eq!(fee.item.type_, Some(FeeItemType::Charge));

    let WebhookEvent::InvoiceGenerated { invoice, .. } = example("invoice.generated") else { panic!() };
    assert_eq!(invoice.issuing_date.as_ref().map(|d| d.as_str()), Some(""));
    assert_eq!(invoice.status, None);

    let WebhookEvent::InvoiceDrafted { invoice, .. } = example("invoice.drafted") else { panic!() };
    assert_eq!(invoice.status, Some(InvoiceStatus::Draft));
    assert_eq!(invoice.fees.as_ref().unwrap()[0].total_amount_currency, "EUR");

    let WebhookEvent::CreditNoteRefundFailure { credit_note_payment_provider_refund_error: failure, .. } =
        example("credit_note.refund_failure")
    else {
        panic!()
    };
    assert_eq!(failure.provider_error.code().as_deref(), Some("error_code"));
    assert_eq!(failure.provider_error.as_details().unwrap().error_code, None);
}

#[test]
fn the_refund_failure_is_found_by_its_payload_key_despite_its_object_type() {
    let fixture = DOCS.iter().find(|f| f.webhook_type == "credit_note.refund_failure").unwrap();
    let docs: Value = serde_json::from_str(fixture.valid()).unwrap();
    assert_eq!(docs["object_type"], "payment_provider_customer_error");
    let event = parse(fixture.valid());
    assert_eq!(event.known_type(), Some(WebhookType::CreditNoteRefundFailure));
    assert_eq!(
        serde_json::to_value(&event).unwrap()["object_type"],
        "credit_note_payment_provider_refund_error"
    );
}

#[test]
fn webhook_types_round_trip_through_strings() {
    for kind in WebhookType::ALL {
        assert_eq!(kind.as_str().parse::<WebhookType>(), Ok(*kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
    let err = "invoice.exploded".parse::<WebhookType>().unwrap_err();
    assert_eq!(err.to_string(), "unknown webhook type `invoice.exploded`");
}

#[test]
fn enum_values_round_trip_through_strings() {
    for status in InvoiceStatus::KNOWN {
        assert_eq!(status.as_str().parse::<InvoiceStatus>(), Ok(status.clone()));
        assert!(status.is_known());
    }
    let odd: InvoiceStatus = "archived".parse().unwrap();
    assert_eq!(odd, InvoiceStatus::Unknown("archived".into()));
    assert_eq!(odd.to_string(), "archived");
    assert_eq!(EventErrorCode::CustomerNotFound.http_status(), Some(404));
    assert_eq!(EventErrorCode::InvalidArgument.http_status(), Some(422));
    assert_eq!(EventErrorCode::Unknown("x".into()).http_status(), None);
}
