//! The runtime crate carries copies of the bundled spec and of the README (a published
//! crate cannot read files outside its folder, and symbolic links do not survive every
//! checkout); they must stay identical to the originals.

/// Fails with what to copy and the first line that differs, not both files whole.
#[track_caller]
fn assert_copy(copy: &str, original: &str, what: &str) {
    if copy == original {
        return;
    }
    let line = copy.lines().zip(original.lines()).take_while(|(a, b)| a == b).count() + 1;
    let shown = |text: &str| text.lines().nth(line - 1).unwrap_or("(the end of the file)").to_owned();
    panic!(
        "{what}: they differ from line {line}:\n  copy:     {}\n  original: {}",
        shown(copy),
        shown(original)
    );
}

#[test]
fn the_runtime_carries_the_bundled_spec_unchanged() {
    assert_copy(
        include_str!("../../runtime/spec/lago-webhooks.json"),
        include_str!("../../spec/lago-webhooks.json"),
        "copy spec/lago-webhooks.json to runtime/spec/",
    );
}

#[test]
fn the_command_carries_the_bundled_spec_unchanged() {
    assert_copy(
        include_str!("../../cli/spec/lago-webhooks.json"),
        include_str!("../../spec/lago-webhooks.json"),
        "copy spec/lago-webhooks.json to cli/spec/",
    );
}

#[test]
fn the_runtime_carries_the_readme_unchanged() {
    assert_copy(
        include_str!("../../runtime/README.md"),
        include_str!("../../README.md"),
        "copy README.md to runtime/",
    );
}

#[test]
fn the_spec_readme_notes_every_quirk_with_its_decision() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../spec/lago-webhooks.json")).unwrap();
    let readme = include_str!("../../spec/README.md");
    let quirks = spec["quirks"].as_array().unwrap();
    assert!(quirks.len() >= 30, "the docs page has many inconsistencies");
    for quirk in quirks {
        let id = quirk["id"].as_str().unwrap();
        assert!(readme.contains(&format!("### `{id}`")), "spec/README.md has no note for `{id}`");
        let decision = quirk["decision"].as_str().unwrap();
        assert!(readme.contains(decision), "the note for `{id}` does not state its decision");
    }
}

#[test]
fn the_runtime_carries_the_changelog_and_licenses_unchanged() {
    assert_copy(
        include_str!("../../runtime/CHANGELOG.md"),
        include_str!("../../CHANGELOG.md"),
        "copy CHANGELOG.md to runtime/",
    );
    for (copy, original) in [
        (include_str!("../../runtime/LICENSE-MIT"), include_str!("../../LICENSE-MIT")),
        (include_str!("../../cli/LICENSE-MIT"), include_str!("../../LICENSE-MIT")),
        (include_str!("../../cli/LICENSE-APACHE"), include_str!("../../LICENSE-APACHE")),
        (include_str!("../../runtime/LICENSE-APACHE"), include_str!("../../LICENSE-APACHE")),
        (include_str!("../../macros/LICENSE-MIT"), include_str!("../../LICENSE-MIT")),
        (include_str!("../../macros/LICENSE-APACHE"), include_str!("../../LICENSE-APACHE")),
        (include_str!("../../codegen/LICENSE-MIT"), include_str!("../../LICENSE-MIT")),
        (include_str!("../../codegen/LICENSE-APACHE"), include_str!("../../LICENSE-APACHE")),
    ] {
        assert_copy(copy, original, "copy the licenses to each published crate");
    }
}
