//! TEMPORARY stand-in for `crate::send` (being written on main): the same names and
//! signatures, plain HTTP only. Removed when main is merged.

use std::time::Duration;

use axum::body::Bytes;
use lago_webhooks::verify::{Algorithm, HmacKey, JwtSigner, lago_headers};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How a delivery is signed.
#[allow(dead_code)]
pub enum Signer {
    /// With an HMAC key.
    Hmac(HmacKey),
    /// With an RSA private key, as JWT.
    Jwt(JwtSigner),
}

impl Signer {
    /// Lago's three headers for `body` under `unique_key`.
    pub fn headers(&self, body: &[u8], unique_key: &str) -> Result<http::HeaderMap, String> {
        let (algorithm, signature) = match self {
            Signer::Hmac(key) => (Algorithm::Hmac, key.sign(body)),
            Signer::Jwt(signer) => (Algorithm::Jwt, signer.sign(body).map_err(|err| err.to_string())?),
        };
        lago_headers(algorithm, &signature, unique_key).map_err(|err| err.to_string())
    }
}

/// An answer.
pub struct Answer {
    /// Its status.
    pub status: u16,
    /// Its body.
    pub body: String,
}

/// Posts deliveries.
pub struct Sender;

impl Sender {
    /// A sender.
    pub fn new() -> Result<Sender, String> {
        Ok(Sender)
    }

    /// One POST.
    pub async fn post(&self, url: &http::Uri, headers: &http::HeaderMap, body: Bytes) -> Result<Answer, String> {
        let host = url.host().ok_or("no host")?;
        let address = format!("{host}:{}", url.port_u16().unwrap_or(80));
        let path = url.path_and_query().map_or("/", |p| p.as_str());
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(&address).await?;
            let mut request = format!(
                "POST {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
                body.len()
            );
            for (name, value) in headers {
                request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
            }
            request.push_str("\r\n");
            stream.write_all(request.as_bytes()).await?;
            stream.write_all(&body).await?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await?;
            Ok::<_, std::io::Error>(answer)
        };
        let answer = tokio::time::timeout(Duration::from_secs(30), exchange)
            .await
            .map_err(|_| format!("{address}: no answer in 30 s"))?
            .map_err(|err| format!("{address}: {err}"))?;
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{address}: not an HTTP answer"))?;
        Ok(Answer { status, body: body.to_owned() })
    }
}
