lago_webhooks::lago_webhooks!(spec = "version-2.json");

fn main() {}
