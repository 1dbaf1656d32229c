//! Named deliveries Lago's server really sends that the old docs examples do not show,
//! each parsed into its variant with typed fields.

use lago_webhooks::{
    ErrorCode, EventError, Fee, ProviderError, Validate, WebhookEvent, WebhookHandler, WebhookType,
};
use serde_json::{Value, json};

use crate::fixtures::DOCS;

fn example(kind: WebhookType) -> Value {
    serde_json::from_str(kind.example()).unwrap()
}

fn parse(body: &Value) -> WebhookEvent {
    WebhookEvent::from_slice(&serde_json::to_vec(body).unwrap()).unwrap_or_else(|err| panic!("{err}"))
}

fn docs(webhook_type: &str) -> Value {
    let fixture = DOCS.iter().find(|f| f.webhook_type == webhook_type).unwrap();
    serde_json::from_str(fixture.valid()).unwrap()
}

#[test]
fn a_payment_retry_without_provider_sends_a_null_provider_error() {
    // Retrying a payment for a customer with no payment provider sends only the details.
    let mut body = example(WebhookType::InvoicePaymentFailure);
    let error = &mut body["payment_provider_invoice_payment_error"];
    error["provider_error"] = Value::Null;
    error["provider_customer_id"] = Value::Null;
    error["payment_provider"] = Value::Null;
    error["error_details"] = json!({"code": "customer_must_have_payment_provider"});
    let WebhookEvent::InvoicePaymentFailure { payment_provider_invoice_payment_error: failure, .. } =
        parse(&body)
    else {
        panic!("wrong variant")
    };
    assert_eq!(failure.provider_error, None);
    assert_eq!(
        failure.error_details.and_then(|d| d.code).as_deref(),
        Some("customer_must_have_payment_provider")
    );
}

#[test]
fn error_codes_are_typed_whether_sent_as_integers_or_strings() {
    // GoCardless and Adyen hand Lago integer codes; Stripe strings.
    let kinds = [
        (WebhookType::CustomerPaymentProviderError, "payment_provider_customer_error"),
        (WebhookType::CreditNoteRefundFailure, "credit_note_payment_provider_refund_error"),
        (WebhookType::InvoicePaymentFailure, "payment_provider_invoice_payment_error"),
        (WebhookType::PaymentRequestPaymentFailure, "payment_provider_payment_request_payment_error"),
        (WebhookType::WalletTransactionPaymentFailure, "payment_provider_wallet_transaction_payment_error"),
    ];
    for (kind, key) in kinds {
        for (code, text) in [(json!(422), "422"), (json!("card_declined"), "card_declined")] {
            let mut body = example(kind);
            body[key]["provider_error"] = json!({"message": "Refused", "error_code": code});
            let event = parse(&body);
            assert_eq!(event.known_type(), Some(kind));
            let written = serde_json::to_value(&event).unwrap();
            assert_eq!(written[key]["provider_error"]["error_code"], code, "{kind}: written back as sent");
            let error: ProviderError =
                serde_json::from_value(written[key]["provider_error"].clone()).unwrap();
            assert_eq!(error.code().as_deref(), Some(text), "{kind}");
            assert_eq!(error.message(), Some("Refused"));
            let expected = match code.as_i64() {
                Some(number) => ErrorCode::Number(number),
                None => ErrorCode::Text(text.to_owned()),
            };
            assert_eq!(error.as_details().unwrap().error_code, Some(expected));
        }
    }
}

#[test]
fn a_provider_error_may_be_a_plain_string() {
    let mut body = example(WebhookType::CustomerPaymentProviderError);
    body["payment_provider_customer_error"]["provider_error"] = json!("Gateway timeout");
    let WebhookEvent::CustomerPaymentProviderError { payment_provider_customer_error: error, .. } =
        parse(&body)
    else {
        panic!("wrong variant")
    };
    assert_eq!(error.provider_error, ProviderError::Message("Gateway timeout".into()));
    assert_eq!(error.provider_error.message(), Some("Gateway timeout"));
    assert_eq!(error.provider_error.code(), None);
    // Neither a number nor a list is a provider error: the error names what is accepted.
    body["payment_provider_customer_error"]["provider_error"] = json!(42);
    let err = WebhookEvent::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap_err();
    assert_eq!(err.pointer(), "/payment_provider_customer_error/provider_error");
    assert!(err.message().contains("expected an object or a string"), "{err}");
}

#[test]
fn event_error_parses_in_its_old_and_its_current_shape() {
    let event_error = |body: &Value| -> EventError {
        let WebhookEvent::EventError { event_error, .. } = parse(body) else { panic!("wrong variant") };
        *event_error
    };
    // Current Lago: the rejected event under `event`, the message a JSON-encoded hash.
    let current = event_error(&example(WebhookType::EventError));
    assert_eq!(current.input_params, None);
    assert_eq!(current.event.as_ref().unwrap().transaction_id, "txn_20250314_0001");
    let decoded = current.message.decode().unwrap();
    assert_eq!(decoded, json!({"transaction_id": ["value_already_exist"]}));
    // The old docs shape: `input_params` and a plain-text message.
    let old = event_error(&docs("event.error"));
    assert!(old.event.is_none());
    assert_eq!(old.input_params.as_ref().unwrap()["transaction_id"], "__transaction_id__");
    assert!(old.message.decode().is_err());
    assert_eq!(old.message.as_str(), "code does not exist");
    assert_eq!(parse(&docs("event.error")).validate(), Ok(()));
}

