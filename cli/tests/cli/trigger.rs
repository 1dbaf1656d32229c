//! `trigger`: the examples of a spec of one's own, keys from the environment, and
//! `https://` endpoints.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use super::*;

#[test]
fn trigger_sends_the_examples_of_a_spec_of_ones_own_with_the_key_from_the_environment() {
    let dir = scratch("trigger-own-spec");
    let spec = orders_spec(&dir);
    // The spec with an example for its one message.
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    document["messages"][0]["example"] = serde_json::from_str(&order(serde_json::json!({}))).unwrap();
    std::fs::write(&spec, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let spec = spec.to_str().unwrap();
    let (listen, lines, url) = listen(&["--hmac-key", "env-hmac-key", "--spec", spec]);

    let trigger = |args: &[&str]| {
        command()
            .args([&["trigger", "--url", &url, "--spec", spec][..], args].concat())
            .env("LAGO_HMAC_KEY", "env-hmac-key")
            .output()
            .unwrap()
    };
    let sent = trigger(&[]);
    assert!(sent.status.success(), "{}{}", stdout(&sent), stderr(&sent));
    let answers = stdout(&sent);
    assert_eq!(answers.lines().count(), 1, "{answers}");
    assert!(answers.starts_with("order.paid") && answers.contains(" hmac 200 handled"), "{answers}");
    // A type of the bundled spec is not one of this spec's: nothing is sent.
    let unknown = trigger(&["invoice.created"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("`invoice.created` is not a webhook type of"), "{}", stderr(&unknown));
    assert!(stdout(&unknown).is_empty());

    drop(listen);
    let printed: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(
        printed.iter().filter(|l| l.trim() == "signature    hmac, verified").count(),
        1,
        "{printed:#?}"
    );
    assert!(printed.iter().any(|l| l.trim() == "valid"), "{printed:#?}");
}

#[test]
fn trigger_sends_to_https_endpoints_trusting_the_authority_it_is_given() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = scratch("trigger-https");
    let authority = dir.join("authority.pem");
    std::fs::write(&authority, certified.cert.pem()).unwrap();
    let (port, requests) = tls_endpoint(certified);
    let url = format!("https://localhost:{port}/webhooks");

    let sent = run(&[
        "trigger",
        "fee.created",
        "--url",
        &url,
        "--hmac-key",
        "https-key",
        "--cacert",
        authority.to_str().unwrap(),
    ]);
    assert!(sent.status.success(), "{}{}", stdout(&sent), stderr(&sent));
    assert!(
        stdout(&sent).contains("fee.created") && stdout(&sent).contains(" 200 taken"),
        "{}",
        stdout(&sent)
    );
    // What arrived through TLS is a delivery signed as Lago signs it.
    let request = requests.recv().unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("POST /webhooks HTTP/1.1"), "{head}");
    let signature = lago_webhooks::verify::HmacKey::new("https-key").sign(body.as_bytes());
    assert!(
        head.to_ascii_lowercase().contains(&format!("x-lago-signature: {}", signature.to_ascii_lowercase())),
        "{head}"
    );
    assert!(body.contains("\"webhook_type\":\"fee.created\""), "{body}");

    // Without the authority, the certificate is unknown: no answer, and said why.
    let untrusted = run(&["trigger", "fee.created", "--url", &url, "--hmac-key", "https-key"]);
    assert_eq!(untrusted.status.code(), Some(2));
    assert!(stdout(&untrusted).to_lowercase().contains("certificate"), "{}", stdout(&untrusted));
}

/// An HTTPS endpoint on 127.0.0.1 with `certified`'s certificate, answering every
/// request 200 "taken": its port, and the requests it read (head and body).
fn tls_endpoint(certified: rcgen::CertifiedKey<rcgen::KeyPair>) -> (u16, std::sync::mpsc::Receiver<String>) {
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    #[allow(deprecated)] // ring, as the command uses
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sent, requests) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(connection) = rustls::ServerConnection::new(Arc::clone(&config)) else { continue };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            // A client that does not trust the certificate ends the handshake: next.
            let Some(request) = read_request(&mut tls) else { continue };
            let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\ntaken");
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
            let _ = sent.send(request);
        }
    });
    (port, requests)
}

/// One HTTP/1.1 request with a `content-length`, read whole; `None` if the connection
/// fails first.
fn read_request(stream: &mut impl Read) -> Option<String> {
    let mut read = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let text = String::from_utf8_lossy(&read).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return Some(text);
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return None,
            Ok(n) => read.extend_from_slice(&buffer[..n]),
        }
    }
}

#[test]
fn a_refused_key_is_not_quoted_on_the_terminal() {
    let output = command()
        .args(["trigger", "fee.created", "--url", "http://127.0.0.1:9/webhooks"])
        .env("LAGO_HMAC_KEY", "secret-hmac-key\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(said.contains("surrounding whitespace"), "{said}");
    assert!(!said.contains("secret-hmac-key"), "{said}");
}

#[test]
fn trigger_sends_a_payload_file_byte_for_byte() {
    let dir = scratch("trigger-bytes");
    let file = dir.join("not-utf8.json");
    std::fs::write(&file, b"{\"webhook_type\": \"fee.created\xff\"}").unwrap();
    let (listen, _lines, url) = listen(&["--hmac-key", "bytes-key"]);
    let sent =
        run(&["trigger", "--url", &url, "--hmac-key", "bytes-key", "--payload", file.to_str().unwrap()]);
    // Sent, signed, and refused by the endpoint as a body that does not parse: a problem
    // found (1), not a file that could not be read (2).
    assert_eq!(sent.status.code(), Some(1), "{}{}", stdout(&sent), stderr(&sent));
    assert!(stdout(&sent).contains(" 400 body refused"), "{}", stdout(&sent));
    drop(listen);
}
