//! The inspector page's HTTP side: the page itself (three files compiled into the
//! command, nothing fetched at run time), the deliveries as JSON, an event stream that
//! tells the page of each new or changed delivery, a delivery's raw body to save, and
//! replay.
//!
//! Deliveries carry customers' billing data, so the page is served on 127.0.0.1 only,
//! and only to requests that name it by that address or `localhost` (a page of another
//! site that a DNS name was pointed at 127.0.0.1 for is refused); replay, the one
//! request that acts, also needs a header of its own, which a page of another origin
//! cannot send without a preflight this server never grants. Replay sends again only a
//! delivery whose signature verified: with an HMAC key, `listen` signs what it replays,
//! and signing a stranger's body would make it a delivery of Lago's (forwarded to the app
//! as verified).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use lago_webhooks::verify::{Algorithm, HmacKey, lago_headers};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::record::sanitized;
use super::store::{Entry, Store};
use crate::send::{Sender, Signer};

/// The page, its style and its script.
const INDEX: &str = include_str!("page/index.html");
const CSS: &str = include_str!("page/page.css");
const JS: &str = include_str!("page/page.js");

/// The header replay requests must carry (any value).
pub const REPLAY_HEADER: &str = "x-lago-inspector";

/// What the page's requests need.
pub struct Inspector {
    /// The deliveries.
    pub store: Store,
    /// The port the page is served on, for the `Host` check.
    pub port: u16,
    /// Where deliveries are posted: replays go there.
    pub endpoint: http::Uri,
    /// The listen's HMAC key, to sign replays with; without one, replays carry the
    /// delivery's own signature (a JWT signs the body, not the unique key).
    pub hmac_key: Option<String>,
    /// Where deliveries are forwarded, if anywhere.
    pub forward_to: Option<String>,
    /// Posts replays.
    pub sender: Arc<Sender>,
}

/// The page's router.
pub fn router(inspector: Inspector) -> Router {
    let port = inspector.port;
    let guard = move |request: Request, next: Next| async move {
        secured(match refusal(port, &request) {
            Some(refused) => refused,
            None => next.run(request).await,
        })
    };
    Router::new()
        .route("/", get(|| async { text("text/html; charset=utf-8", INDEX) }))
        .route("/page.css", get(|| async { text("text/css; charset=utf-8", CSS) }))
        .route("/page.js", get(|| async { text("text/javascript; charset=utf-8", JS) }))
        .route("/api/deliveries", get(list))
        .route("/api/deliveries/{id}", get(one))
        .route("/api/deliveries/{id}/body", get(body))
        .route("/api/deliveries/{id}/replay", post(replay))
        .route("/api/events", get(events))
        .layer(middleware::from_fn(guard))
        .with_state(Arc::new(inspector))
}

fn text(content_type: &'static str, text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "error": message }))
}

/// Why a request is not served, if it is not: a `Host` other than this server's own
/// address, or a replay without its header or from another origin.
fn refusal(port: u16, request: &Request) -> Option<Response> {
    let own = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    if !host.is_some_and(|host| own.iter().any(|own| own.eq_ignore_ascii_case(host))) {
        return Some(error(
            StatusCode::MISDIRECTED_REQUEST,
            &format!("the inspector answers only at http://127.0.0.1:{port}/"),
        ));
    }
    if request.method() != http::Method::GET {
        let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let same_origin = origin.is_none_or(|origin| own.iter().any(|own| origin == format!("http://{own}")));
        if !same_origin || !request.headers().contains_key(REPLAY_HEADER) {
            return Some(error(StatusCode::FORBIDDEN, "only the inspector page replays deliveries"));
        }
    }
    None
}

/// `response` with the headers that keep the page to itself: its own scripts and styles
/// only, not framed, not cached (it shows billing data), no type guessing.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "no-store");
    response
}

