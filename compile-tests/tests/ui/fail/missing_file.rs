lago_webhooks::lago_webhooks!(spec = "does-not-exist.json");

fn main() {}
