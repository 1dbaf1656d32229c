//! Checking that a webhook comes from Lago, before (and apart from) parsing it.
//!
//! Lago signs every delivery. The `X-Lago-Signature-Algorithm` header says how, as
//! set on the webhook endpoint: `hmac` (Base64 HMAC-SHA256 of the body, keyed with the
//! organization's HMAC key) or `jwt` (an RS256 token whose `data` claim is the body,
//! signed with the Lago instance's RSA key). A [`Verifier`] holds the keys and checks
//! the signature over the exact raw body; a service may verify, queue the bytes and
//! parse them later.
//!
//! ```
//! use lago_webhooks::verify::{HmacKey, Verifier};
//!
//! let key = "4e27f4ac-7b43-4e0f-91ab-6f3a5c6c2d10"; // Developers > Webhooks in Lago's UI
//! let verifier = Verifier::new().with_hmac(key)?;
//!
//! // What Lago sends:
//! let body = br#"{"webhook_type":"fee.created","object_type":"fee","fee":{}}"#;
//! let signature = HmacKey::new(key).sign(body);
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-lago-signature", signature.parse()?);
//! headers.insert("x-lago-signature-algorithm", "hmac".parse()?);
//! headers.insert("x-lago-unique-key", "1b1bd2a6-6bbc-4c4b-9c4f-5a3c2d1e0f9a".parse()?);
//!
//! let verified = verifier.verify(body, &headers)?;
//! assert_eq!(verified.unique_key, Some("1b1bd2a6-6bbc-4c4b-9c4f-5a3c2d1e0f9a"));
//!
//! // A body changed on the way fails.
//! assert!(verifier.verify(br#"{"webhook_type":"fee.created"}"#, &headers).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With the JWT scheme, build the verifier from Lago's public key (the `public_key` field
//! of `GET /api/v1/webhooks/json_public_key`: Base64 of a PEM) and the API URL the tokens
//! name: `Verifier::new().with_jwt(&public_key, "https://api.getlago.com")?`.

mod hmac;
#[cfg(feature = "jwt")]
mod jwt;

use crate::{Delivery, FromBody, ParseError, Received, Refusal, Webhook};

pub use self::hmac::HmacKey;
#[cfg(feature = "jwt")]
pub use self::jwt::{JwtKey, JwtSigner, SignError};

/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "x-lago-signature";
/// The header naming the signature scheme: `jwt` or `hmac`.
pub const ALGORITHM_HEADER: &str = "x-lago-signature-algorithm";
/// The header holding the delivery's id, the same on every retry: the idempotency key.
pub const UNIQUE_KEY_HEADER: &str = "x-lago-unique-key";

/// A signature scheme of Lago's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RS256 JWT.
    Jwt,
    /// Base64 HMAC-SHA256.
    Hmac,
}

impl Algorithm {
    /// The value of the algorithm header.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Jwt => "jwt",
            Algorithm::Hmac => "hmac",
        }
    }

    /// The scheme an algorithm header's value names (`jwt` or `hmac`, as Lago writes
    /// them), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        [Algorithm::Jwt, Algorithm::Hmac].into_iter().find(|algorithm| algorithm.as_str() == name)
    }
}

