//! Arbitrary headers and bodies through the verifier, with both schemes configured:
//! refusals are fine, panics are not. (The seeds carry real HMAC signatures, so that
//! mutations start from deliveries that verify.)
#![no_main]

use std::sync::LazyLock;

use lago_webhooks::verify::Verifier;
use lago_webhooks::WebhookEvent;
use libfuzzer_sys::fuzz_target;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    Verifier::new()
        .with_hmac("fuzz-hmac-key")
        .and_then(|v| v.with_jwt(include_str!("../../tests/fixtures/signing/lago-test-public.pem"), "https://api.getlago.com"))
        .expect("the fuzz keys are valid")
});

fuzz_target!(|input: &[u8]| {
    // Layout: signature, algorithm and unique key, each up to a 0 byte, then the body.
    let mut parts = input.splitn(4, |b| *b == 0);
    let (Some(signature), Some(algorithm), Some(unique_key), Some(body)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let (signature_text, algorithm_text) = (std::str::from_utf8(signature).ok(), std::str::from_utf8(algorithm).ok());
    let _ = VERIFIER.verify_parts(body, signature_text, algorithm_text);
    let mut headers = http::HeaderMap::new();
    for (name, value) in [("x-lago-signature", signature), ("x-lago-signature-algorithm", algorithm), ("x-lago-unique-key", unique_key)] {
        if let Ok(value) = http::HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    match VERIFIER.parse::<WebhookEvent>(&headers, body) {
        Ok(received) => assert!(received.delivery.algorithm.is_some()),
        Err(refusal) => {
            let _ = (refusal.to_string(), refusal.status());
        }
    }
});
