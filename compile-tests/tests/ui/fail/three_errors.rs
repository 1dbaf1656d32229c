lago_webhooks::lago_webhooks!(spec = "three-errors.json");

fn main() {}
