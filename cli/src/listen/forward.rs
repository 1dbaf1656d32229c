//! `--forward-to URL`: each delivery whose signature `listen` verified, signed again with
//! a local HMAC key and POSTed to the app being developed, so that the app receives what
//! Lago sent without holding Lago's key (or being reachable from the internet).
//!
//! The delivery keeps its unique key, as Stripe's CLI keeps the event's id: a retry of
//! Lago's then reaches the app as a retry, and the app's deduplication is exercised as it
//! will be in production. (A replay from the page is a new delivery with a key of its
//! own, forwarded under that key.)

use std::sync::Arc;

use axum::body::Bytes;
use lago_webhooks::verify::HmacKey;

use super::store::Forward;
use crate::send::{Sender, Signer};

/// The most of the app's answer kept for the page and the terminal.
const MAX_ANSWER_CHARS: usize = 4096;

/// Sends deliveries on to the app.
pub struct Forwarder {
    url: http::Uri,
    signer: Signer,
    sender: Arc<Sender>,
}

impl Forwarder {
    /// A forwarder to `url`, signing with the HMAC `key`.
    pub fn new(url: http::Uri, key: &str, sender: Arc<Sender>) -> Self {
        Forwarder { url, signer: Signer::Hmac(HmacKey::new(key)), sender }
    }

    /// The app's URL.
    pub fn url(&self) -> &http::Uri {
        &self.url
    }

    /// Signs `body` and posts it under `unique_key`; what the app answered.
    pub async fn forward(&self, body: Bytes, unique_key: &str) -> Forward {
        let headers = match self.signer.headers(&body, unique_key) {
            Ok(headers) => headers,
            Err(err) => return Forward::Failed { error: err },
        };
        // The sender gives the app as long as Lago would (and a little more).
        match self.sender.post(&self.url, &headers, body).await {
            Ok(answer) => Forward::Answered { status: answer.status, body: shortened(answer.body) },
            Err(err) => Forward::Failed { error: err },
        }
    }
}

/// `text` cut to [`MAX_ANSWER_CHARS`] characters, saying so.
fn shortened(text: String) -> String {
    match text.char_indices().nth(MAX_ANSWER_CHARS) {
        Some((end, _)) => format!("{}… ({} bytes in all)", &text[..end], text.len()),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_answers_are_cut_on_a_character() {
        assert_eq!(shortened("ok".to_owned()), "ok");
        let long = "é".repeat(MAX_ANSWER_CHARS + 1);
        let cut = shortened(long);
        assert!(cut.starts_with(&"é".repeat(MAX_ANSWER_CHARS)));
        assert!(cut.ends_with(&format!("… ({} bytes in all)", 2 * (MAX_ANSWER_CHARS + 1))));
    }
}
