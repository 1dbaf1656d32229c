//! Lago's two signature schemes, pinned to vectors computed with openssl
//! (`tests/fixtures/signing/`), and each way a delivery can be refused.

use base64::Engine;
use lago_webhooks::verify::{Algorithm, HmacKey, JwtKey, JwtSigner, Verifier, VerifyError, lago_headers};
use serde_json::Value;

const PRIVATE_KEY: &str = include_str!("../fixtures/signing/lago-test-private.pem");
const PUBLIC_KEY: &str = include_str!("../fixtures/signing/lago-test-public.pem");
const BODY: &str = include_str!("../fixtures/docs/fee.created.json");

fn vectors() -> Value {
    serde_json::from_str(include_str!("../fixtures/signing/vectors.json")).unwrap()
}

fn vector(name: &str) -> String {
    vectors()[name].as_str().unwrap().to_owned()
}

#[test]
fn hmac_matches_openssl() {
    let key = HmacKey::new(vector("hmac_key"));
    assert_eq!(key.sign(BODY.as_bytes()), vector("hmac_signature"));
    assert_eq!(key.verify(BODY.as_bytes(), &vector("hmac_signature")), Ok(()));
}

#[test]
fn jwt_matches_openssl_and_verifies_with_the_key_as_lago_returns_it() {
    let issuer = vector("jwt_issuer");
    // RS256 (PKCS#1 v1.5) is deterministic: the same key signs the same token.
    let signer = JwtSigner::new(PRIVATE_KEY, issuer.clone()).unwrap();
    assert_eq!(signer.sign(BODY.as_bytes()).unwrap(), vector("jwt"));
    let wrapped = vector("public_key_base64");
    assert!(wrapped.lines().count() > 5, "Lago's API wraps the Base64 in lines");
    for public_key in [wrapped.as_str(), PUBLIC_KEY] {
        let key = JwtKey::new(public_key, issuer.clone()).unwrap();
        assert_eq!(key.verify(BODY.as_bytes(), &vector("jwt")), Ok(()));
    }
}

fn verifier() -> Verifier {
    Verifier::new()
        .with_hmac(vector("hmac_key"))
        .unwrap()
        .with_jwt(&vector("public_key_base64"), vector("jwt_issuer"))
        .unwrap()
}

fn check(signature: Option<&str>, algorithm: Option<&str>, body: &str) -> Result<Algorithm, VerifyError> {
    verifier().verify_parts(body.as_bytes(), signature, algorithm)
}

#[test]
fn each_failure_has_its_error() {
    let hmac = vector("hmac_signature");
    let jwt = vector("jwt");
    let tampered = BODY.replace("\"amount_cents\": 100", "\"amount_cents\": 1");
    assert_eq!(check(Some(&hmac), Some("hmac"), BODY), Ok(Algorithm::Hmac));
    assert_eq!(check(Some(&jwt), Some("jwt"), BODY), Ok(Algorithm::Jwt));
    assert_eq!(check(None, Some("hmac"), BODY), Err(VerifyError::MissingHeader("X-Lago-Signature")));
    // Without an algorithm header the signature must be a valid JWT.
    assert_eq!(check(Some(&jwt), None, BODY), Ok(Algorithm::Jwt));
    assert_eq!(
        check(Some(&hmac), None, BODY),
        Err(VerifyError::BadEncoding("the JWT does not have three parts"))
    );
    assert_eq!(check(Some(&hmac), Some("sha1"), BODY), Err(VerifyError::UnknownAlgorithm("sha1".into())));
    assert_eq!(
        check(Some("%%%"), Some("hmac"), BODY),
        Err(VerifyError::BadEncoding("the HMAC signature is not Base64"))
    );
    assert_eq!(check(Some(&hmac), Some("hmac"), &tampered), Err(VerifyError::BadSignature));
    assert_eq!(check(Some(&jwt), Some("jwt"), &tampered), Err(VerifyError::BodyMismatch));
    assert_eq!(
        check(Some("a.b"), Some("jwt"), BODY),
        Err(VerifyError::BadEncoding("the JWT does not have three parts"))
    );
    // A token with its signature swapped for another's.
    let (signed, _) = jwt.rsplit_once('.').unwrap();
    let other = JwtSigner::new(PRIVATE_KEY, "https://api.getlago.com").unwrap().sign(b"{}").unwrap();
    let forged = format!("{signed}.{}", other.rsplit_once('.').unwrap().1);
    assert_eq!(check(Some(&forged), Some("jwt"), BODY), Err(VerifyError::BadSignature));
    // The right key, another instance.
    let eu =
        JwtSigner::new(PRIVATE_KEY, "https://api.eu.getlago.com").unwrap().sign(BODY.as_bytes()).unwrap();
    assert_eq!(
        check(Some(&eu), Some("jwt"), BODY),
        Err(VerifyError::IssuerMismatch {
            expected: "https://api.getlago.com".into(),
            found: "https://api.eu.getlago.com".into()
        })
    );
    let hs256 = format!("eyJhbGciOiJIUzI1NiJ9.{}", jwt.split_once('.').unwrap().1);
    assert_eq!(
        check(Some(&hs256), Some("jwt"), BODY),
        Err(VerifyError::UnsupportedJwtAlgorithm("HS256".into()))
    );
    let hmac_only = Verifier::new().with_hmac("k").unwrap();
    assert_eq!(
        hmac_only.verify_parts(BODY.as_bytes(), Some(&jwt), Some("jwt")),
        Err(VerifyError::NoKeyFor(Algorithm::Jwt))
    );
}

