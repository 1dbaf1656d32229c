lago_webhooks::lago_webhooks!(spec = "example-mismatch.json");

fn main() {}
