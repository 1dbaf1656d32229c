// A handler of one spec's trait given to the receiver of another spec.
mod billing {
    lago_webhooks::lago_webhooks!(spec = "tiny.json");
}

mod ledger {
    lago_webhooks::lago_webhooks!(spec = "ledger.json");
}

struct Books;

impl billing::AsyncWebhookHandler for Books {}

fn main() {
    let _ = ledger::receiver(lago_webhooks::verify::Verifier::new(), Books);
}
