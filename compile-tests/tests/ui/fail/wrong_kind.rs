lago_webhooks::lago_webhooks!(spec = "tiny.json", derives = "Eq");

fn main() {}