#[test]
fn headers_are_read_from_a_header_map() {
    let headers =
        lago_headers(Algorithm::Hmac, &vector("hmac_signature"), "9a8b7c6d-0000-4000-8000-000000000001")
            .unwrap();
    let delivery = verifier().verify(BODY.as_bytes(), &headers).unwrap();
    assert_eq!(delivery.algorithm, Algorithm::Hmac);
    assert_eq!(delivery.unique_key, Some("9a8b7c6d-0000-4000-8000-000000000001"));
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let key = vector("hmac_key");
    let shown = format!("{:?} {:?}", verifier(), JwtSigner::new(PRIVATE_KEY, "iss").unwrap());
    assert!(!shown.contains(&key), "{shown}");
    assert!(shown.contains("<redacted>"));
    assert!(!shown.contains("MII"), "no key material");
}

#[test]
fn keys_that_cannot_be_used_are_refused() {
    assert!(Verifier::new().with_hmac("").is_err());
    assert!(Verifier::new().with_hmac("  ").is_err());
    assert!(JwtKey::new("not a key", "iss").is_err());
    assert!(JwtKey::new("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "iss").is_err());
    assert!(JwtSigner::new(PUBLIC_KEY, "iss").is_err());
}

#[test]
fn public_keys_are_checked_when_the_verifier_is_built() {
    let fixture = |name: &str| std::fs::read_to_string(format!("tests/fixtures/signing/{name}")).unwrap();
    let verifies = |public_key: &str| {
        let verifier = Verifier::new().with_jwt(public_key, "https://api.getlago.com").unwrap();
        verifier.verify_parts(BODY.as_bytes(), Some(&vector("jwt")), Some("jwt"))
    };
    // The same key as PKCS#1, and with CRLF line ends.
    assert_eq!(verifies(&fixture("lago-test-public-pkcs1.pem")), Ok(Algorithm::Jwt));
    assert_eq!(verifies(&PUBLIC_KEY.replace('\n', "\r\n")), Ok(Algorithm::Jwt));
    // Keys no RS256 token of Lago's can match are refused at once, not on every delivery.
    let refused = |key: &str| JwtKey::new(key, "iss").unwrap_err().to_string();
    assert_eq!(refused(&fixture("ec-public.pem")), "the public key is not an RSA public key in PEM");
    assert_eq!(refused(&fixture("rsa-1024-public.pem")), "the RSA public key must have 2048 to 8192 bits");
    assert_eq!(
        refused("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----"),
        "the public key is not an RSA public key in PEM"
    );
    // An RSA SubjectPublicKeyInfo whose key bytes are not an RSA key.
    let der = base64::engine::general_purpose::STANDARD
        .decode(PUBLIC_KEY.lines().filter(|line| !line.starts_with("-----")).collect::<String>())
        .unwrap();
    let mut broken = der.clone();
    let last = broken.len() - 40;
    broken[last..].fill(0xff);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----",
        base64::engine::general_purpose::STANDARD.encode(&broken)
    );
    assert_eq!(refused(&pem), "the public key is not an RSA public key in PEM");
}

#[test]
fn jwt_edge_cases() {
    let jwt = vector("jwt");
    let verifier = verifier();
    let check = |token: &str| verifier.verify_parts(BODY.as_bytes(), Some(token), Some("jwt"));
    assert_eq!(check(&format!("  {jwt}\n")), Ok(Algorithm::Jwt), "surrounding whitespace");
    assert_eq!(check(&format!("{jwt}.")), Err(VerifyError::BadEncoding("the JWT does not have three parts")));
    let none = format!("eyJhbGciOiJub25lIn0.{}.", jwt.split('.').nth(1).unwrap());
    assert_eq!(check(&none), Err(VerifyError::UnsupportedJwtAlgorithm("none".into())));
    assert_eq!(check("é.é.é"), Err(VerifyError::BadEncoding("the JWT header")));
    let (signed, signature) = jwt.rsplit_once('.').unwrap();
    assert_eq!(check(&format!("{signed}.{signature}==")), Ok(Algorithm::Jwt), "padding is tolerated");
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    assert_eq!(check(&format!("{signed}.{flipped}{}", &signature[1..])), Err(VerifyError::BadSignature));
}

/// A token signed with Lago's test key, with the given header and claims.
fn token(header: &str, claims: &serde_json::Value) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signed = format!("{}.{}", b64(header.as_bytes()), b64(claims.to_string().as_bytes()));
    let (_, der) = pem_rfc7468::decode_vec(PRIVATE_KEY.trim().as_bytes()).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut signature = vec![0; key.public().modulus_len()];
    let rng = ring::rand::SystemRandom::new();
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, signed.as_bytes(), &mut signature).unwrap();
    format!("{signed}.{}", b64(&signature))
}

