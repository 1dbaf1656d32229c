//! Each class of bad input gives its own error, with its pointer, line and column.

use lago_webhooks::{ParseError, ParseErrorKind, WebhookEvent};

fn error(body: &str) -> ParseError {
    str::parse::<WebhookEvent>(body).expect_err(body)
}

/// Kind, webhook type, pointer, line and column of an error.
fn located(err: &ParseError) -> (ParseErrorKind, Option<&str>, &str, usize, usize) {
    (err.kind(), err.webhook_type(), err.pointer(), err.line(), err.column())
}

#[test]
fn malformed_json_is_a_syntax_error() {
    let err = error("{\"webhook_type\": \"fee.created\",\n  \"fee\" {}}");
    assert_eq!(located(&err), (ParseErrorKind::Syntax, Some("fee.created"), "", 2, 9));
    assert_eq!(err.message(), "expected `:`");
    assert_eq!(error("").kind(), ParseErrorKind::Eof);
    assert_eq!(error("not json").kind(), ParseErrorKind::Syntax);
}

#[test]
fn a_truncated_body_is_an_eof_error() {
    let err = error(r#"{"webhook_type": "fee.created", "object_type": "fee", "fee": {"lago_id": "a""#);
    assert_eq!(located(&err), (ParseErrorKind::Eof, Some("fee.created"), "/fee", 1, 76));
}

#[test]
fn trailing_data_is_a_syntax_error() {
    let err = error(r#"{"webhook_type": "x.y"} {}"#);
    assert_eq!((err.kind(), err.line(), err.column()), (ParseErrorKind::Syntax, 1, 25));
    assert_eq!(err.message(), "trailing characters");
}

#[test]
fn a_body_that_is_not_an_object_is_a_data_error() {
    let err = error("[1, 2]");
    assert_eq!(located(&err), (ParseErrorKind::Data, None, "", 1, 1));
    assert!(err.message().contains("Lago webhook envelope"), "{err}");
}

#[test]
fn a_missing_webhook_type_is_its_own_error() {
    let err = error("\n  {\"object_type\": \"fee\", \"fee\": {}}");
    assert_eq!(located(&err), (ParseErrorKind::MissingWebhookType, None, "", 2, 3));
    assert_eq!(err.to_string(), "missing field `webhook_type` (line 2, column 3)");
}

#[test]
fn a_webhook_type_that_is_not_a_string_is_a_data_error() {
    let err = error(r#"{"webhook_type": 7}"#);
    assert_eq!(located(&err), (ParseErrorKind::Data, None, "/webhook_type", 1, 18));
}

#[test]
fn a_known_type_without_its_payload_is_an_error_not_the_catch_all() {
    let err = error(r#"{"webhook_type": "invoice.created", "object_type": "invoice", "fee": {}}"#);
    assert_eq!(located(&err), (ParseErrorKind::MissingPayload, Some("invoice.created"), "", 1, 1));
    assert_eq!(err.message(), "missing payload field `invoice`");
}

#[test]
fn a_wrongly_typed_value_names_its_path() {
    let body = "{\"webhook_type\": \"fee.created\", \"object_type\": \"fee\",\n\"fee\": {\"amount_cents\": \"ten\"}}";
    let err = error(body);
    assert_eq!(located(&err), (ParseErrorKind::Data, Some("fee.created"), "/fee/amount_cents", 2, 29));
    assert_eq!(
        err.to_string(),
        "fee.created: invalid type: string \"ten\", expected i64 at /fee/amount_cents (line 2, column 29)"
    );
}

#[test]
fn errors_deep_in_arrays_name_the_index() {
    let fixture = crate::fixtures::DOCS.iter().find(|f| f.webhook_type == "invoice.one_off_created").unwrap();
    let body = fixture.verbatim.replacen("\"units\": \"1.0\"", "\"units\": true", 1);
    let err = error(&body);
    assert_eq!(
        located(&err),
        (ParseErrorKind::Data, Some("invoice.one_off_created"), "/invoice/fees/1/units", 108, 13)
    );
}

#[test]
fn a_missing_required_field_names_its_object() {
    let err = error(r#"{"webhook_type": "fee.created", "object_type": "fee", "fee": {"lago_id": "x"}}"#);
    assert_eq!(err.kind(), ParseErrorKind::Data);
    assert_eq!(err.pointer(), "/fee");
    assert!(err.message().starts_with("missing field `"), "{err}");
}

#[test]
fn an_enum_value_of_the_wrong_json_type_is_a_data_error() {
    let err = error(r#"{"webhook_type": "subscription.terminated", "subscription": {"status": 3}}"#);
    assert_eq!(err.pointer(), "/subscription/status");
    assert_eq!(err.kind(), ParseErrorKind::Data);
}

#[test]
fn errors_are_located_when_the_payload_comes_first() {
    let err = error(r#"{"fee": {"amount_cents": []}, "webhook_type": "fee.created"}"#);
    assert_eq!(located(&err), (ParseErrorKind::Data, Some("fee.created"), "/fee/amount_cents", 1, 25));
}

#[test]
fn envelope_keys_given_twice_are_errors_in_any_order() {
    let fee = r#"{"lago_id": "f", "item": {"type": "charge", "code": "c", "name": "n"}, "amount_cents": 1,
        "amount_currency": "EUR", "total_amount_cents": 1, "total_amount_currency": "EUR", "units": "1", "events_count": null}"#;
    let bodies = [
        format!(r#"{{"webhook_type": "nope.x", "webhook_type": "fee.created", "fee": {fee}}}"#),
        format!(r#"{{"webhook_type": "fee.created", "fee": {fee}, "fee": {fee}}}"#),
        format!(r#"{{"fee": {fee}, "webhook_type": "fee.created", "fee": {fee}}}"#),
        format!(r#"{{"fee": {fee}, "fee": {fee}, "webhook_type": "fee.created"}}"#),
        format!(
            r#"{{"webhook_type": "fee.created", "object_type": "fee", "object_type": "fee", "fee": {fee}}}"#
        ),
    ];
    for body in &bodies {
        let err = error(body);
        assert_eq!(err.kind(), ParseErrorKind::Data, "{body}");
        assert!(err.message().starts_with("duplicate field `"), "{err}");
    }
    let body = r#"{"webhook_type": "x.y", "object_type": "x", "x": 1, "x": 2}"#;
    assert_eq!(error(body).message(), "duplicate field `x`");
}

#[test]
fn objects_written_as_arrays_are_wrong_types() {
    let err = error(r#"{"webhook_type": "event.error", "event_error": [422, "x", "code"]}"#);
    assert_eq!((err.kind(), err.pointer()), (ParseErrorKind::Data, "/event_error"));
    assert_eq!(err.message(), "invalid type: sequence, expected a JSON object");
    let fixture = crate::fixtures::DOCS.iter().find(|f| f.webhook_type == "fee.created").unwrap();
    let nested = fixture.verbatim.replace(
        r#""item": {
"type": "subscription",
"code": "plan_code",
"name": "Plan"
}"#,
        r#""item": ["subscription", "plan_code", "Plan"]"#,
    );
    assert_ne!(nested, fixture.verbatim);
    let err = error(&nested);
    assert_eq!((err.kind(), err.pointer()), (ParseErrorKind::Data, "/fee/item"));
    let in_array = r#"{"webhook_type": "invoice.generated", "invoice": {"lago_id": "i", "sequential_id": 1,
        "number": "n", "issuing_date": null, "total_amount_cents": 1, "file_url": null, "fees": [[]]}}"#;
    assert_eq!(error(in_array).pointer(), "/invoice/fees/0");
}
