// The types of a whole spec in a private module, none of them used: no warning, as for
// the file `lago-webhooks generate` writes and a crate keeps as `mod generated;`.
#![deny(warnings)]

mod webhooks {
    lago_webhooks::lago_webhooks!(spec = "borrowed-shapes.json", borrowed = true);
}

mod tiny {
    lago_webhooks::lago_webhooks!(spec = "tiny.json", derives = [Eq, Hash]);
}

fn main() {}
