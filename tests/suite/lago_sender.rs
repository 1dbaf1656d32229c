//! A sender that retries as Lago's server does (lago-api's `Webhooks::SendHttpService`,
//! with its defaults): at most 3 tries, the second about 3 s after the first fails and the
//! third about 18 s after the second (`retries⁴ + 2` seconds, plus up to 15% jitter),
//! each given 30 s; only 200, 201, 202 and 204 count as delivered. Then Lago gives up.

use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::time::Duration;

#[path = "../../examples/shared/client.rs"]
pub mod client;

/// How Lago's tries of one delivery went.
#[derive(Debug)]
pub struct Sent {
    /// Each try's status, or why it got none (refused, reset, timed out).
    pub tries: Vec<Result<u16, String>>,
}

impl Sent {
    /// Whether Lago counts the delivery as delivered.
    pub fn delivered(&self) -> bool {
        matches!(self.tries.last(), Some(Ok(200 | 201 | 202 | 204)))
    }
}

const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(30);

/// Posts `body` to `http://{addr}/webhooks` until it is delivered or Lago would give up.
pub async fn send_as_lago(addr: SocketAddr, headers: &http::HeaderMap, body: &[u8]) -> Sent {
    let mut tries = Vec::new();
    for retries in 0..ATTEMPTS {
        if retries > 0 {
            // Lago waits retries⁴ + 2 seconds, plus up to 15% jitter.
            let wait = Duration::from_secs(u64::from(retries.pow(4) + 2));
            let jitter = (RandomState::new().hash_one(retries) % 150) as f64 / 1000.0;
            tokio::time::sleep(wait.mul_f64(1.0 + jitter)).await;
        }
        let outcome = match tokio::time::timeout(
            TIMEOUT,
            client::post(addr, "/webhooks", headers, body.to_vec()),
        )
        .await
        {
            Ok(Ok((status, _))) => Ok(status),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err("timed out after 30 s".to_owned()),
        };
        tries.push(outcome);
        let sent = Sent { tries };
        if sent.delivered() {
            return sent;
        }
        tries = sent.tries;
    }
    Sent { tries }
}
