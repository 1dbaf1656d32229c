//! Every way of parsing a body agrees with `WebhookEvent::from_slice`: the borrowed
//! flavour gives the same event (once owned), the same violations and the same errors, on
//! every bundled example, the harshest real deliveries, and hostile bodies.

use lago_webhooks::{ParseError, Validate, Violations, WebhookEvent, WebhookType, borrowed};

use crate::allocations;
use crate::presence;

/// What parsing `body` gives, whichever way: the owned event with its violations, or the
/// error.
fn outcome_owned(body: &[u8]) -> Result<(WebhookEvent, Vec<String>), ParseError> {
    WebhookEvent::from_slice(body).map(|event| {
        let violations = violations(event.validate());
        (event, violations)
    })
}

fn outcome_borrowed(body: &[u8]) -> Result<(WebhookEvent, Vec<String>), ParseError> {
    borrowed::WebhookEvent::from_slice(body).map(|event| {
        let violations = violations(event.validate());
        (event.into_owned(), violations)
    })
}

fn violations(result: Result<(), Violations>) -> Vec<String> {
    result.err().map(|v| v.iter().map(ToString::to_string).collect()).unwrap_or_default()
}

/// Asserts that both flavours agree on `body`; true when it parsed.
fn agree(label: &str, body: &[u8]) -> bool {
    let (owned, borrowed) = (outcome_owned(body), outcome_borrowed(body));
    assert_eq!(owned, borrowed, "{label}: {}", String::from_utf8_lossy(body));
    owned.is_ok()
}

#[test]
fn both_flavours_agree_on_every_example_and_every_harsh_delivery() {
    let table = presence::table();
    let mut parsed = 0;
    for &kind in WebhookType::ALL {
        assert!(agree(kind.as_str(), kind.example().as_bytes()));
        for (label, body) in presence::deliveries(kind, &table) {
            // Envelope keys first, as Lago sends them, and as `Value` would not.
            let body = serde_json::to_vec(&body).unwrap();
            assert!(agree(&format!("{kind} {label}"), &body));
            parsed += 1;
        }
    }
    assert!(parsed > 280, "{parsed} deliveries");
}