display_as_str!(Algorithm);

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is absent (or not text).
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// The algorithm header names a scheme Lago does not have.
    #[error("unknown signature algorithm `{0}`")]
    UnknownAlgorithm(String),
    /// The delivery uses a scheme this verifier has no key for.
    #[error("no key for the `{0}` signature algorithm")]
    NoKeyFor(Algorithm),
    /// The signature is not in the expected encoding.
    #[error("badly encoded signature: {0}")]
    BadEncoding(&'static str),
    /// The JWT header names another algorithm than RS256.
    #[error("JWT algorithm `{0}` is not RS256")]
    UnsupportedJwtAlgorithm(String),
    /// The signature does not match.
    #[error("the signature does not match")]
    BadSignature,
    /// The JWT was issued by another Lago instance.
    #[error("JWT issuer `{found}` is not the expected `{expected}`")]
    IssuerMismatch {
        /// The issuer the verifier expects.
        expected: String,
        /// The issuer the token names.
        found: String,
    },
    /// The JWT's `data` claim is not the body received.
    #[error("the JWT was signed for another body")]
    BodyMismatch,
    /// The JWT's `exp` has passed (with a minute's leeway for clocks).
    #[error("the JWT has expired")]
    Expired,
    /// The JWT's `nbf` has not come yet (with a minute's leeway for clocks).
    #[error("the JWT is not valid yet")]
    NotYetValid,
    /// The JWT header lists critical extensions (`crit`), which this verifier does not
    /// implement.
    #[error("the JWT requires extensions this verifier does not implement")]
    UnsupportedJwtExtension,
}

/// A key that could not be used: empty, or not a key of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub(crate) &'static str);

/// A signature check that passed: which scheme signed the body, and the delivery's
/// idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The scheme that signed it.
    pub algorithm: Algorithm,
    /// The `X-Lago-Unique-Key` header: the delivery's id, the same on every retry.
    pub unique_key: Option<&'a str>,
}

/// Checks Lago's signatures with the keys it holds: an HMAC key, Lago's public key,
/// or both (a delivery is then checked with the scheme its algorithm header names).
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    hmac: Option<HmacKey>,
    #[cfg(feature = "jwt")]
    jwt: Option<JwtKey>,
}

impl Verifier {
    /// A verifier with no key yet: it refuses everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts HMAC signatures made with `key`, the organization's HMAC key string. An
    /// empty key is refused: anyone could sign with it.
    pub fn with_hmac(mut self, key: impl Into<String>) -> Result<Self, KeyError> {
        let key = key.into();
        if key.trim().is_empty() {
            return Err(KeyError("the HMAC key is empty"));
        }
        if key.trim() != key {
            return Err(KeyError(
                "the HMAC key starts or ends with whitespace (a line break from a file or an environment variable?): Lago's keys have none, so every signature would fail; trim it",
            ));
        }
        self.hmac = Some(HmacKey::new(key));
        Ok(self)
    }

    /// Accepts JWT signatures made with Lago's key and naming `issuer`. `public_key` is
    /// Lago's public key as its API returns it (Base64 of a PEM) or a plain PEM.
    #[cfg(feature = "jwt")]
    pub fn with_jwt(mut self, public_key: &str, issuer: impl Into<String>) -> Result<Self, KeyError> {
        self.jwt = Some(JwtKey::new(public_key, issuer)?);
        Ok(self)
    }

