lago_webhooks::lago_webhooks!(spec = "tiny.json", spec = "tiny.json");

fn main() {}
