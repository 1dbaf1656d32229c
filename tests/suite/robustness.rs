//! No input makes parsing panic: every prefix of every docs example, every single-byte
//! change of a few, and a stream of pseudo-random bytes.

use lago_webhooks::WebhookEvent;

use crate::fixtures::DOCS;

#[test]
fn every_prefix_of_every_example_parses_or_errors() {
    for fixture in DOCS {
        let bytes = fixture.verbatim.as_bytes();
        for end in 0..bytes.len() {
            let _ = WebhookEvent::from_slice(&bytes[..end]);
        }
    }
}

#[test]
fn replacing_any_byte_parses_or_errors() {
    const REPLACEMENTS: &[u8] = b"\"{}[],:0-.e\\ tnx\xff";
    for fixture in
        DOCS.iter().filter(|f| ["invoice.created", "credit_note.created"].contains(&f.webhook_type))
    {
        let mut bytes = fixture.valid().as_bytes().to_vec();
        for i in 0..bytes.len() {
            let original = bytes[i];
            for &replacement in REPLACEMENTS {
                bytes[i] = replacement;
                let _ = WebhookEvent::from_slice(&bytes);
            }
            bytes[i] = original;
        }
    }
}

#[test]
fn random_bytes_parse_or_error() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 64) as usize;
        let body: Vec<u8> = (0..len).map(|_| b"{}[]\":,webhook_type 0a"[(next() % 22) as usize]).collect();
        let _ = WebhookEvent::from_slice(&body);
    }
}
