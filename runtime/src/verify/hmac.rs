//! Lago's HMAC scheme: Base64 (standard, padded) of HMAC-SHA256 over the raw body,
//! keyed with the organization's HMAC key string.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::VerifyError;

/// An organization's HMAC key, as shown in Lago's UI. Its `Debug` output hides it.
#[derive(Clone)]
pub struct HmacKey(String);

impl HmacKey {
    /// The key, as the string Lago shows.
    pub fn new(key: impl Into<String>) -> Self {
        HmacKey(key.into())
    }

    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_bytes()).expect("HMAC takes any key length");
        mac.update(body);
        mac
    }

    /// The `X-Lago-Signature` Lago sends for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        STANDARD.encode(self.mac(body).finalize().into_bytes())
    }

    /// Checks `signature` against `body`, in constant time.
    pub fn verify(&self, body: &[u8], signature: &str) -> Result<(), VerifyError> {
        let signature = STANDARD
            .decode(signature.trim())
            .map_err(|_| VerifyError::BadEncoding("the HMAC signature is not Base64"))?;
        self.mac(body).verify_slice(&signature).map_err(|_| VerifyError::BadSignature)
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}
