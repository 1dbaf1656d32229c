//! Compile tests of `lago_webhooks!`: what compiles, and what each kind of mistake says.
//!
//! Compiler output differs between toolchains, so these run on the toolchain the
//! expected output was written with. To accept new output after a deliberate change:
//! `TRYBUILD=overwrite cargo test -p lago-webhooks-compile-tests --test ui`, then review the diff.

#[rustversion::attr(not(stable(1.95)), ignore = "expected compiler output is pinned to Rust 1.95")]
#[test]
fn ui() {
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/specs");
    // SAFETY: this binary runs this one test, so no other thread reads the environment.
    // trybuild builds the cases in a directory of its own; the macro finds their
    // spec files through this variable.
    unsafe { std::env::set_var("LAGO_WEBHOOKS_SPEC_DIR", specs) };
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
