lago_webhooks::lago_webhooks!(spec = "name-collision.json");

fn main() {}