#[test]
fn both_flavours_agree_on_hostile_bodies() {
    let hostile: &[&str] = &[
        "",
        "[]",
        "{}",
        r#"{"webhook_type": 5}"#,
        r#"{"webhook_type": "fee.created"}"#,
        r#"{"webhook_type": "fee.created", "fee": []}"#,
        r#"{"webhook_type": "fee.created", "fee": {"lago_id": 7}}"#,
        r#"{"webhook_type": "fee.created", "webhook_type": "fee.created", "fee": {}}"#,
        r#"{"webhook_type": "thing.happened", "object_type": "thing", "thing": {"a": "\u00e9"}}"#,
        r#"{"fee": {}, "webhook_type": "fee.created"}"#,
        r#"{"webhook_type": "fee.created", "organization_id": "o\nrg", "fee": {}} trailing"#,
    ];
    for body in hostile {
        agree(body, body.as_bytes());
    }
    for kind in [WebhookType::InvoiceCreated, WebhookType::FeeCreated, WebhookType::EventError] {
        let example = kind.example().as_bytes();
        // Every prefix, and the payload before the envelope keys.
        for end in (0..example.len()).step_by(7) {
            agree(kind.as_str(), &example[..end]);
        }
        let mut value: serde_json::Value = serde_json::from_str(kind.example()).unwrap();
        let payload = value.as_object_mut().unwrap().remove(kind.payload_key()).unwrap();
        let reordered = format!(r#"{{"{}":{payload},"webhook_type":"{kind}"}}"#, kind.payload_key());
        assert!(agree("payload first", reordered.as_bytes()));
    }
    let mut bytes = WebhookType::FeeCreated.example().as_bytes().to_vec();
    for i in 0..bytes.len() {
        let original = bytes[i];
        for &replacement in b"\"{}[],:0-.e\\ nx\xff" {
            bytes[i] = replacement;
            agree("one byte changed", &bytes);
        }
        bytes[i] = original;
    }
}

#[test]
fn escaped_text_is_copied_and_the_rest_is_borrowed() {
    let body = WebhookType::FeeCreated.example().replacen(r#""lago_id":""#, r#""lago_id":"\u0031"#, 1);
    let event = borrowed::WebhookEvent::from_slice(body.as_bytes()).unwrap();
    let borrowed::WebhookEvent::FeeCreated { fee, organization_id, .. } = &event else { panic!("{event:?}") };
    assert!(!fee.lago_id.is_borrowed(), "an escape sequence is decoded into a copy");
    assert!(fee.lago_id.starts_with('1'));
    assert!(fee.amount_currency.is_borrowed());
    assert!(organization_id.as_ref().is_some_and(|id| id.is_borrowed()));
    assert!(agree("escaped", body.as_bytes()));
}

/// On an invoice or a fee, nearly every allocation of the owned flavour is a copied text;
/// the borrowed one keeps only the payload's box and the arrays. (A message made mostly
/// of free-form JSON, such as event.error's `properties`, saves less: `json` values are
/// owned in both flavours.)
#[test]
fn the_borrowed_flavour_allocates_a_tenth_of_the_owned_one_at_most() {
    for kind in [WebhookType::InvoiceCreated, WebhookType::FeeCreated] {
        let body = kind.example().as_bytes();
        let (owned, owned_allocations) = allocations::count(|| WebhookEvent::from_slice(body).unwrap());
        let (borrowed, borrowed_allocations) =
            allocations::count(|| borrowed::WebhookEvent::from_slice(body).unwrap());
        drop((owned, borrowed));
        assert!(
            borrowed_allocations * 10 <= owned_allocations,
            "{kind}: {borrowed_allocations} allocations borrowed, {owned_allocations} owned"
        );
    }
}

/// A body that is not UTF-8 is read as bytes: the error names the string, with the line
/// and column where serde_json finds the bad byte's string ending.
#[test]
fn a_body_that_is_not_utf8_is_refused_at_its_place() {
    let body = b"{\"webhook_type\": \"fee.created\",\n \"fee\": {\"lago_id\": \"ab\xffcd\"}}";
    let err = WebhookEvent::from_slice(body).unwrap_err();
    assert_eq!(
        (err.kind(), err.line(), err.column()),
        (lago_webhooks::ParseErrorKind::Syntax, 2, 24),
        "{err}"
    );
    assert!(err.to_string().contains("invalid unicode code point"), "{err}");
    assert!(!agree("not UTF-8", body));
}

/// The borrowed handler trait routes each event to its method, and a handler may keep the
/// text it is given for as long as the body lives.
#[test]
fn the_borrowed_handler_routes_each_type_to_its_method_and_may_keep_what_it_reads() {
    #[derive(Default)]
    struct Ids<'a> {
        fees: Vec<borrowed::Text<'a>>,
        invoices: Vec<borrowed::Text<'a>>,
        unknown: Vec<String>,
    }

    impl<'a> borrowed::WebhookHandler<'a> for Ids<'a> {
        fn on_fee_created(&mut self, fee: borrowed::Fee<'a>) -> lago_webhooks::HandlerResult {
            self.fees.push(fee.lago_id);
            Ok(())
        }

        fn on_invoice_created(&mut self, invoice: borrowed::Invoice<'a>) -> lago_webhooks::HandlerResult {
            self.invoices.push(invoice.lago_id);
            Ok(())
        }

        fn on_unknown(&mut self, event: lago_webhooks::UnknownEvent) -> lago_webhooks::HandlerResult {
            self.unknown.push(event.webhook_type().to_owned());
            Ok(())
        }
    }

    let unknown = br#"{"webhook_type": "thing.happened", "object_type": "thing", "thing": {}}"#;
    let bodies = [
        WebhookType::FeeCreated.example().as_bytes(),
        WebhookType::InvoiceCreated.example().as_bytes(),
        WebhookType::CustomerCreated.example().as_bytes(),
        unknown,
    ];
    let mut ids = Ids::default();
    for body in bodies {
        borrowed::WebhookHandler::handle(&mut ids, borrowed::WebhookEvent::from_slice(body).unwrap())
            .unwrap();
    }
    let owned_fee = WebhookEvent::from_slice(bodies[0]).unwrap();
    let WebhookEvent::FeeCreated { fee, .. } = owned_fee else { panic!("{owned_fee:?}") };
    assert_eq!(ids.fees, [fee.lago_id.as_str()]);
    assert!(ids.fees[0].is_borrowed() && ids.invoices[0].is_borrowed());
    assert_eq!(ids.invoices.len(), 1);
    assert_eq!(ids.unknown, ["thing.happened"]);
}
