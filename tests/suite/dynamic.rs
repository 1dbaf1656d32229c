//! Specs read at run time (`lago_webhooks::dynamic`): what they find in a body equals what
//! the code generated from the same spec finds, violation for violation, and their
//! receiver answers as the generated one does.

use std::collections::HashMap;

use lago_webhooks::dynamic::{DynamicSpec, PARSE_RULES, SpecSource};
use lago_webhooks::{Validate, Violation, Violations, WebhookEvent};
use serde_json::{Value, json};

use crate::mutated_specs::{edit, nodes, replacements};

const BUNDLED: &str = include_str!("../../spec/lago-webhooks.json");

fn bundled() -> DynamicSpec {
    DynamicSpec::from_source(&SpecSource::new("bundled", BUNDLED)).unwrap()
}

/// A spec of one message, `thing.happened`, whose payload `thing` is a `Thing` with these
/// fields, and these other objects.
fn tiny(fields: Value, objects: Value) -> DynamicSpec {
    let mut all = vec![json!({"name": "Thing", "description": "A thing.", "fields": fields})];
    all.extend(objects.as_array().cloned().unwrap_or_default());
    let text = json!({
        "format_version": 1, "title": "Tiny",
        "messages": [{"webhook_type": "thing.happened", "object_type": "thing", "payload_key": "thing",
                      "payload": "Thing", "title": "Thing happened", "description": "A thing happened."}],
        "objects": all,
    });
    DynamicSpec::from_source(&SpecSource::new("tiny.json", text.to_string())).unwrap()
}

fn example(spec: &DynamicSpec, webhook_type: &str) -> Value {
    let message = spec.message(webhook_type).unwrap();
    serde_json::from_str(message.example.as_deref().unwrap()).unwrap()
}

/// A violation as `check --spec` prints it.
fn show(violation: &Violation) -> String {
    match violation.pointer() {
        "" => violation.message().to_owned(),
        _ => violation.to_string(),
    }
}

fn found(spec: &DynamicSpec, body: &Value) -> Vec<(String, &'static str)> {
    let report = spec.inspect(body);
    report.violations.iter().map(|v| (v.pointer().to_owned(), v.rule())).collect()
}

fn pairs(expected: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    expected.iter().map(|(p, r)| ((*p).to_owned(), *r)).collect()
}

#[test]
fn every_bundled_example_is_valid() {
    let spec = bundled();
    for message in &spec.resolved().messages {
        let body: Value = serde_json::from_str(message.example.as_deref().unwrap()).unwrap();
        let report = spec.inspect(&body);
        assert!(report.violations.is_empty(), "{}: {}", message.webhook_type, report.violations);
        assert_eq!(report.webhook_type.as_deref(), Some(message.webhook_type.as_str()));
    }
}

/// A message, a pointer into its example, the value put there (`None` removes it), and
/// the (pointer, rule) of every problem expected.
type Case<'a> = (&'a str, &'a str, Option<Value>, &'static [(&'static str, &'static str)]);

