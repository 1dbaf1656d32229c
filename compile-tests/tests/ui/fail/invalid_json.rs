lago_webhooks::lago_webhooks!(spec = "invalid-json.json");

fn main() {}