/// The page's settings and every kept delivery, oldest first. The list can take tens of
/// megabytes as JSON: it is sent a delivery at a time, each serialized as it goes out,
/// rather than written whole into memory first.
async fn list(State(inspector): State<Arc<Inspector>>) -> Response {
    use futures_util::StreamExt;
    let replay = if inspector.hmac_key.is_some() { "hmac" } else { "same-signature" };
    let settings = json!({
        "endpoint": inspector.endpoint.to_string(),
        "forward_to": inspector.forward_to,
        "replay": replay,
    });
    // `{...settings` then `,"deliveries":[`, the deliveries, `]}`.
    let mut head = settings.to_string();
    head.pop();
    head.push_str(r#","deliveries":["#);
    let deliveries = inspector.store.all().into_iter().enumerate().map(|(index, entry)| {
        let mut chunk = if index == 0 { Vec::new() } else { b",".to_vec() };
        // An entry is strings, numbers and a JSON tree: it always serializes. Were it not
        // to, the error would end the answer, and the page would read no list.
        serde_json::to_writer(&mut chunk, &*entry).map(|()| Bytes::from(chunk))
    });
    let chunks = futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(futures_util::stream::iter(deliveries))
        .chain(futures_util::stream::once(async { Ok(Bytes::from_static(b"]}")) }));
    ([(header::CONTENT_TYPE, "application/json")], axum::body::Body::from_stream(chunks)).into_response()
}

/// The answer for a delivery the store does not keep (never was, or dropped since).
fn gone(id: u64) -> Response {
    error(StatusCode::NOT_FOUND, &format!("no delivery {id} is kept"))
}

async fn one(State(inspector): State<Arc<Inspector>>, Path(id): Path<u64>) -> Response {
    match inspector.store.get(id) {
        Some(entry) => json_response(StatusCode::OK, &*entry),
        None => gone(id),
    }
}

/// The raw body, as a file to download: `trigger --payload FILE` sends it again.
async fn body(State(inspector): State<Arc<Inspector>>, Path(id): Path<u64>) -> Response {
    let Some(entry) = inspector.store.get(id) else { return gone(id) };
    let name = download_name(&entry);
    let disposition = format!("attachment; filename=\"{name}\"");
    // The name is made of safe characters only: a valid header value.
    let disposition = HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"));
    let content_type = HeaderValue::from_static("application/octet-stream");
    ([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], entry.raw.clone())
        .into_response()
}

/// `delivery-<id>-<type>-<key>.json`, in characters every file system takes.
pub fn download_name(entry: &Entry) -> String {
    format!(
        "delivery-{}-{}-{}.json",
        entry.id,
        sanitized(entry.webhook_type.as_deref().unwrap_or("unknown")),
        sanitized(entry.unique_key.as_deref().unwrap_or("no-key"))
    )
}

/// Sends a kept delivery's body to the endpoint again, under a fresh unique key: signed
/// with the listen's HMAC key when it has one, with the delivery's own signature
/// otherwise. Only a delivery whose signature verified: see the module's docs.
async fn replay(State(inspector): State<Arc<Inspector>>, Path(id): Path<u64>) -> Response {
    let Some(entry) = inspector.store.get(id) else { return gone(id) };
    if entry.signature != "verified" {
        return error(
            StatusCode::CONFLICT,
            "its signature did not verify: only deliveries signed with the key are replayed, so that listen never signs a stranger's body",
        );
    }
    if !entry.body_read {
        return error(StatusCode::CONFLICT, "its body never came whole: there is nothing to replay");
    }
    let unique_key = format!("replay-{id}-{}", super::endpoint::millis(SystemTime::now()));
    let headers = match replay_headers(&inspector, &entry, &unique_key) {
        Ok(headers) => headers,
        Err(err) => return error(StatusCode::CONFLICT, &err),
    };
    match inspector.sender.post(&inspector.endpoint, &headers, Bytes::clone(&entry.raw)).await {
        Ok(answer) => json_response(
            StatusCode::OK,
            &json!({ "status": answer.status, "body": answer.body, "unique_key": unique_key }),
        ),
        Err(err) => error(StatusCode::BAD_GATEWAY, &err),
    }
}

fn replay_headers(inspector: &Inspector, entry: &Entry, unique_key: &str) -> Result<HeaderMap, String> {
    if let Some(key) = &inspector.hmac_key {
        return Signer::Hmac(HmacKey::new(key.clone())).headers(&entry.raw, unique_key);
    }
    let signature = entry
        .replay_signature
        .as_deref()
        .ok_or("the delivery has no signature to send again, and listen has no HMAC key to sign with")?;
    lago_headers(Algorithm::Jwt, signature, unique_key).map_err(|err| err.to_string())
}

/// Each delivery added or changed, as a `delivery` event holding it as JSON (as it is
/// when the event goes out); `reload` when the page fell behind and should read the
/// whole list again.
async fn events(State(inspector): State<Arc<Inspector>>) -> impl IntoResponse {
    let changes = inspector.store.subscribe();
    let store = inspector.store.clone();
    let stream = futures_util::stream::unfold((changes, store), |(mut changes, store)| async move {
        let event = loop {
            break match changes.recv().await {
                Ok(id) => match store.get(id) {
                    Some(entry) => match serde_json::to_string(&*entry) {
                        Ok(json) => Event::default().event("delivery").data(json),
                        Err(_) => Event::default().event("reload").data("{}"),
                    },
                    // Dropped since: the page's list no longer holds it either.
                    None => continue,
                },
                Err(RecvError::Lagged(_)) => Event::default().event("reload").data("{}"),
                Err(RecvError::Closed) => return None,
            };
        };
        Some((Ok::<_, Infallible>(event), (changes, store)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, host: &str, origin: Option<&str>, replay: bool) -> Request {
        let mut request = http::Request::builder().method(method).uri("/api/deliveries/1/replay");
        request = request.header(header::HOST, host);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if replay {
            request = request.header(REPLAY_HEADER, "1");
        }
        request.body(axum::body::Body::empty()).unwrap()
    }

    fn status(port: u16, request: &Request) -> Option<StatusCode> {
        refusal(port, request).map(|response| response.status())
    }

    #[test]
    fn only_the_page_s_own_address_is_served_and_only_the_page_replays() {
        assert_eq!(status(3001, &request("GET", "127.0.0.1:3001", None, false)), None);
        assert_eq!(status(3001, &request("GET", "localhost:3001", None, false)), None);
        assert_eq!(
            status(3001, &request("GET", "rebound.example:3001", None, false)),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
        assert_eq!(
            status(3001, &request("GET", "127.0.0.1:3002", None, false)),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
        assert_eq!(
            status(3001, &request("POST", "127.0.0.1:3001", Some("http://127.0.0.1:3001"), true)),
            None
        );
        assert_eq!(
            status(3001, &request("POST", "127.0.0.1:3001", None, false)),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(3001, &request("POST", "127.0.0.1:3001", Some("http://evil.example"), true)),
            Some(StatusCode::FORBIDDEN)
        );
    }
}