#[test]
fn broken_bundled_payloads_give_each_problem_its_pointer_and_rule() {
    let spec = bundled();
    let failure = "/payment_provider_invoice_payment_error/provider_error";
    let error_code = format!("{failure}/error_code");
    let cases: &[Case<'_>] = &[
        ("fee.created", "/fee/amount_cents", Some(json!("ten")), &[("/fee/amount_cents", "type")]),
        ("fee.created", "/fee/amount_cents", Some(json!(1.5)), &[("/fee/amount_cents", "type")]),
        ("fee.created", "/fee/lago_id", None, &[("/fee/lago_id", "required")]),
        ("fee.created", "/fee/lago_id", Some(Value::Null), &[("/fee/lago_id", "null")]),
        ("fee.created", "/fee/item", Some(json!([])), &[("/fee/item", "type")]),
        // Nullable and optional keys may be absent or null.
        ("fee.created", "/fee/lago_charge_id", None, &[]),
        ("fee.created", "/fee/payment_status", Some(Value::Null), &[]),
        ("fee.created", "/fee/lago_id", Some(json!("x")), &[("/fee/lago_id", "format.uuid")]),
        (
            "invoice.created",
            "/invoice/issuing_date",
            Some(json!("2023-02-29")),
            &[("/invoice/issuing_date", "format.date")],
        ),
        // Not a currency code: reported once, by its format, and the next root
        // candidate holds the rule.
        (
            "fee.created",
            "/fee/amount_currency",
            Some(json!("EURO")),
            &[("/fee/amount_currency", "format.currency")],
        ),
        ("fee.created", "/fee/payment_status", Some(json!("lost")), &[("/fee/payment_status", "enum")]),
        (
            "fee.created",
            "/fee/total_amount_currency",
            Some(json!("USD")),
            &[("/fee/total_amount_currency", "same_currency")],
        ),
        ("fee.created", "/fee/total_amount_cents", Some(json!(49)), &[("/fee/total_amount_cents", "sum")]),
        ("fee.created", "/fee/units", Some(json!("1,5")), &[("/fee/units", "format.decimal")]),
        ("fee.created", "/fee/units", Some(json!(12.6)), &[]),
        ("fee.created", "/fee/units", Some(json!(true)), &[("/fee/units", "type")]),
        // The integer variant of ErrorCode, then a kind no variant takes.
        ("invoice.payment_failure", &error_code, Some(json!(402)), &[]),
        (
            "invoice.payment_failure",
            &error_code,
            Some(json!(4.5)),
            &[("/payment_provider_invoice_payment_error/provider_error/error_code", "type")],
        ),
        (
            "invoice.payment_failure",
            failure,
            Some(json!(true)),
            &[("/payment_provider_invoice_payment_error/provider_error", "type")],
        ),
        ("invoice.payment_failure", failure, Some(json!("card declined")), &[]),
        (
            "invoice.created",
            "/invoice/fees/1/amount_cents",
            Some(json!(-5)),
            &[("/invoice/fees/1/amount_cents", "minimum"), ("/invoice/fees/1/total_amount_cents", "sum")],
        ),
        (
            "invoice.created",
            "/invoice/fees/1/amount_cents",
            Some(json!("x")),
            &[("/invoice/fees/1/amount_cents", "type")],
        ),
        // A fee in another currency than its invoice: the invoice's rule.
        // A fee in another currency than its invoice: the fee's other currencies
        // differ from its own root, and that one from the invoice's.
        (
            "invoice.created",
            "/invoice/fees/1/amount_currency",
            Some(json!("USD")),
            &[
                ("/invoice/fees/1/total_amount_currency", "same_currency"),
                ("/invoice/fees/1/amount_currency", "same_currency"),
            ],
        ),
        ("fee.created", "/webhook_type", Some(json!("fee.vanished")), &[("/webhook_type", "webhook_type")]),
        ("fee.created", "/webhook_type", None, &[("/webhook_type", "required")]),
        ("fee.created", "/webhook_type", Some(json!(7)), &[("/webhook_type", "type")]),
        ("fee.created", "/fee", None, &[("/fee", "required")]),
        ("fee.created", "/fee", Some(Value::Null), &[("/fee", "null")]),
        // Unknown keys are ignored, in the envelope and in objects.
        ("fee.created", "/fee/carbon_grams", Some(json!(12)), &[]),
        ("fee.created", "/delivered_by", Some(json!({})), &[]),
    ];
    for (webhook_type, pointer, value, expected) in cases {
        let body = edit(example(&spec, webhook_type), pointer, value.clone());
        assert_eq!(found(&spec, &body), pairs(expected), "{webhook_type} {pointer} = {value:?}");
    }
    assert_eq!(found(&spec, &json!([1])), pairs(&[("", "type")]));
}

#[test]
fn every_problem_is_reported_and_parse_problems_make_a_body_malformed() {
    let spec = bundled();
    let mut body = example(&spec, "fee.created");
    body["fee"]["lago_id"] = json!("x");
    body["fee"]["payment_status"] = json!("lost");
    let report = spec.inspect(&body);
    assert_eq!(report.violations.len(), 2);
    assert!(!report.is_malformed(), "constraint violations parse");
    body["fee"]["amount_cents"] = json!("ten");
    let report = spec.inspect(&body);
    assert_eq!(report.violations.len(), 3);
    assert!(report.is_malformed());
    let text: Vec<String> = report.violations.iter().map(show).collect();
    assert!(text.contains(&"/fee/amount_cents: expected an integer, found a string".to_owned()), "{text:?}");
    assert!(text.contains(&"/fee/payment_status: `lost` is not a value of FeePaymentStatus".to_owned()));
}

