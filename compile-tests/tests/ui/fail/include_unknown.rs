lago_webhooks::lago_webhooks!(spec = "tiny.json", include = ["fee.created", "invoice.creatd"]);

fn main() {}
