//! Sending deliveries as Lago sends them: signed with Lago's headers, POSTed over HTTP or
//! HTTPS. `trigger` sends the examples with it; `listen` replays and forwards with it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lago_webhooks::verify::{Algorithm, HmacKey, JwtSigner, lago_headers};

/// How long an endpoint may take to answer: Lago gives up after 30 s, and an answer
/// that takes longer would be a failure for Lago too.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(35);

/// The most of an answer's body kept: enough for any error message an app writes, and
/// bounded so that an endpoint streaming without end cannot fill the memory.
const ANSWER_LIMIT: usize = 64 * 1024;

/// A key to sign deliveries with, as Lago signs them.
pub enum Signer {
    /// HMAC-SHA256 with the organization's HMAC key.
    Hmac(HmacKey),
    /// RS256 JWTs carrying the body, with Lago's private key.
    Jwt(JwtSigner),
}

impl Signer {
    /// The scheme this signer signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Signer::Hmac(_) => Algorithm::Hmac,
            Signer::Jwt(_) => Algorithm::Jwt,
        }
    }

    /// Lago's headers for `body` sent under `unique_key`: content type, signature,
    /// signature scheme and unique key.
    pub fn headers(&self, body: &[u8], unique_key: &str) -> Result<http::HeaderMap, String> {
        let signature = match self {
            Signer::Hmac(key) => key.sign(body),
            Signer::Jwt(signer) => signer.sign(body).map_err(|err| err.to_string())?,
        };
        lago_headers(self.algorithm(), &signature, unique_key).map_err(|_| {
            format!("the unique key {:?} cannot be a header value", crate::controls::line(unique_key))
        })
    }
}

/// An endpoint's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text (invalid UTF-8 replaced), cut at 64 KiB.
    pub body: String,
}

impl Answer {
    /// Whether this answer makes the delivery delivered, as Lago counts a delivery
    /// delivered: see [`delivered`].
    pub fn delivered(&self) -> bool {
        delivered(self.status)
    }
}

/// Whether an answer of `status` makes a delivery delivered, as Lago counts a delivery
/// delivered: 200, 201, 202 or 204 only. Other 2xx statuses (203, 206, ...) are retried
/// by Lago like failures, so `trigger` and `listen` do not call them delivered either.
pub fn delivered(status: u16) -> bool {
    matches!(status, 200 | 201 | 202 | 204)
}

/// An HTTP(S) client for POSTing deliveries; cheap to clone, one per command.
#[derive(Clone)]
pub struct Sender {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Sender {
    /// A client that trusts the system's certificate authorities.
    pub fn new() -> Result<Sender, String> {
        Sender::with_roots(None)
    }

    /// A client that trusts the system's certificate authorities and, when given, those of
    /// a PEM file: for endpoints behind a certificate of a local authority (mkcert's, a
    /// company's), as `curl --cacert` does.
    pub fn with_roots(extra: Option<&Path>) -> Result<Sender, String> {
        let mut roots = rustls::RootCertStore::empty();
        // A system without certificates still reaches plain HTTP and the extra roots.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(path) = extra {
            let added = add_pem_roots(&mut roots, path)?;
            if added == 0 {
                return Err(format!("{} holds no certificate", path.display()));
            }
        }
        // ring, which the runtime's other TLS users already build, rather than a second
        // provider; rustls marks it deprecated for lacking post-quantum key exchange, which
        // sending test deliveries does not need.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|err| format!("cannot set up TLS: {err}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Sender { client: Client::builder(TokioExecutor::new()).build(connector) })
    }

    /// POSTs `body` with `headers` to `url` and reads the answer, within 35 s.
    pub async fn post(
        &self,
        url: &http::Uri,
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<Answer, String> {
        let mut request = http::Request::post(url.clone());
        if let Some(map) = request.headers_mut() {
            map.extend(headers.iter().map(|(name, value)| (name.clone(), value.clone())));
        }
        let request = request.body(Full::new(body)).map_err(|err| format!("{url}: {err}"))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|err| describe(url, &err))?;
            let status = response.status().as_u16();
            // A body over the limit is cut, not refused: the status is what counts.
            let body = match Limited::new(response.into_body(), ANSWER_LIMIT).collect().await {
                Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
                Err(_) => String::from("(answer body over 64 KiB or cut off)"),
            };
            Ok(Answer { status, body })
        };
        tokio::time::timeout(ANSWER_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(format!("{url}: no answer within {} s", ANSWER_TIMEOUT.as_secs())))
    }
}

/// The certificates of a PEM file added to `roots`; how many.
fn add_pem_roots(roots: &mut rustls::RootCertStore, path: &Path) -> Result<usize, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let text = std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(&text) {
        let cert = cert.map_err(|err| format!("{} is not a PEM certificate file: {err}", path.display()))?;
        roots.add(cert).map_err(|err| format!("{}: {err}", path.display()))?;
        added += 1;
    }
    Ok(added)
}

/// A client error with its causes: hyper's own message ("client error (Connect)") says
/// little; the cause says what failed (refused, certificate unknown, ...).
fn describe(url: &http::Uri, err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{url}: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// An `http://` or `https://` URL with a host: where deliveries can be sent.
pub fn endpoint(text: &str) -> Result<http::Uri, String> {
    let url: http::Uri = text.parse().map_err(|_| format!("`{text}` is not a URL"))?;
    if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() {
        return Err(format!(
            "`{text}`: give an http:// or https:// URL with a host, such as http://127.0.0.1:3000/webhooks"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_http_or_https_urls_with_a_host() {
        assert!(endpoint("http://127.0.0.1:3000/webhooks").is_ok());
        assert!(endpoint("https://example.com/lago").is_ok());
        for bad in ["ftp://example.com/x", "/webhooks", "example.com", "http://", "not a url"] {
            assert!(endpoint(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn only_the_statuses_lago_counts_are_delivered() {
        for status in [200, 201, 202, 204] {
            assert!(delivered(status), "{status}");
        }
        for status in [100, 203, 205, 206, 299, 301, 400, 500] {
            assert!(!delivered(status), "{status}");
        }
        assert!(!Answer { status: 203, body: String::new() }.delivered());
    }

    #[test]
    fn a_signer_makes_the_headers_a_verifier_accepts() {
        let signer = Signer::Hmac(HmacKey::new("key"));
        let headers = signer.headers(b"{}", "key-1").unwrap();
        let verifier = lago_webhooks::verify::Verifier::new().with_hmac("key").unwrap();
        assert!(verifier.verify(b"{}", &headers).is_ok());
        assert!(verifier.verify(b"{ }", &headers).is_err());
        assert!(signer.headers(b"{}", "bad\nkey").is_err());
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("lago-webhooks-send-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let err = Sender::with_roots(Some(&empty)).err().unwrap();
        assert!(err.contains("holds no certificate"), "{err}");
        let missing = dir.join("missing.pem");
        assert!(Sender::with_roots(Some(&missing)).err().unwrap().contains("cannot read"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
