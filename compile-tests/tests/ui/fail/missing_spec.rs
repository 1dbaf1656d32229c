lago_webhooks::lago_webhooks!(include = ["fee.created"]);

fn main() {}
