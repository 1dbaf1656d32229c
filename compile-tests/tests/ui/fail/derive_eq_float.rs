// `Tally.ratio` is an `f64`: neither `Eq` nor `Hash` can hold, and `Ord` needs
// `PartialOrd` as well. Each derive is refused at its place in the list, naming the
// fields in its way; the code is still emitted without them, so using `Tally` adds no
// error.
lago_webhooks::lago_webhooks!(spec = "borrowed-shapes.json", derives = [Eq, ::core::hash::Hash, Ord]);

fn main() {
    let _unused: Option<Tally> = None;
}
