//! The whole path of a webhook, end to end: starts the receiver on 127.0.0.1, sends it
//! every example of Lago's old webhook documentation over HTTP, signed as Lago signs
//! (alternately HMAC and JWT), and prints what the handler received, with the
//! violations validation finds in each example underneath; then the bundled example of
//! every webhook type Lago's server sends.
//!
//! Run it with `cargo run --example demo`.

#[path = "shared/client.rs"]
mod client;
#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
#[path = "shared/printer.rs"]
mod printer;

use std::net::{Ipv4Addr, SocketAddr};

use lago_webhooks::receiver::Receiver;
use lago_webhooks::verify::{Algorithm, HmacKey, JwtSigner, Verifier, lago_headers};
use lago_webhooks::{Lifecycle, Validate, WebhookEvent, WebhookType};

/// An HMAC key as Lago's UI shows one.
const HMAC_KEY: &str = "8d1c4c9e-3b56-4c1a-9f0e-2a7b6d5e4f31";
/// A key pair standing in for the Lago instance's (made with openssl for the tests).
const PRIVATE_KEY: &str = include_str!("../tests/fixtures/signing/lago-test-private.pem");
const PUBLIC_KEY: &str = include_str!("../tests/fixtures/signing/lago-test-public.pem");
const ISSUER: &str = "https://api.getlago.com";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Signs deliveries as Lago does.
struct Lago {
    hmac: HmacKey,
    jwt: JwtSigner,
    sent: usize,
}

impl Lago {
    /// The headers of the next delivery of `body`, alternating the two algorithms.
    fn sign(&mut self, body: &[u8]) -> Result<(Algorithm, http::HeaderMap), Error> {
        self.sent += 1;
        let algorithm = if self.sent % 2 == 1 { Algorithm::Hmac } else { Algorithm::Jwt };
        let signature = match algorithm {
            Algorithm::Hmac => self.hmac.sign(body),
            Algorithm::Jwt => self.jwt.sign(body)?,
        };
        let unique_key = format!("5f2a1c3e-0000-4000-8000-{:012}", self.sent);
        Ok((algorithm, lago_headers(algorithm, &signature, &unique_key)?))
    }
}

async fn start_receiver() -> Result<SocketAddr, Error> {
    let verifier = Verifier::new().with_hmac(HMAC_KEY)?.with_jwt(PUBLIC_KEY, ISSUER)?;
    let router = Receiver::new(verifier, printer::Printer).into_router("/webhooks");
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(addr)
}

/// Sends one docs example; a refused one is followed by its corrected copy.
async fn deliver(lago: &mut Lago, addr: SocketAddr, fixture: &fixtures::Fixture) -> Result<bool, Error> {
    let (algorithm, headers) = lago.sign(fixture.verbatim.as_bytes())?;
    let (status, text) = client::post(addr, "/webhooks", &headers, fixture.verbatim.into()).await?;
    if status == 200 {
        return Ok(true);
    }
    println!("{:<36} {status} ({algorithm}): {text}", fixture.webhook_type);
    let Some(corrected) = fixture.corrected else { return Ok(false) };
    let (algorithm, headers) = lago.sign(corrected.as_bytes())?;
    let (status, text) = client::post(addr, "/webhooks", &headers, corrected.into()).await?;
    if status != 200 {
        println!("{:<36} corrected copy: {status} ({algorithm}): {text}", fixture.webhook_type);
    }
    Ok(status == 200)
}

/// What validation says of an example, printed under the handler's line.
fn print_violations(fixture: &fixtures::Fixture) {
    let Ok(event) = str::parse::<WebhookEvent>(fixture.valid()) else { return };
    if let Err(violations) = event.validate() {
        for violation in violations.iter() {
            println!("{:<36}   ! {violation} [{}]", "", violation.rule());
        }
    }
}

/// Two deliveries Lago never sends: a forged one, and a retry of one already handled.
async fn show_refusals(lago: &mut Lago, addr: SocketAddr) -> Result<(), Error> {
    let body = fixtures::DOCS[2].verbatim;
    let (_, headers) = lago.sign(body.as_bytes())?;
    let forged = body.replace("\"total_amount_cents\": 120", "\"total_amount_cents\": 1");
    let (status, text) = client::post(addr, "/webhooks", &headers, forged.into()).await?;
    println!("{:<36} {status}: {text}", "forged body");
    for attempt in ["retry, first delivery", "retry, same unique key"] {
        let (status, text) = client::post(addr, "/webhooks", &headers, body.into()).await?;
        println!("{attempt:<36} {status}: {text}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let addr = start_receiver().await?;
    let count = fixtures::DOCS.len();
    println!(
        "receiver listening on http://{addr}/webhooks; sending the {count} docs examples, signed as Lago signs\n"
    );
    let mut lago = Lago { hmac: HmacKey::new(HMAC_KEY), jwt: JwtSigner::new(PRIVATE_KEY, ISSUER)?, sent: 0 };
    let mut handled = 0;
    for fixture in fixtures::DOCS {
        if deliver(&mut lago, addr, fixture).await? {
            handled += 1;
        }
        print_violations(fixture);
    }
    println!("\n{handled} of {count} docs examples delivered and handled\n");
    show_refusals(&mut lago, addr).await?;
    deliver_every_type(&mut lago, addr).await
}

/// Sends the bundled example of every webhook type; prints the ones not handled.
async fn deliver_every_type(lago: &mut Lago, addr: SocketAddr) -> Result<(), Error> {
    println!("\nthe bundled example of every webhook type Lago sends:");
    let mut handled = 0;
    for &kind in WebhookType::ALL {
        let body = kind.example();
        let (algorithm, headers) = lago.sign(body.as_bytes())?;
        let (status, text) = client::post(addr, "/webhooks", &headers, body.into()).await?;
        let clean = str::parse::<WebhookEvent>(body).map(|e| e.validate().is_ok()).unwrap_or(false);
        if status == 200 && clean {
            handled += 1;
        } else {
            println!("{kind:<40} {status} ({algorithm}): {text}");
        }
    }
    let count = |lifecycle| WebhookType::ALL.iter().filter(|t| t.lifecycle() == lifecycle).count();
    let premium = WebhookType::ALL.iter().filter(|t| t.premium().is_some()).count();
    println!(
        "{handled} of {} types delivered, handled and valid ({} deprecated, {} retired, {premium} needing a paid add-on)",
        WebhookType::ALL.len(),
        count(Lifecycle::Deprecated),
        count(Lifecycle::Retired),
    );
    Ok(())
}
