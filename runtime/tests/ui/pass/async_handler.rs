// The async handler is usable from an async fn, and its futures are Send.
use std::future::Future;

use lago_webhooks::{AsyncWebhookHandler, HandlerResult, Invoice, WebhookEvent};

struct Booker;

impl AsyncWebhookHandler for Booker {
    async fn on_invoice_created(&self, invoice: Invoice) -> HandlerResult {
        let _ = invoice.number;
        Ok(())
    }
}

async fn receive(handler: &Booker, body: &[u8]) -> HandlerResult {
    handler.handle(WebhookEvent::from_slice(body)?).await
}

fn spawnable<F: Future + Send + 'static>(_: F) {}

fn main() {
    spawnable(async {
        let body = br#"{"webhook_type": "invoice.created", "object_type": "invoice", "invoice": {}}"#;
        let _ = receive(&Booker, body).await;
    });
}
