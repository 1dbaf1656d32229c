//! Files that exist twice, each copy generated from its original: the published crates
//! carry the bundled spec, the README, the changelog and the licenses (a published crate
//! cannot read files outside its folder, and symbolic links do not survive every
//! checkout), the fuzz targets start from seeds made of the spec and its examples, and the
//! parse bench's hand-written baseline is the model of three examples (see `baseline`).
//!
//! `LAGO_WEBHOOKS_WRITE_COPIES=1 cargo test --test suite copies` writes every copy from its
//! original; without it, a copy that differs fails with what to run.

use std::path::{Path, PathBuf};

use lago_webhooks::WebhookType;
use lago_webhooks::verify::HmacKey;

/// Set to write the copies instead of checking them.
const WRITE: &str = "LAGO_WEBHOOKS_WRITE_COPIES";

/// The HMAC key of the `verify` fuzz target's seeds.
const FUZZ_HMAC_KEY: &str = "fuzz-hmac-key";

/// The messages whose signed deliveries seed the `verify` fuzz target.
const VERIFY_SEEDS: &[WebhookType] = &[
    WebhookType::AlertTriggered,
    WebhookType::BillableMetricCreated,
    WebhookType::BillableMetricDeleted,
    WebhookType::BillableMetricUpdated,
    WebhookType::CustomerAccountingProviderCreated,
    WebhookType::CustomerAccountingProviderError,
    WebhookType::CustomerCreated,
    WebhookType::CustomerUpdated,
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(workspace().join(path))
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Every copy and what it must hold.
fn copies() -> Vec<(PathBuf, Vec<u8>)> {
    let mut copies = Vec::new();
    let mut copy = |original: &str, copies_of: &[&str]| {
        let text = read(Path::new(original));
        for folder in copies_of {
            let name = Path::new(original).file_name().unwrap();
            copies.push((Path::new(folder).join(name), text.clone()));
        }
    };
    copy("spec/lago-webhooks.json", &["runtime/spec", "cli/spec", "fuzz/seeds/spec_codegen"]);
    copy("README.md", &["runtime"]);
    copy("CHANGELOG.md", &["runtime"]);
    for license in ["LICENSE-MIT", "LICENSE-APACHE"] {
        copy(license, &["runtime", "cli", "macros", "codegen", "core"]);
    }
    let specs = workspace().join("compile-tests/tests/ui/specs");
    for entry in std::fs::read_dir(&specs).unwrap() {
        let name = entry.unwrap().file_name();
        let original = Path::new("compile-tests/tests/ui/specs").join(&name);
        copies.push((Path::new("fuzz/seeds/spec_codegen").join(&name), read(&original)));
    }
    for webhook_type in WebhookType::ALL {
        let name = format!("{}.json", webhook_type.as_str().replace('.', "_"));
        copies.push((Path::new("fuzz/seeds/parse_validate").join(name), webhook_type.example().into()));
    }
    for (index, webhook_type) in VERIFY_SEEDS.iter().enumerate() {
        // Laid out as the target reads it: signature, algorithm and unique key, each ended
        // by a 0 byte, then the body.
        let body = webhook_type.example();
        let signature = HmacKey::new(FUZZ_HMAC_KEY).sign(body.as_bytes());
        let key = format!("3f0e9a52-7b1c-4d8e-a6f4-1c2b3d4e5f{index:02}");
        let seed = format!("{signature}\0hmac\0{key}\0{body}");
        let name = format!("hmac_{}", webhook_type.as_str().replace('.', "_"));
        copies.push((Path::new("fuzz/seeds/verify").join(name), seed.into_bytes()));
    }
    copies.push((PathBuf::from("benches/handwritten.rs"), crate::baseline::handwritten().into_bytes()));
    copies
}

/// Fails with the first line that differs and what to run, not both files whole.
fn differs(path: &Path, copy: &[u8], original: &[u8]) -> Option<String> {
    if copy == original {
        return None;
    }
    let (copy, original) = (String::from_utf8_lossy(copy), String::from_utf8_lossy(original));
    let line = copy.lines().zip(original.lines()).take_while(|(a, b)| a == b).count() + 1;
    let shown = |text: &str| text.lines().nth(line - 1).unwrap_or("(the end of the file)").to_owned();
    Some(format!(
        "{} differs from line {line}:\n  copy:     {}\n  original: {}",
        path.display(),
        shown(&copy),
        shown(&original)
    ))
}

#[test]
fn every_copy_is_generated_from_its_original() {
    let copies = copies();
    let write = std::env::var_os(WRITE).is_some();
    let mut stale = Vec::new();
    for (path, text) in &copies {
        let full = workspace().join(path);
        if write {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text).unwrap();
        } else {
            let found = std::fs::read(&full).unwrap_or_default();
            stale.extend(differs(path, &found, text));
        }
    }
    // Seeds of messages the spec no longer has are stale too.
    for folder in ["fuzz/seeds/parse_validate", "fuzz/seeds/verify", "fuzz/seeds/spec_codegen"] {
        for entry in std::fs::read_dir(workspace().join(folder)).unwrap() {
            let path = Path::new(folder).join(entry.unwrap().file_name());
            if !copies.iter().any(|(copy, _)| *copy == path) {
                match write {
                    true => std::fs::remove_file(workspace().join(&path)).unwrap(),
                    false => stale.push(format!("{} is no copy of anything", path.display())),
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nwrite the copies: {WRITE}=1 cargo test --test suite copies",
        stale.join("\n")
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
