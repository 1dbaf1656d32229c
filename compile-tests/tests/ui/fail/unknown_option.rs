lago_webhooks::lago_webhooks!(spec = "tiny.json", derive = [Eq]);

fn main() {}
