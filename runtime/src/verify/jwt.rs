//! Lago's JWT scheme: an RS256 token whose claims are `data` (the raw body as a
//! string) and `iss` (the Lago API URL), signed with the instance's RSA key.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier as _};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{KeyError, VerifyError};

/// The only header Lago writes, and the only algorithm this scheme allows.
const HEADER: &str = r#"{"alg":"RS256"}"#;

/// Lago's public key and the issuer its tokens must name.
#[derive(Debug, Clone)]
pub struct JwtKey {
    key: VerifyingKey<Sha256>,
    issuer: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    data: String,
    iss: String,
}

impl JwtKey {
    /// A key from Lago's public key, either as its API returns it (a Base64-encoded
    /// PEM, with line breaks) or as a plain PEM (`BEGIN PUBLIC KEY` or
    /// `BEGIN RSA PUBLIC KEY`), and the expected issuer, such as `https://api.getlago.com`.
    pub fn new(public_key: &str, issuer: impl Into<String>) -> Result<Self, KeyError> {
        let pem = pem_text(public_key)?;
        let key = RsaPublicKey::from_public_key_pem(&pem)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(&pem))
            .map_err(|_| KeyError("the public key is not an RSA public key in PEM"))?;
        Ok(JwtKey { key: VerifyingKey::new(key), issuer: issuer.into() })
    }

    /// The issuer tokens must name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Checks a token: RS256 signature, issuer, and `data` equal to `body`.
    pub fn verify(&self, body: &[u8], token: &str) -> Result<(), VerifyError> {
        let mut parts = token.trim().split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::BadEncoding("the JWT does not have three parts"));
        };
        let header: Header = decode_json(header, "the JWT header")?;
        if header.alg != "RS256" {
            return Err(VerifyError::UnsupportedJwtAlgorithm(header.alg));
        }
        let signature = decode(signature, "the JWT signature")?;
        let signature = Signature::try_from(signature.as_slice()).map_err(|_| VerifyError::BadSignature)?;
        let signed = &token.trim()[..header_len(token.trim())];
        self.key.verify(signed.as_bytes(), &signature).map_err(|_| VerifyError::BadSignature)?;
        let claims: Claims = decode_json(claims, "the JWT claims")?;
        if claims.iss != self.issuer {
            return Err(VerifyError::IssuerMismatch { expected: self.issuer.clone(), found: claims.iss });
        }
        if claims.data.as_bytes() != body {
            return Err(VerifyError::BodyMismatch);
        }
        Ok(())
    }
}

/// Signs bodies as Lago does, for testing endpoints. Its `Debug` output hides the key.
#[derive(Clone)]
pub struct JwtSigner {
    key: SigningKey<Sha256>,
    issuer: String,
}

impl JwtSigner {
    /// A signer from an RSA private key in PEM (`BEGIN PRIVATE KEY` or
    /// `BEGIN RSA PRIVATE KEY`) and the issuer to name.
    pub fn new(private_key_pem: &str, issuer: impl Into<String>) -> Result<Self, KeyError> {
        let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(private_key_pem))
            .map_err(|_| KeyError("the private key is not an RSA private key in PEM"))?;
        Ok(Self::from_key(key, issuer))
    }

    /// A signer from an RSA private key.
    pub fn from_key(key: RsaPrivateKey, issuer: impl Into<String>) -> Self {
        JwtSigner { key: SigningKey::new(key), issuer: issuer.into() }
    }

    /// The `X-Lago-Signature` Lago sends for `body`. Fails only when `body` is not UTF-8,
    /// which a JSON body always is.
    pub fn sign(&self, body: &[u8]) -> Result<String, KeyError> {
        let data = std::str::from_utf8(body).map_err(|_| KeyError("the body is not UTF-8"))?;
        let claims = Claims { data: data.to_owned(), iss: self.issuer.clone() };
        let claims = serde_json::to_vec(&claims).map_err(|_| KeyError("the claims cannot be written"))?;
        let signed = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(claims));
        let signature = self.key.sign(signed.as_bytes());
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes())))
    }
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigner").field("key", &"<redacted>").field("issuer", &self.issuer).finish()
    }
}

/// Length of `header.claims`, the signed part of a token.
fn header_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

/// Base64url without padding, as JWTs use; padding is tolerated.
fn decode(part: &str, what: &'static str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).map_err(|_| VerifyError::BadEncoding(what))
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str, what: &'static str) -> Result<T, VerifyError> {
    serde_json::from_slice(&decode(part, what)?).map_err(|_| VerifyError::BadEncoding(what))
}

/// The PEM text of a key given as PEM or as Base64 of a PEM (with any line breaks).
fn pem_text(key: &str) -> Result<String, KeyError> {
    let key = key.trim();
    if key.starts_with("-----BEGIN") {
        return Ok(key.to_owned());
    }
    let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded =
        STANDARD.decode(compact).map_err(|_| KeyError("the public key is neither PEM nor Base64"))?;
    String::from_utf8(decoded).map_err(|_| KeyError("the Base64 public key does not hold a PEM"))
}
