lago_webhooks::lago_webhooks!(spec = "missing-key.json");

fn main() {}
