// `include` generates only the chosen messages and what they reach.
lago_webhooks::lago_webhooks!(spec = "tiny.json", include = ["fee.created"]);

// Were these generated, they would be defined twice.
#[allow(dead_code)]
struct Invoice;
#[allow(dead_code)]
struct Customer;
#[allow(dead_code)]
enum InvoiceStatus {}

fn main() {
    assert_eq!(WebhookType::ALL, &[WebhookType::FeeCreated]);
    let _: Option<FeeItemType> = None;
}
