//! The runtime crate carries copies of the bundled spec and of the README (a published
//! crate cannot read files outside its folder, and symbolic links do not survive every
//! checkout); they must stay identical to the originals.

#[test]
fn the_runtime_carries_the_bundled_spec_unchanged() {
    assert_eq!(
        include_str!("../../runtime/spec/lago-webhooks.json"),
        include_str!("../../spec/lago-webhooks.json"),
        "copy spec/lago-webhooks.json to runtime/spec/"
    );
}

#[test]
fn the_runtime_carries_the_readme_unchanged() {
    assert_eq!(
        include_str!("../../runtime/README.md"),
        include_str!("../../README.md"),
        "copy README.md to runtime/"
    );
}
