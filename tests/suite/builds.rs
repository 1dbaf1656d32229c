//! Crates outside the workspace, built as a user would build them:
//! - one per Cargo block of the README, holding the Rust programs that follow it, so
//!   that every program of the README compiles as pasted (and runs, unless it serves);
//! - a crate with its own spec (a webhook type the bundled spec lacks) that merges the
//!   generated receiver's router into an axum app with state, and gets a signed delivery
//!   through to its handler;
//! - an edit to a crate's spec rebuilds it;
//! - the code generated from mutated specs, compiled, finds in bodies what the same specs
//!   read at run time find (see `mutated_specs`).
//!
//! One test builds them all, one after the other: they share a target directory, whose
//! lock would make parallel tests wait for each other anyway, and a name that sorts first
//! starts the longest work of the suite while the quick tests run beside it.

use std::path::{Path, PathBuf};

/// A type of the bundled spec made smaller, with a spec edit to come.
const OWN_TYPES: &str = r##"
lago_webhooks::lago_webhooks!(
    spec = "its-own-copy.json",
    include = ["customer.checkout_url_generated", "credit_note.refund_failure"],
    derives = [::core::cmp::Eq],
    crate = ::lago_webhooks,
);

// `include` leaves out what the two messages do not reach: were `Invoice`, `Fee` or
// `CreditNote` generated, these would be duplicate definitions.
#[allow(dead_code)]
struct Invoice;
#[allow(dead_code)]
struct Fee;
#[allow(dead_code)]
struct CreditNote;

fn needs_eq<T: Eq>(_: &T) {}

fn main() {
    let body = WebhookType::CreditNoteRefundFailure.example();
    let event = body.parse::<WebhookEvent>().expect("parses");
    let WebhookEvent::CreditNoteRefundFailure { credit_note_payment_provider_refund_error: failure, .. } = &event
    else {
        panic!("wrong variant")
    };
    needs_eq(&**failure);
    let types: Vec<&str> = WebhookType::ALL.iter().map(|t| t.as_str()).collect();
    println!("{} | {}", types.join(","), WebhookType::CustomerCheckoutUrlGenerated.title());
}
"##;

/// A spec of our own: one webhook type Lago does not send.
const LEDGER_SPEC: &str = r##"{
  "format_version": 1,
  "title": "Our ledger",
  "messages": [{
    "webhook_type": "ledger.closed", "object_type": "ledger", "payload_key": "ledger",
    "payload": "Ledger", "title": "Ledger closed", "description": "A ledger was closed for the month.",
    "example": {"webhook_type": "ledger.closed", "object_type": "ledger",
                "ledger": {"code": "eu-2026-11", "balance_cents": 120450, "currency": "EUR"}}
  }],
  "objects": [{
    "name": "Ledger", "description": "A monthly ledger.",
    "fields": [
      {"name": "code", "type": "string", "description": "Its code."},
      {"name": "balance_cents", "type": "integer", "description": "Closing balance, in cents."},
      {"name": "currency", "type": "currency", "description": "Its currency."}
    ]
  }]
}"##;

/// Serves the generated receiver inside an app with state, and delivers to it.
const OWN_RECEIVER: &str = r##"
mod ledger {
    lago_webhooks::lago_webhooks!(spec = "ledger-spec.json");
}

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use lago_webhooks::verify::{Algorithm, HmacKey, Verifier, lago_headers};
use lago_webhooks::{Delivery, HandlerResult};

const KEY: &str = "b2c9e6d1-ledger-hmac";

#[derive(Clone, Default)]
struct Books(Arc<Mutex<Vec<String>>>);

impl ledger::AsyncWebhookHandler for Books {
    async fn on_ledger_closed(&self, ledger: ledger::Ledger, delivery: &Delivery) -> HandlerResult {
        let key = delivery.unique_key.as_deref().unwrap_or("-");
        let line = format!("{} {} {} under {key} by {:?}", ledger.code, ledger.balance_cents, ledger.currency, delivery.algorithm);
        self.0.lock().unwrap().push(line);
        Ok(())
    }
}

#[derive(Clone)]
struct App {
    greeting: &'static str,
}

/// One HTTP/1.1 exchange; the status line and body of the answer.
fn exchange(addr: SocketAddr, request: String, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let text = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    format!("{status} {text}")
}

