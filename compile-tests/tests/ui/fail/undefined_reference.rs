lago_webhooks::lago_webhooks!(spec = "undefined-reference.json");

fn main() {}