#[test]
fn keys_are_escaped_in_pointers_and_custom_constraints_apply() {
    let spec = tiny(
        json!([
            {"name": "a/b~c", "type": "string", "description": "Odd key.", "non_empty": true},
            {"name": "contact", "type": "string", "optional": true, "format": "email", "description": "Mail."},
            {"name": "status", "type": "integer", "minimum": 100, "maximum": 599, "description": "Code."},
            {"name": "tags", "type": "id[]", "optional": true, "description": "Ids."},
            {"name": "data", "type": "json", "description": "Anything, null too."}
        ]),
        json!([]),
    );
    let body = json!({"webhook_type": "thing.happened", "thing": {
        "a/b~c": "", "contact": "nobody", "status": 600, "tags": ["5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "x", null],
        "data": null
    }});
    assert_eq!(
        found(&spec, &body),
        pairs(&[
            ("/thing/a~1b~0c", "non_empty"),
            ("/thing/contact", "format.email"),
            ("/thing/status", "maximum"),
            ("/thing/tags/1", "format.uuid"),
            ("/thing/tags/2", "null"),
        ])
    );
    let missing = json!({"webhook_type": "thing.happened", "thing": {"a/b~c": "x", "status": 200}});
    assert_eq!(found(&spec, &missing), pairs(&[("/thing/data", "required")]));
}

#[test]
fn a_float_read_from_an_integer_beyond_64_bits_says_it_may_be_one() {
    let spec = tiny(json!([{"name": "count", "type": "integer", "description": "A count."}]), json!([]));
    // serde_json reads an integer beyond u64 as a float.
    let body: Value = serde_json::from_str(
        r#"{"webhook_type": "thing.happened", "thing": {"count": 18446744073709551616}}"#,
    )
    .unwrap();
    let report = spec.inspect(&body);
    let text: Vec<String> = report.violations.iter().map(show).collect();
    assert_eq!(
        text,
        [
            "/thing/count: expected an integer, found a number with a fraction or an exponent, or beyond 64 bits"
        ]
    );
}

#[test]
fn a_spec_the_generator_refuses_is_refused_without_a_crash() {
    // Arrays nested far deeper than the generator allows.
    let ty = format!("integer{}", "[]".repeat(200_000));
    let text = json!({
        "format_version": 1, "title": "Deep",
        "messages": [{"webhook_type": "thing.happened", "object_type": "thing", "payload_key": "thing",
                      "payload": "Thing", "title": "Thing happened", "description": "A thing happened."}],
        "objects": [{"name": "Thing", "description": "A thing.", "fields": [
            {"name": "deep", "type": ty, "description": "Deep."}
        ]}],
    });
    let errors = DynamicSpec::from_source(&SpecSource::new("deep.json", text.to_string())).unwrap_err();
    assert!(errors.to_string().contains("(at /objects/0/fields/0/type)"), "{}", errors.len());
}

#[test]
fn objects_that_nest_themselves_are_walked_to_a_limit_without_failing() {
    let spec = tiny(
        json!([{"name": "child", "type": "Thing", "optional": true, "description": "Nested."},
               {"name": "id", "type": "id", "description": "Its id."}]),
        json!([]),
    );
    let mut thing = json!({"id": "x"});
    for _ in 0..lago_webhooks::dynamic::MAX_DEPTH + 10 {
        thing = json!({"id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "child": thing});
    }
    let report = spec.inspect(&json!({"webhook_type": "thing.happened", "thing": thing}));
    let rules: Vec<&str> = report.violations.iter().map(|v| v.rule()).collect();
    assert_eq!(rules, ["depth"]);
    assert!(report.violations.iter().next().unwrap().pointer().starts_with("/thing/child/child/"));
}

/// Every value of bundled examples replaced by values of several kinds (or removed),
/// and every object given an unknown key: each body validated by the types compiled
/// from the bundled spec and by the interpreted spec. Where the compiled types parse the
/// body, both report the same violations (pointer, rule, value and message) in the same
/// order; where they refuse it, the interpreted spec reports a parse problem where the
/// parse error is (for a missing key, in the object that lacks it).
///
/// Messages sharing a payload object would repeat the same checks: the largest example
/// of each payload object is mutated.
#[test]
fn interpreted_violations_equal_the_compiled_ones_on_mutated_examples() {
    let spec = bundled();
    let examples: Vec<(usize, Value)> = (spec.resolved().messages.iter())
        .map(|m| (m.payload.index(), serde_json::from_str(m.example.as_deref().unwrap()).unwrap()))
        .collect();
    let mut largest: HashMap<usize, (usize, &Value)> = HashMap::new();
    for (payload, example) in &examples {
        let mut pointers = Vec::new();
        nodes(example, String::new(), &mut pointers);
        let entry = largest.entry(*payload).or_insert((0, example));
        if pointers.len() > entry.0 {
            *entry = (pointers.len(), example);
        }
    }
    let (mut compared, mut refused) = (0, 0);
    for (_, original) in largest.values() {
        let mut pointers = Vec::new();
        nodes(original, String::new(), &mut pointers);
        for pointer in pointers.iter().filter(|p| !p.is_empty()) {
            let node = original.pointer(pointer).unwrap();
            for replacement in replacements(node) {
                let body = edit((*original).clone(), pointer, replacement.clone());
                let report = spec.inspect(&body);
                let context = format!("{} {pointer} = {replacement:?}", original["webhook_type"]);
                if report.violations.iter().any(|v| v.rule() == "webhook_type") {
                    // A type the spec lacks: the compiled types keep it as unknown.
                    continue;
                }
                match WebhookEvent::from_slice(&serde_json::to_vec(&body).unwrap()) {
                    Ok(event) => {
                        compared += 1;
                        let compiled = event.validate().err().map(Violations::into_vec).unwrap_or_default();
                        let interpreted = report.violations.clone().into_vec();
                        assert_eq!(interpreted, compiled, "{context}");
                    }
                    Err(err) => {
                        refused += 1;
                        assert!(report.is_malformed(), "{context}: compiled refuses it: {err}");
                        let at = |v: &Violation| {
                            let parent = v.pointer().rsplit_once('/').map_or("", |(parent, _)| parent);
                            v.pointer() == err.pointer() || v.rule() == "required" && parent == err.pointer()
                        };
                        let parse: Vec<&Violation> =
                            report.violations.iter().filter(|v| PARSE_RULES.contains(&v.rule())).collect();
                        assert!(parse.iter().any(|v| at(v)), "{context}: {err} vs {parse:?}");
                    }
                }
            }
        }
    }
    assert!(compared > 5_000 && refused > 3_000, "{compared} compared, {refused} refused");
}

/// A parse problem is a `ParseError` as generated code gives one: its kind, the webhook
/// type, the pointer, and the line and column of the value (or of the object lacking a
/// key).
#[test]
fn parse_errors_are_located_in_the_body() {
    let spec = tiny(
        json!([{"name": "count", "type": "integer", "description": "A count."},
               {"name": "note", "type": "string", "description": "A note."}]),
        json!([]),
    );
    let body =
        b"{\n  \"webhook_type\": \"thing.happened\",\n  \"thing\": {\"count\": \"ten\", \"note\": \"x\"}\n}";
    let err = spec.parse(body).unwrap_err();
    assert_eq!(err.kind(), lago_webhooks::ParseErrorKind::Data);
    assert_eq!((err.webhook_type(), err.pointer()), (Some("thing.happened"), "/thing/count"));
    assert_eq!((err.line(), err.column()), (3, 22));
    assert_eq!(err.message(), "expected an integer, found a string");

    let missing = b"{\"webhook_type\": \"thing.happened\", \"thing\": {\"count\": 1}}";
    let err = spec.parse(missing).unwrap_err();
    assert_eq!((err.pointer(), err.line(), err.column()), ("/thing", 1, 45));
    assert_eq!(err.message(), "missing field `note`");
    let err = spec.parse(b"{\"thing\": {}}").unwrap_err();
    assert_eq!(err.kind(), lago_webhooks::ParseErrorKind::MissingWebhookType);
    let err = spec.parse(b"{\"webhook_type\": \"thing.happened\"}").unwrap_err();
    assert_eq!(err.kind(), lago_webhooks::ParseErrorKind::MissingPayload);
    let err = spec.parse(b"{\"webhook_type\": ").unwrap_err();
    assert_eq!(err.kind(), lago_webhooks::ParseErrorKind::Eof);

    // A type the spec does not list parses, as generated code keeps it as unknown.
    let event = spec.parse(br#"{"webhook_type": "thing.vanished", "organization_id": "o-1"}"#).unwrap();
    assert!(event.message().is_none() && event.payload().is_none());
    assert_eq!(lago_webhooks::Webhook::organization_id(&event), Some("o-1"));
    assert!(event.validate().is_ok());
}

mod receiving {
    //! A spec read at run time goes through the same receiver as generated types: the
    //! bundled spec, read at run time, is answered as its compiled types are.

    use http::HeaderMap;
    use lago_webhooks::dynamic::{DynamicEvent, DynamicHandler};
    use lago_webhooks::receiver::{Outcome, Receiver};
    use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
    use lago_webhooks::{AsyncWebhookHandler, Delivery, HandlerResult, Refusal, WebhookType};

    use super::*;

    struct Compiled;

    impl AsyncWebhookHandler for Compiled {
        async fn on_fee_created(&self, _: lago_webhooks::Fee, _: &Delivery) -> HandlerResult {
            Err("fee handler fails".into())
        }
    }

    struct Interpreted;

    impl DynamicHandler for Interpreted {
        async fn handle(&self, event: DynamicEvent, _: &Delivery) -> HandlerResult {
            match event.webhook_type() {
                "fee.created" => Err("fee handler fails".into()),
                _ => Ok(()),
            }
        }
    }

    fn signed(body: &[u8], key: &str, unique: &str) -> HeaderMap {
        lago_headers(Algorithm::Hmac, &HmacKey::new(key).sign(body), unique).unwrap()
    }

    /// What a receiver answered, comparable across event types: the outcome's name and
    /// status, and for a malformed body, where and of what kind the problem is.
    fn answer(outcome: &Outcome) -> (String, u16, Option<(String, lago_webhooks::ParseErrorKind)>) {
        let malformed = match outcome {
            Outcome::Refused(Refusal::Malformed(err)) => Some((err.pointer().to_owned(), err.kind())),
            _ => None,
        };
        (outcome.name().to_owned(), outcome.status().as_u16(), malformed)
    }

    #[tokio::test]
    async fn the_same_deliveries_get_the_same_answers() {
        let verifier = || Verifier::new().with_hmac("k").unwrap();
        let compiled = Receiver::new(verifier(), Compiled).with_body_limit(64 * 1024).with_validation(true);
        let interpreted =
            bundled().receiver(verifier(), Interpreted).with_body_limit(64 * 1024).with_validation(true);
        let invoice = WebhookType::InvoiceCreated.example().as_bytes().to_vec();
        let mut wrong_type: Value = serde_json::from_slice(&invoice).unwrap();
        wrong_type["invoice"]["fees"][0]["units"] = json!(true);
        let mut invalid: Value = serde_json::from_slice(&invoice).unwrap();
        invalid["invoice"]["lago_id"] = json!("not-a-uuid");
        let mut missing: Value = serde_json::from_slice(&invoice).unwrap();
        missing["invoice"].as_object_mut().unwrap().remove("number");
        let unknown = br#"{"webhook_type": "invoice.teleported", "object_type": "invoice"}"#.to_vec();
        let fee = WebhookType::FeeCreated.example().as_bytes().to_vec();
        let cases: Vec<(&str, Vec<u8>, HeaderMap)> = vec![
            ("valid", invoice.clone(), signed(&invoice, "k", "u-1")),
            ("retried", invoice.clone(), signed(&invoice, "k", "u-1")),
            ("unsigned", invoice.clone(), signed(&invoice, "other", "u-2")),
            ("not JSON", b"{\"webhook_type\": ".to_vec(), signed(b"{\"webhook_type\": ", "k", "u-3")),
            (
                "wrong type",
                wrong_type.to_string().into_bytes(),
                signed(wrong_type.to_string().as_bytes(), "k", "u-4"),
            ),
            (
                "missing field",
                missing.to_string().into_bytes(),
                signed(missing.to_string().as_bytes(), "k", "u-5"),
            ),
            ("invalid", invalid.to_string().into_bytes(), signed(invalid.to_string().as_bytes(), "k", "u-6")),
            ("unknown type", unknown.clone(), signed(&unknown, "k", "u-7")),
            ("handler fails", fee.clone(), signed(&fee, "k", "u-8")),
            ("too large", vec![b' '; 65 * 1024], signed(&vec![b' '; 65 * 1024], "k", "u-9")),
        ];
        let mut names = Vec::new();
        for (what, body, headers) in &cases {
            let expected = answer(&compiled.receive(headers, body).await);
            let got = answer(&interpreted.receive(headers, body).await);
            assert_eq!(got, expected, "{what}");
            names.push(expected.0);
        }
        assert_eq!(
            names,
            [
                "handled",
                "duplicate",
                "unverified",
                "malformed",
                "malformed",
                "malformed",
                "invalid",
                "handled",
                "failed",
                "too_large"
            ]
        );
    }

    #[tokio::test]
    async fn an_inspected_delivery_is_shown_once_parsed_and_a_refused_one_is_not() {
        let receiver = bundled().receiver(Verifier::new().with_hmac("k").unwrap(), Interpreted);
        let body = WebhookType::InvoiceCreated.example().as_bytes();
        let mut seen = Vec::new();
        let outcome = receiver
            .receive_inspected(&signed(body, "k", "u-1"), body, |received| {
                seen.push(received.event.payload().map(|p| p["number"].clone()))
            })
            .await;
        assert_eq!(outcome.name(), "handled");
        assert_eq!(seen.len(), 1);
        assert!(seen[0].as_ref().is_some_and(Value::is_string), "{seen:?}");
        let outcome = receiver.receive_inspected(&signed(body, "no", "u-2"), body, |_| seen.push(None)).await;
        assert_eq!(outcome.name(), "unverified");
        assert_eq!(seen.len(), 1);
    }
}
