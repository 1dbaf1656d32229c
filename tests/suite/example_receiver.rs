//! The example receiver run as its documentation says, with an inbox in PostgreSQL: it
//! answers once a delivery is stored, its worker prints a line for each delivery handled,
//! and SIGTERM stops both, the worker saying what it did. Without an inbox, it prints what
//! senders wrote escaped. The demo runs as the README's first command runs it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use lago_webhooks::WebhookType;
use lago_webhooks::verify::{Algorithm, HmacKey, lago_headers};

use crate::lago_sender::client;
use crate::nested_cargo;
use crate::processes::printed;
use crate::services::{Cleanup, Schema, postgres_url};

const HMAC_KEY: &str = "7e1f0a2b-example-receiver";

/// An example's binary, built as `cargo test --workspace` builds it (so that this is a
/// no-op then: the same features, the same build, the same environment).
fn built(name: &str) -> PathBuf {
    let workspace = env!("CARGO_MANIFEST_DIR");
    nested_cargo::announce(&format!("building the example {name}"));
    let built = nested_cargo::command()
        .args(["build", "--quiet", "--workspace", "--example", name])
        .current_dir(workspace)
        .status()
        .unwrap();
    assert!(built.success());
    let deps = std::env::current_exe().unwrap();
    deps.parent().unwrap().parent().unwrap().join("examples").join(name)
}

fn example() -> PathBuf {
    built("receiver")
}

/// The README's first command, `cargo run --example demo`: every delivery handled, and
/// the summary it ends with.
#[test]
fn the_demo_delivers_every_type_and_says_so() {
    let output = Command::new(built("demo")).output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    let last = printed.lines().last().unwrap_or_default();
    let types = WebhookType::ALL.len();
    assert!(last.starts_with(&format!("{types} of {types} types delivered, handled and valid")), "{last}");
    // It shows the refusals the README lists.
    for refusal in ["401: signature refused", "400 (hmac): body refused", "400 (jwt): body refused"] {
        assert!(printed.contains(refusal), "no {refusal} shown:\n{printed}");
    }
}

/// The example receiver on a free port with [`HMAC_KEY`] and `inbox` (no inbox when
/// empty), none of its other settings: the process, a function waiting for the next line
/// it prints holding a text (a minute at most), and its address.
fn start(inbox: &[(&str, String)]) -> (std::process::Child, impl Fn(&str) -> String, std::net::SocketAddr) {
    let mut command = Command::new(example());
    command.env("PORT", "0").env("LAGO_HMAC_KEY", HMAC_KEY);
    for name in ["LAGO_INBOX_URL", "LAGO_INBOX_NAME", "LAGO_PUBLIC_KEY", "LAGO_INBOX_ROLE", "LAGO_DEDUP_URL"]
    {
        command.env_remove(name);
    }
    let mut receiver =
        command.envs(inbox.iter().cloned()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let printed = printed(&mut receiver, |line| Some(line.to_owned()));
    let next_line = move |want: &str| loop {
        let line =
            printed.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("no line with {want:?}"));
        if line.contains(want) {
            return line;
        }
    };
    let listening = next_line("listening on http://");
    let addr =
        listening.trim_start_matches("listening on http://").trim_end_matches("/webhooks").parse().unwrap();
    (receiver, next_line, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_receiver_stores_then_handles_with_an_inbox_and_stops_on_sigterm() {
    let schema = Schema::create().await;
    let _cleanup = Cleanup::schema(&schema.name);
    let inbox_name = format!("{}.inbox", schema.name);
    let inbox = [("LAGO_INBOX_URL", postgres_url()), ("LAGO_INBOX_NAME", inbox_name)];
    let (mut receiver, next_line, addr) = start(&inbox);

    // A type of the old docs page, and one its printer does not know: a line each.
    for (webhook_type, key) in
        [(WebhookType::InvoiceCreated, "example-1"), (WebhookType::WalletCreated, "example-2")]
    {
        let body = webhook_type.example().as_bytes();
        let headers = lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(body), key).unwrap();
        let (status, text) = client::post(addr, "/webhooks", &headers, body.to_vec()).await.unwrap();
        assert_eq!((status, text.as_str()), (200, "stored in the inbox"));
    }
    // Handled concurrently: the lines come in either order.
    let (mut invoice, mut wallet) = (None, None);
    while invoice.is_none() || wallet.is_none() {
        let line = next_line(".created");
        if line.starts_with("invoice.created") {
            invoice = Some(line);
        } else if line.starts_with("wallet.created") {
            wallet = Some(line);
        }
    }
    let (invoice, wallet) = (invoice.unwrap_or_default(), wallet.unwrap_or_default());
    assert!(invoice.contains("invoice ") && invoice.contains(" total "), "{invoice}");
    assert!(wallet.contains("lago_id="), "{wallet}");

    let stopped = Command::new("kill").args(["-TERM", &receiver.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    let report = next_line("worker stopped");
    assert!(report.contains("2 handled, 0 retried, 0 dead"), "{report}");
    next_line("stopped");
    assert!(receiver.wait().unwrap().success());
}

/// The example receiver without an inbox prints what senders wrote with its control
/// characters escaped: a signed field cannot drive the terminal that shows the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_receiver_escapes_what_a_sender_wrote_in_the_lines_it_prints() {
    let (mut receiver, next_line, addr) = start(&[]);

    let mut invoice: serde_json::Value = serde_json::from_str(WebhookType::InvoiceCreated.example()).unwrap();
    invoice["invoice"]["number"] = "F\u{1b}[2J\u{9b}1\n-forged".into();
    let unknown = serde_json::json!({
        "webhook_type": "thing.\u{1b}]0;owned\u{7}made",
        "object_type": "thing",
        "thing": {}
    });
    for (body, key) in [(invoice, "escaped-1"), (unknown, "escaped-2")] {
        let body = body.to_string().into_bytes();
        let headers = lago_headers(Algorithm::Hmac, &HmacKey::new(HMAC_KEY).sign(&body), key).unwrap();
        let (status, text) = client::post(addr, "/webhooks", &headers, body).await.unwrap();
        assert_eq!(status, 200, "{text}");
    }
    // Handled as they arrive, one after the other: the lines come in order.
    let invoice = next_line("invoice.created");
    assert!(invoice.contains(" F\\u{1b}[2J\\u{9b}1\\u{a}-forged total "), "{invoice:?}");
    let unknown = next_line("not in the spec");
    assert!(unknown.starts_with("thing.\\u{1b}]0;owned\\u{7}made "), "{unknown:?}");
    for line in [&invoice, &unknown] {
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }

    let stopped = Command::new("kill").args(["-TERM", &receiver.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    next_line("stopped");
    assert!(receiver.wait().unwrap().success());
}
