lago_webhooks::lago_webhooks!(spec = "unknown-type.json");

// The error is the spec's alone: code using the generated names adds none.
fn main() {
    let _ = WebhookEvent::from_slice(b"{}");
    let _: Option<Invoice> = None;
    let _ = WebhookType::FeeCreated;
}
