// A handler implements only the methods it needs; the rest accept and ignore.
use lago_webhooks::{Fee, HandlerResult, WebhookEvent, WebhookHandler, WebhookType};

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
    let other = WebhookType::PlanCreated.example();
    fees.handle(WebhookEvent::from_str(other).unwrap()).unwrap();
    assert!(fees.0.is_empty());
}
