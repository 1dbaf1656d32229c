// The async handler is usable from an async fn, sees the delivery, and its futures are Send.
use std::future::Future;

lago_webhooks::lago_webhooks!(spec = "tiny.json");

use lago_webhooks::{Delivery, HandlerResult};

struct Booker;

impl AsyncWebhookHandler for Booker {
    async fn on_invoice_created(&self, invoice: Invoice, delivery: &Delivery) -> HandlerResult {
        let _ = (invoice.number, &delivery.unique_key, &delivery.organization_id, delivery.algorithm);
        Ok(())
    }
}

async fn receive(handler: &Booker, body: &[u8]) -> HandlerResult {
    handler.handle(WebhookEvent::from_slice(body)?, &Delivery::with_unique_key("k1")).await
}

fn spawnable<F: Future + Send + 'static>(_: F) {}

fn main() {
    spawnable(async {
        let body = br#"{"webhook_type": "invoice.created", "object_type": "invoice", "invoice": {}}"#;
        let _ = receive(&Booker, body).await;
    });
    // The receiver generated beside the types takes this handler.
    let _ = receiver(lago_webhooks::verify::Verifier::new(), Booker);
}
