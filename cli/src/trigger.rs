//! `trigger`: POST the bundled example of webhook types to an endpoint, with Lago's
//! headers, signed as Lago signs, under a fresh unique key each.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lago_webhooks::WebhookType;
use lago_webhooks::verify::{Algorithm, HmacKey, JwtSigner, lago_headers};

use lago_webhooks_codegen::{VersionRange, resolve_for};

use crate::output::Outcome;
use crate::output::{Tone, out, paint};

#[derive(clap::Args)]
pub struct Args {
    /// Webhook types to send (default: every type of the bundled spec).
    #[arg(value_name = "TYPE", value_parser = webhook_type)]
    types: Vec<WebhookType>,
    /// The endpoint, `http://host:port/path`.
    #[arg(long, value_parser = http_url)]
    url: http::Uri,
    /// Sign with this HMAC key.
    #[arg(long, value_name = "KEY", conflicts_with = "jwt_key", required_unless_present = "jwt_key", value_parser = hmac_key)]
    hmac_key: Option<String>,
    /// Sign JWTs with this RSA private key (a PEM file).
    #[arg(long, value_name = "PEM", requires = "issuer")]
    jwt_key: Option<PathBuf>,
    /// The issuer the JWTs name (Lago's API URL).
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Send this file's content instead of the examples (once).
    #[arg(long, value_name = "FILE", conflicts_with = "types")]
    payload: Option<PathBuf>,
    /// Send each example as these Lago releases shape it (`1.9.0`, `1.40`, `1.30..`):
    /// without the keys none of them sends, and no type none of them sends.
    #[arg(long, value_name = "VERSION", conflicts_with = "payload")]
    lago_version: Option<VersionRange>,
}

enum Signer {
    Hmac(HmacKey),
    Jwt(JwtSigner),
}

/// A webhook type of the bundled spec.
fn webhook_type(text: &str) -> Result<WebhookType, String> {
    text.parse().map_err(|_| format!("`{text}` is not a webhook type of the bundled spec"))
}

/// An `http://` URL with a host.
fn http_url(text: &str) -> Result<http::Uri, String> {
    let url: http::Uri = text.parse().map_err(|_| format!("`{text}` is not a URL"))?;
    if url.scheme_str() != Some("http") || url.host().is_none() {
        return Err(format!("`{text}`: give an http://host:port/path endpoint"));
    }
    Ok(url)
}

/// A key Lago could have: not empty, no surrounding whitespace.
fn hmac_key(text: &str) -> Result<String, String> {
    if text.trim().is_empty() || text.trim() != text {
        return Err("the HMAC key is empty or has surrounding whitespace".to_owned());
    }
    Ok(text.to_owned())
}

pub fn run(args: Args) -> Outcome {
    let url = &args.url;
    let host = url.authority().map_or("", |a| a.as_str()).to_owned();
    let address = format!("{}:{}", url.host().unwrap_or_default(), url.port_u16().unwrap_or(80));
    let path = url.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let signer = match (&args.hmac_key, &args.jwt_key, &args.issuer) {
        (Some(key), _, _) => Signer::Hmac(HmacKey::new(key.clone())),
        (None, Some(pem), Some(issuer)) => {
            let pem = std::fs::read_to_string(pem)
                .map_err(|err| format!("cannot read {}: {err}", pem.display()))?;
            Signer::Jwt(JwtSigner::new(&pem, issuer.clone()).map_err(|err| err.to_string())?)
        }
        _ => return Err("give --hmac-key, or --jwt-key with --issuer".to_owned()),
    };
    let bodies: Vec<(String, String)> = match &args.payload {
        Some(file) => {
            let body = std::fs::read_to_string(file)
                .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
            vec![(file.display().to_string(), body)]
        }
        None if args.types.is_empty() => {
            WebhookType::ALL.iter().map(|t| (t.as_str().to_owned(), t.example().to_owned())).collect()
        }
        None => args.types.iter().map(|kind| (kind.as_str().to_owned(), kind.example().to_owned())).collect(),
    };
    let bodies = match args.lago_version {
        Some(range) => shaped(bodies, range)?,
        None => bodies,
    };
    let run = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let mut all_delivered = true;
    for (index, (name, body)) in bodies.iter().enumerate() {
        let (algorithm, signature) = match &signer {
            Signer::Hmac(key) => (Algorithm::Hmac, key.sign(body.as_bytes())),
            Signer::Jwt(signer) => {
                (Algorithm::Jwt, signer.sign(body.as_bytes()).map_err(|err| err.to_string())?)
            }
        };
        let unique_key = format!("trigger-{run}-{index}");
        let headers = lago_headers(algorithm, &signature, &unique_key).map_err(|err| err.to_string())?;
        // One delivery failing to arrive does not stop the others.
        let (status, text) = match post(&address, &host, &path, &headers, body) {
            Ok(answer) => answer,
            Err(err) => (0, err),
        };
        let delivered = matches!(status, 200 | 201 | 202 | 204);
        all_delivered &= delivered;
        let status = paint(&status.to_string(), if delivered { Tone::Good } else { Tone::Bad });
        out!("{name:<44} {:<4} {status} {}", algorithm.as_str(), text.trim());
    }
    Ok(all_delivered)
}

/// The examples as the releases `range` shape them; a type none of them sends is left
/// out, with a line saying so.
fn shaped(bodies: Vec<(String, String)>, range: VersionRange) -> Result<Vec<(String, String)>, String> {
    let source = crate::spec::source(None)?;
    let ir = resolve_for(&source, None, Some(range)).map_err(|errors| errors.to_string())?;
    let mut shaped = Vec::with_capacity(bodies.len());
    for (name, body) in bodies {
        match ir.messages.iter().find(|message| message.webhook_type == name) {
            Some(message) => shaped.push((name, crate::shape::example(&ir, message, &body)?)),
            None => {
                out!("{name:<44} {}", paint(&format!("skipped: Lago {range} does not send it"), Tone::Note))
            }
        }
    }
    Ok(shaped)
}

/// One HTTP/1.1 POST; the status and the body of the answer.
fn post(
    address: &str,
    host: &str,
    path: &str,
    headers: &http::HeaderMap,
    body: &str,
) -> Result<(u16, String), String> {
    let fail = |err: std::io::Error| format!("{address}: {err}");
    let mut stream = TcpStream::connect(address).map_err(fail)?;
    stream.set_read_timeout(Some(Duration::from_secs(35))).map_err(fail)?;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(fail)?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{address}: not an HTTP answer"))?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let text = if chunked { dechunk(body) } else { body.to_owned() };
    Ok((status, text))
}

/// The content of a chunked body (sizes in hexadecimal, each chunk ended by CRLF).
fn dechunk(mut body: &str) -> String {
    let mut text = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or_default().trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        text.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    text
}
