//! Lago's JWT scheme: an RS256 token whose claims are `data` (the raw body as a
//! string) and `iss` (the Lago API URL), signed with the instance's RSA key.

//!
//! The RSA arithmetic is ring's: it verifies and signs PKCS#1 v1.5 with SHA-256 on keys
//! of 2048 to 8192 bits (Lago's are 2048).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoRef;
use spki::der::Decode;

use super::{KeyError, VerifyError};

/// The only header Lago writes, and the only algorithm this scheme allows.
const HEADER: &str = r#"{"alg":"RS256"}"#;

/// Lago's public key and the issuer its tokens must name.
#[derive(Debug, Clone)]
pub struct JwtKey {
    /// The PKCS#1 `RSAPublicKey` DER, as ring takes it.
    key: UnparsedPublicKey<Vec<u8>>,
    issuer: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    /// Extensions the token says a verifier must understand; this one understands none.
    #[serde(default)]
    crit: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    data: String,
    iss: String,
    /// Expiry, in seconds since the epoch (Lago sets none today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<f64>,
    /// Not before, in seconds since the epoch (Lago sets none today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<f64>,
}

/// Clock difference tolerated between Lago's servers and this one, in seconds.
const LEEWAY: f64 = 60.0;

impl JwtKey {
    /// A key from Lago's public key, either as its API returns it (a Base64-encoded
    /// PEM, with line breaks) or as a plain PEM (`BEGIN PUBLIC KEY` or
    /// `BEGIN RSA PUBLIC KEY`), and the expected issuer, such as `https://api.getlago.com`.
    pub fn new(public_key: &str, issuer: impl Into<String>) -> Result<Self, KeyError> {
        let pem = pem_text(public_key)?;
        let not_rsa = KeyError("the public key is not an RSA public key in PEM");
        let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes()).map_err(|_| not_rsa.clone())?;
        let pkcs1 = match label {
            // SubjectPublicKeyInfo, as Lago's API returns it: the RSA key is its bit string.
            "PUBLIC KEY" => {
                let info = SubjectPublicKeyInfoRef::from_der(&der).map_err(|_| not_rsa.clone())?;
                if info.algorithm.oid != RSA_ENCRYPTION {
                    return Err(not_rsa);
                }
                info.subject_public_key.as_bytes().ok_or(not_rsa)?.to_vec()
            }
            "RSA PUBLIC KEY" => der,
            _ => return Err(not_rsa),
        };
        check_rsa_public_key(&pkcs1)?;
        Ok(JwtKey { key: UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pkcs1), issuer: issuer.into() })
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
        if header.crit.is_some() {
            return Err(VerifyError::UnsupportedJwtExtension);
        }
        let signature = decode(signature, "the JWT signature")?;
        let signed = &token.trim()[..header_len(token.trim())];
        self.key.verify(signed.as_bytes(), &signature).map_err(|_| VerifyError::BadSignature)?;
        let claims: Claims = decode_json(claims, "the JWT claims")?;
        if claims.iss != self.issuer {
            return Err(VerifyError::IssuerMismatch { expected: self.issuer.clone(), found: claims.iss });
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        if claims.exp.is_some_and(|exp| now >= exp + LEEWAY) {
            return Err(VerifyError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| now + LEEWAY < nbf) {
            return Err(VerifyError::NotYetValid);
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
    key: Arc<RsaKeyPair>,
    issuer: String,
}

/// Why a body could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// Lago signs the body as a JSON string, so it must be UTF-8 (JSON always is).
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// The signature could not be computed.
    #[error("the signature could not be computed")]
    Rsa,
}

impl JwtSigner {
    /// A signer from an RSA private key in PEM (`BEGIN PRIVATE KEY` or
    /// `BEGIN RSA PRIVATE KEY`, 2048 to 8192 bits) and the issuer to name.
    pub fn new(private_key_pem: &str, issuer: impl Into<String>) -> Result<Self, KeyError> {
        let not_rsa = KeyError("the private key is not an RSA private key in PEM");
        let (label, der) =
            pem_rfc7468::decode_vec(private_key_pem.trim().as_bytes()).map_err(|_| not_rsa.clone())?;
        let key = match label {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            _ => return Err(not_rsa),
        };
        let key = key.map_err(|_| not_rsa)?;
        Ok(JwtSigner { key: Arc::new(key), issuer: issuer.into() })
    }

    /// The `X-Lago-Signature` Lago sends for `body`.
    pub fn sign(&self, body: &[u8]) -> Result<String, SignError> {
        let data = std::str::from_utf8(body).map_err(|_| SignError::NotUtf8)?;
        let claims = Claims { data: data.to_owned(), iss: self.issuer.clone(), exp: None, nbf: None };
        // Two strings always serialize; were they not to, no signature could be made.
        let claims = serde_json::to_vec(&claims).map_err(|_| SignError::Rsa)?;
        let signed = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(claims));
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signed.as_bytes(), &mut signature)
            .map_err(|_| SignError::Rsa)?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigner").field("key", &"<redacted>").field("issuer", &self.issuer).finish()
    }
}

/// Checks a PKCS#1 `RSAPublicKey` (a sequence of modulus and exponent) as RS256 verification
/// will use it, so that a broken key is refused when the verifier is built rather than by
/// failing every delivery: a 2048- to 8192-bit modulus and an odd exponent from 3 to
/// 2^33 - 1.
fn check_rsa_public_key(pkcs1: &[u8]) -> Result<(), KeyError> {
    use spki::der::asn1::UintRef;
    use spki::der::{Reader, SliceReader};

    let not_rsa = || KeyError("the public key is not an RSA public key in PEM");
    let mut reader = SliceReader::new(pkcs1).map_err(|_| not_rsa())?;
    let (modulus, exponent) = reader
        .sequence(|inner| Ok((UintRef::decode(inner)?, UintRef::decode(inner)?)))
        .map_err(|_| not_rsa())?;
    reader.finish(()).map_err(|_| not_rsa())?;
    let bits = |bytes: &[u8]| match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    };
    if !(2048..=8192).contains(&bits(modulus.as_bytes())) {
        return Err(KeyError("the RSA public key must have 2048 to 8192 bits"));
    }
    let exponent = exponent.as_bytes();
    // ring verifies with exponents of 3 to 2^33 - 1.
    if exponent.last().is_none_or(|last| last % 2 == 0) || !(2..=33).contains(&bits(exponent)) {
        return Err(not_rsa());
    }
    Ok(())
}

/// `rsaEncryption`, the algorithm of an RSA SubjectPublicKeyInfo.
const RSA_ENCRYPTION: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

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