    /// Checks a delivery from its raw body and its headers.
    pub fn verify<'h>(&self, body: &[u8], headers: &'h http::HeaderMap) -> Result<Verified<'h>, VerifyError> {
        let (signature, algorithm) = (header(headers, SIGNATURE_HEADER), header(headers, ALGORITHM_HEADER));
        let algorithm = self.verify_parts(body, signature, algorithm)?;
        Ok(Verified { algorithm, unique_key: unique_key(headers) })
    }

    /// Verifies a delivery and parses it into `E`, the `WebhookEvent` of the bundled
    /// spec or of your own: the one call from raw headers and body to a typed webhook
    /// and its [`Delivery`], for code that does not use a handler trait.
    ///
    /// ```
    /// # #[cfg(feature = "bundled")] {
    /// use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
    /// use lago_webhooks::{Received, WebhookEvent, WebhookType};
    ///
    /// let verifier = Verifier::new().with_hmac("my-hmac-key")?;
    /// let body = WebhookType::FeeCreated.example().as_bytes();
    /// let signature = HmacKey::new("my-hmac-key").sign(body);
    /// let headers = lago_headers(Algorithm::Hmac, &signature, "9a8b7c6d-0000-4000-8000-000000000001")?;
    ///
    /// let Received { event, delivery } = verifier.parse::<WebhookEvent>(&headers, body)?;
    /// assert!(matches!(event, WebhookEvent::FeeCreated { .. }));
    /// assert_eq!(delivery.unique_key.as_deref(), Some("9a8b7c6d-0000-4000-8000-000000000001"));
    /// assert_eq!(delivery.algorithm, Some(Algorithm::Hmac));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse<E: FromBody>(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Received<E>, Refusal> {
        self.parse_with(headers, body, E::from_slice)
    }

    /// As [`Verifier::parse`], parsing the body with `parse` once it is verified: for
    /// events whose spec is a value, such as a `dynamic::DynamicSpec`'s.
    pub fn parse_with<E: Webhook>(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        parse: impl FnOnce(&[u8]) -> Result<E, ParseError>,
    ) -> Result<Received<E>, Refusal> {
        let verified = self.verify(body, headers).map_err(Refusal::Unverified)?;
        let event = parse(body).map_err(Refusal::Malformed)?;
        let delivery = Delivery {
            unique_key: verified.unique_key.map(str::to_owned),
            organization_id: event.organization_id().map(str::to_owned),
            algorithm: Some(verified.algorithm),
            ..Delivery::default()
        };
        Ok(Received { event, delivery })
    }

    /// Checks a delivery from its raw body and the values of the signature and algorithm
    /// headers, for frameworks that do not use `http::HeaderMap`. Without an algorithm
    /// header the signature is taken for a JWT, Lago's default (and what it sent before it
    /// offered HMAC); it must still verify.
    pub fn verify_parts(
        &self,
        body: &[u8],
        signature: Option<&str>,
        algorithm: Option<&str>,
    ) -> Result<Algorithm, VerifyError> {
        let signature = signature.ok_or(VerifyError::MissingHeader("X-Lago-Signature"))?;
        let algorithm = match algorithm.unwrap_or("jwt").trim() {
            a if a.eq_ignore_ascii_case("hmac") => Algorithm::Hmac,
            a if a.eq_ignore_ascii_case("jwt") => Algorithm::Jwt,
            other => return Err(VerifyError::UnknownAlgorithm(other.to_owned())),
        };
        match algorithm {
            Algorithm::Hmac => {
                self.hmac.as_ref().ok_or(VerifyError::NoKeyFor(algorithm))?.verify(body, signature)?
            }
            Algorithm::Jwt => self.verify_jwt(body, signature)?,
        }
        Ok(algorithm)
    }

    #[cfg(feature = "jwt")]
    fn verify_jwt(&self, body: &[u8], token: &str) -> Result<(), VerifyError> {
        self.jwt.as_ref().ok_or(VerifyError::NoKeyFor(Algorithm::Jwt))?.verify(body, token)
    }

    #[cfg(not(feature = "jwt"))]
    fn verify_jwt(&self, _: &[u8], _: &str) -> Result<(), VerifyError> {
        Err(VerifyError::NoKeyFor(Algorithm::Jwt))
    }
}

/// The headers Lago sends with a delivery signed with `signature` by `algorithm`, for
/// testing an endpoint as Lago would call it. Fails when the signature or the key holds
/// characters a header cannot.
pub fn lago_headers(
    algorithm: Algorithm,
    signature: &str,
    unique_key: &str,
) -> Result<http::HeaderMap, http::header::InvalidHeaderValue> {
    let value = http::HeaderValue::from_str;
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    headers.insert(SIGNATURE_HEADER, value(signature)?);
    headers.insert(ALGORITHM_HEADER, http::HeaderValue::from_static(algorithm.as_str()));
    headers.insert(UNIQUE_KEY_HEADER, value(unique_key)?);
    Ok(headers)
}

/// The idempotency key of a delivery, from its headers.
pub fn unique_key(headers: &http::HeaderMap) -> Option<&str> {
    header(headers, UNIQUE_KEY_HEADER)
}

fn header<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
