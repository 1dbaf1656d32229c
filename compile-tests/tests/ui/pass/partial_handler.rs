// A handler implements only the methods it needs; the rest accept and ignore.
lago_webhooks::lago_webhooks!(spec = "tiny.json");

use lago_webhooks::HandlerResult;

#[derive(Default)]
struct Fees(Vec<String>);

impl WebhookHandler for Fees {
    fn on_fee_created(&mut self, fee: Fee) -> HandlerResult {
        self.0.push(fee.lago_id.into());
        Ok(())
    }
}

fn main() {
    let mut fees = Fees::default();
    let other = r#"{"webhook_type": "invoice.created", "object_type": "invoice",
        "invoice": {"lago_id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "number": "LAG-1", "total_amount_cents": 1}}"#;
    fees.handle(other.parse::<WebhookEvent>().unwrap()).unwrap();
    assert!(fees.0.is_empty());
    let fee = r#"{"webhook_type": "fee.created", "object_type": "fee", "fee": {"lago_id": "b7ab2926-1de8-4428-9bcd-779314ac129b",
        "units": "1.0", "item": {"type": "charge", "code": "seats"}}}"#;
    fees.handle(fee.parse::<WebhookEvent>().unwrap()).unwrap();
    assert_eq!(fees.0, ["b7ab2926-1de8-4428-9bcd-779314ac129b"]);
}