#[test]
fn fees_parse_with_the_old_vat_names_and_the_current_taxes_names() {
    struct Fees(Vec<Fee>);
    impl WebhookHandler for Fees {
        fn on_fee_created(&mut self, fee: Fee) -> lago_webhooks::HandlerResult {
            self.0.push(fee);
            Ok(())
        }
    }
    let mut fees = Fees(Vec::new());
    fees.handle(parse(&docs("fee.created"))).unwrap();
    fees.handle(parse(&example(WebhookType::FeeCreated))).unwrap();
    let [old, current] = &fees.0[..] else { panic!() };
    assert_eq!((old.vat_amount_cents, old.taxes_amount_cents), (Some(20), None));
    assert_eq!((current.vat_amount_cents, current.taxes_amount_cents), (None, Some(8)));
    // Both add up under the sum rule, whichever name carries the tax.
    assert_eq!(parse(&example(WebhookType::FeeCreated)).validate(), Ok(()));
    let mut broken = example(WebhookType::FeeCreated);
    broken["fee"]["total_amount_cents"] = json!(49);
    let violations = parse(&broken).validate().unwrap_err();
    assert_eq!(
        violations.iter().map(|v| (v.pointer(), v.rule())).collect::<Vec<_>>(),
        [("/fee/total_amount_cents", "sum")]
    );
}

#[test]
fn organization_id_is_kept_when_sent_and_absent_otherwise() {
    for &kind in WebhookType::ALL {
        let with = example(kind);
        let event = parse(&with);
        assert_eq!(event.organization_id(), Some("1a901a90-1a90-1a90-1a90-1a901a901a90"), "{kind}");
        assert_eq!(serde_json::to_value(&event).unwrap()["organization_id"], with["organization_id"]);
        let mut without = with.clone();
        without.as_object_mut().unwrap().remove("organization_id");
        let event = parse(&without);
        assert_eq!((event.known_type(), event.organization_id()), (Some(kind), None), "{kind}");
        assert!(serde_json::to_value(&event).unwrap().get("organization_id").is_none());
    }
    // Older Lago sends none: every docs example parses without it.
    for fixture in DOCS {
        let event = str::parse::<WebhookEvent>(fixture.valid()).unwrap();
        assert_eq!(event.organization_id(), None);
    }
    // Sent after the payload, or as something other than a string, it is still fine.
    let mut body = example(WebhookType::CustomerCheckoutUrlGenerated);
    let text = serde_json::to_string(&body).unwrap().replacen(
        r#""organization_id":"1a901a90-1a90-1a90-1a90-1a901a901a90","#,
        "",
        1,
    );
    let late = format!("{},\"organization_id\":\"org-late\"}}", text.trim_end_matches('}'));
    assert_eq!(str::parse::<WebhookEvent>(&late).unwrap().organization_id(), Some("org-late"));
    body["organization_id"] = json!(17);
    assert_eq!(parse(&body).organization_id(), None);
    let twice = late.replacen('{', r#"{"organization_id":"a","#, 1);
    assert!(
        str::parse::<WebhookEvent>(&twice)
            .unwrap_err()
            .message()
            .contains("duplicate field `organization_id`")
    );
}

#[test]
fn datetimes_with_and_without_milliseconds_and_zone_are_read() {
    let WebhookEvent::EventError { event_error, .. } = parse(&example(WebhookType::EventError)) else {
        panic!()
    };
    let event = event_error.event.unwrap();
    assert_eq!(event.timestamp.as_str(), "2025-03-14T09:30:00.123Z");
    let created = event.created_at.unwrap();
    assert_eq!(event.timestamp.unix_millis().unwrap() + 877, created.unix_millis().unwrap());
    // The docs' zone-less form parses and reads as UTC.
    let WebhookEvent::CreditNoteCreated { credit_note, .. } = parse(&docs("credit_note.created")) else {
        panic!()
    };
    assert_eq!(credit_note.created_at.as_str(), "2022-10-06 09:52:00");
    assert_eq!(credit_note.created_at.unix_millis(), Some(1_665_049_920_000));
}

#[test]
fn a_union_validates_the_variant_it_holds() {
    // customer.vies_check's vies_check is an object or a boolean; the object's date is checked.
    let mut body = example(WebhookType::CustomerViesCheck);
    body["customer"]["vies_check"]["request_date"] = json!("14/03/2025");
    let violations = parse(&body).validate().unwrap_err();
    let found: Vec<(&str, &str)> = violations.iter().map(|v| (v.pointer(), v.rule())).collect();
    assert_eq!(found, [("/customer/vies_check/request_date", "format.date")]);
    // The boolean form has nothing to check.
    body["customer"]["vies_check"] = json!(false);
    assert_eq!(parse(&body).validate(), Ok(()));
}
