lago_webhooks::lago_webhooks!(spec = "duplicate-webhook-type.json");

fn main() {}
