//! Any bytes as a spec: loading, checking, emitting and writing the errors never panic.
#![no_main]

use lago_webhooks_codegen::{Settings, SpecSource, generate_partial};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let source = SpecSource::new("fuzz.json", &*text);
    let (tokens, errors) = generate_partial(&source, &Settings::default());
    for error in errors.iter() {
        let _ = error.to_string();
    }
    let _ = tokens.to_string();
});