#[test]
fn jwt_expiry_not_before_and_critical_extensions_are_honoured() {
    let verifier = verifier();
    let check = |token: &str| verifier.verify_parts(BODY.as_bytes(), Some(token), Some("jwt"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = |extra: serde_json::Value| {
        let mut claims = serde_json::json!({"data": BODY, "iss": "https://api.getlago.com"});
        claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        claims
    };
    let rs256 = r#"{"alg":"RS256"}"#;
    assert_eq!(
        check(&token(rs256, &claims(serde_json::json!({})))),
        Ok(Algorithm::Jwt),
        "as Lago signs today"
    );
    assert_eq!(check(&token(rs256, &claims(serde_json::json!({"exp": now + 300})))), Ok(Algorithm::Jwt));
    assert_eq!(
        check(&token(rs256, &claims(serde_json::json!({"exp": now - 3600})))),
        Err(VerifyError::Expired)
    );
    assert_eq!(
        check(&token(rs256, &claims(serde_json::json!({"exp": now - 10})))),
        Ok(Algorithm::Jwt),
        "leeway"
    );
    assert_eq!(
        check(&token(rs256, &claims(serde_json::json!({"nbf": now + 3600})))),
        Err(VerifyError::NotYetValid)
    );
    assert_eq!(check(&token(rs256, &claims(serde_json::json!({"nbf": now - 5})))), Ok(Algorithm::Jwt));
    let critical = r#"{"alg":"RS256","crit":["b64"],"b64":false}"#;
    assert_eq!(
        check(&token(critical, &claims(serde_json::json!({})))),
        Err(VerifyError::UnsupportedJwtExtension)
    );
}

#[test]
fn an_hmac_key_with_surrounding_whitespace_is_refused_with_the_reason() {
    let err = Verifier::new().with_hmac("4e27f4ac-7b43-4e0f-91ab-6f3a5c6c2d10\n").unwrap_err();
    assert!(err.to_string().contains("starts or ends with whitespace"), "{err}");
    assert!(Verifier::new().with_hmac(" 4e27f4ac").is_err());
}