fn post(addr: SocketAddr, body: &str, unique_key: &str) -> String {
    let signature = HmacKey::new(KEY).sign(body.as_bytes());
    let headers = lago_headers(Algorithm::Hmac, &signature, unique_key).unwrap();
    let mut request = format!("POST /lago HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in &headers {
        request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    request.push_str("\r\n");
    exchange(addr, request, body)
}

#[tokio::main]
async fn main() {
    let books = Books::default();
    let verifier = Verifier::new().with_hmac(KEY).unwrap();
    let app = Router::new()
        .route("/hello", get(|State(app): State<App>| async move { app.greeting }))
        .merge(ledger::receiver(verifier, books.clone()).into_router("/lago"))
        .with_state(App { greeting: "hello from the app" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let body = ledger::WebhookType::LedgerClosed.example();
    let answers = tokio::task::spawn_blocking(move || {
        let get = format!("GET /hello HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
        [post(addr, body, "7d3c-key-1"), post(addr, body, "7d3c-key-1"), exchange(addr, get, "")]
    })
    .await
    .unwrap();
    for answer in answers {
        println!("{answer}");
    }
    for line in books.0.lock().unwrap().iter() {
        println!("{line}");
    }
}
"##;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The README's Cargo blocks, each with the Rust programs that follow it.
fn readme_crates() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let mut crates: Vec<(String, Vec<String>)> = Vec::new();
    let mut block: Option<(String, String)> = None;
    for line in readme.lines() {
        match &mut block {
            None if line.starts_with("```") => block = Some((line[3..].to_owned(), String::new())),
            None => {}
            Some((lang, text)) if line == "```" => {
                match lang.as_str() {
                    "toml" => crates.push((text.clone(), Vec::new())),
                    "rust" => crates.last_mut().expect("a Cargo block comes first").1.push(text.clone()),
                    "sh" => {}
                    other => {
                        panic!("README block of unexpected kind `{other}`: mark Rust `rust`, Cargo `toml`")
                    }
                }
                block = None;
            }
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    crates
}

/// A Cargo block with the runtime taken from this checkout instead of the repository (the
/// form the README gives until the crates are published) or the published version.
fn local_dependencies(cargo: &str) -> String {
    let runtime = format!("path = {:?}", workspace().join("runtime").display().to_string());
    let repository = format!("git = {:?}", env!("CARGO_PKG_REPOSITORY"));
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION").rsplit_once('.').unwrap().0);
    cargo
        .lines()
        .map(|line| match line.strip_prefix("lago-webhooks = ") {
            Some(spec) if spec == version => format!("lago-webhooks = {{ {runtime} }}"),
            Some(spec) => {
                let spec = spec.replacen(&repository, &runtime, 1).replacen(
                    &format!("version = {version}"),
                    &runtime,
                    1,
                );
                assert!(spec.contains(&runtime), "the runtime is named by {repository} or {version}: {line}");
                format!("lago-webhooks = {spec}")
            }
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes a crate with these dependencies and programs (`src/bin/<name>.rs`).
fn write_crate(dir: &Path, dependencies: &str, programs: &[(String, &str)]) {
    let _ = std::fs::remove_dir_all(dir.join("src"));
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    let manifest = format!(
        "[package]\nname = {:?}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n{dependencies}\n\n[workspace]\n",
        dir.file_name().unwrap().to_string_lossy()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    for (name, code) in programs {
        std::fs::write(dir.join(format!("src/bin/{name}.rs")), code).unwrap();
    }
    // The workspace lock file lets the nested build resolve offline, to the same versions.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), dir.join("lago-webhooks.json")).unwrap();
}

/// Runs cargo in `dir`, in the target directory all these crates share with the workspace.
fn cargo(dir: &Path, args: &[&str]) -> String {
    let name = dir.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    if args.first() != Some(&"run") {
        crate::nested_cargo::announce(&format!("cargo {} in the crate {name}", args.join(" ")));
    }
    let output = crate::nested_cargo::outside()
        .args(args)
        .args(["--quiet", "--offline"])
        .current_dir(dir)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "`cargo {}` in {} failed:\n{stderr}", args.join(" "), dir.display());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn crate_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("outside").join(name)
}

#[test]
fn crates_outside_the_workspace_build_and_run_as_a_user_builds_them() {
    every_rust_program_of_the_readme_compiles_as_pasted_and_runs();
    a_crate_with_its_own_spec_serves_a_type_lago_lacks_from_its_app_router();
    a_crate_outside_the_workspace_uses_its_own_spec_and_rebuilds_when_it_changes();
}

fn every_rust_program_of_the_readme_compiles_as_pasted_and_runs() {
    let crates = readme_crates();
    assert_eq!(crates.len(), 3, "the quickstart, the receiver and the own-spec blocks");
    assert_eq!(crates.iter().map(|(_, programs)| programs.len()).sum::<usize>(), 8);
    for (index, (cargo_block, programs)) in crates.iter().enumerate() {
        // Until the crates are published, the form that resolves is the repository's.
        let repository = format!("lago-webhooks = {{ git = {:?}", env!("CARGO_PKG_REPOSITORY"));
        assert!(
            cargo_block.contains(&repository),
            "a README Cargo block without {repository}: {cargo_block}"
        );
        let dir = crate_dir(&format!("readme-{index}"));
        let programs: Vec<(String, &str)> =
            programs.iter().enumerate().map(|(i, code)| (format!("program_{i}"), code.as_str())).collect();
        write_crate(&dir, &local_dependencies(cargo_block), &programs);
        // Servers are compiled, not run (a crate of servers only is type-checked, which is
        // what a user pasting them meets); every other program checks what it shows.
        let runs: Vec<&String> = programs
            .iter()
            .filter(|(_, code)| !code.contains("serve(") && !code.contains("serve_until("))
            .map(|(name, _)| name)
            .collect();
        if runs.is_empty() {
            cargo(&dir, &["check", "--bins"]);
        } else {
            cargo(&dir, &["build", "--bins"]);
        }
        for name in runs {
            cargo(&dir, &["run", "--bin", name]);
        }
    }
}

fn a_crate_with_its_own_spec_serves_a_type_lago_lacks_from_its_app_router() {
    assert!("ledger.closed".parse::<lago_webhooks::WebhookType>().is_err(), "the bundled spec lacks it");
    let dir = crate_dir("own-spec");
    let cargo_block = "[dependencies]\n\
        lago-webhooks = { version = \"0.1\", default-features = false, features = [\"jwt\", \"axum\"] }\n\
        axum = \"0.8\"\n\
        tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }";
    write_crate(&dir, &local_dependencies(cargo_block), &[("own_receiver".to_owned(), OWN_RECEIVER)]);
    std::fs::write(dir.join("ledger-spec.json"), LEDGER_SPEC).unwrap();
    let output = cargo(&dir, &["run", "--bin", "own_receiver"]);
    assert_eq!(
        output.lines().collect::<Vec<_>>(),
        [
            "HTTP/1.1 200 OK handled",
            "HTTP/1.1 200 OK already handled",
            "HTTP/1.1 200 OK hello from the app",
            "eu-2026-11 120450 EUR under 7d3c-key-1 by Some(Hmac)",
        ]
    );
}

fn a_crate_outside_the_workspace_uses_its_own_spec_and_rebuilds_when_it_changes() {
    let dir = crate_dir("own-types");
    write_crate(
        &dir,
        &local_dependencies("[dependencies]\nlago-webhooks = \"0.1\""),
        &[("own_types".to_owned(), OWN_TYPES)],
    );
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), dir.join("its-own-copy.json")).unwrap();
    let run = || cargo(&dir, &["run", "--bin", "own_types"]);
    assert_eq!(run(), "customer.checkout_url_generated,credit_note.refund_failure | Checkout URL generated");

    let spec_path = dir.join("its-own-copy.json");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let edited =
        spec.replacen("\"title\": \"Checkout URL generated\"", "\"title\": \"Mandate link ready\"", 1);
    assert_ne!(edited, spec, "the title to edit is in the spec");
    std::fs::write(&spec_path, edited).unwrap();
    assert_eq!(run(), "customer.checkout_url_generated,credit_note.refund_failure | Mandate link ready");
}

// A test of its own: its builds wait for the others' (cargo locks the target directory),
// but its comparison, most of its time, runs beside them.
#[test]
fn specs_read_at_run_time_find_what_the_code_generated_from_them_finds() {
    let dir = crate_dir("mutated-specs");
    let cargo_block = "[dependencies]\n\
        lago-webhooks = { version = \"0.1\", default-features = false }\n\
        serde_json = \"1\"";
    let program = crate::mutated_specs::program();
    write_crate(&dir, &local_dependencies(cargo_block), &[("compare".to_owned(), program.as_str())]);
    let bundled = std::fs::read_to_string(workspace().join("spec/lago-webhooks.json")).unwrap();
    let specs = crate::mutated_specs::write_specs(&dir, &bundled);
    cargo(&dir, &["build", "--bin", "compare"]);
    let binary = crate::nested_cargo::outside_binary("compare");
    crate::mutated_specs::compare(&specs, |input| {
        use std::io::Write;
        let mut child = std::process::Command::new(&binary)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the program runs");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert!(output.status.success(), "the program answers every body");
        String::from_utf8(output.stdout).unwrap()
    });
}
