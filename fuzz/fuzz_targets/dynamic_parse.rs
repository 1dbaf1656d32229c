//! Any body through the bundled spec read at run time: parsing (with the location of a
//! problem), validation and the inspection that lists every problem never panic. (Their
//! agreement with the compiled types is the suite's `mutated_specs` test.)
#![no_main]

use std::sync::LazyLock;

use lago_webhooks::dynamic::{DynamicSpec, SpecSource};
use lago_webhooks::Validate;
use libfuzzer_sys::fuzz_target;

static SPEC: LazyLock<DynamicSpec> = LazyLock::new(|| {
    let source = SpecSource::new("lago-webhooks.json", include_str!("../../spec/lago-webhooks.json"));
    DynamicSpec::from_source(&source).expect("the bundled spec resolves")
});

fuzz_target!(|body: &[u8]| {
    match SPEC.parse(body) {
        Ok(event) => {
            let _ = event.validate();
            let _ = SPEC.inspect(event.body());
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
