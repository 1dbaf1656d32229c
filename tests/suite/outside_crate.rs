//! A crate outside the workspace generates its own types with `lago_webhooks!`, and
//! an edit to its spec rebuilds it.

use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN: &str = r##"
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
    let event = str::parse::<WebhookEvent>(body).expect("parses");
    let WebhookEvent::CreditNoteRefundFailure { credit_note_payment_provider_refund_error: failure, .. } = &event
    else {
        panic!("wrong variant")
    };
    needs_eq(&**failure);
    let types: Vec<&str> = WebhookType::ALL.iter().map(|t| t.as_str()).collect();
    println!("{} | {}", types.join(","), WebhookType::CustomerCheckoutUrlGenerated.title());
}
"##;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write_crate(dir: &Path) {
    let runtime = workspace().join("runtime");
    let manifest = format!(
        "[package]\nname = \"outside\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nlago-webhooks = {{ path = {:?} }}\n\n[workspace]\n",
        runtime.display().to_string()
    );
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), MAIN).unwrap();
    // The workspace lock file lets the nested build resolve offline, to the same versions.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), dir.join("its-own-copy.json")).unwrap();
}

/// Builds and runs the crate, returning what it prints.
fn run(dir: &Path) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "nested build failed:\n{stderr}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_crate_outside_the_workspace_uses_its_own_spec_and_rebuilds_when_it_changes() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("outside-crate");
    write_crate(&dir);
    let first = run(&dir);
    assert_eq!(first, "customer.checkout_url_generated,credit_note.refund_failure | Checkout URL generated");

    let spec_path = dir.join("its-own-copy.json");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let edited =
        spec.replacen("\"title\": \"Checkout URL generated\"", "\"title\": \"Mandate link ready\"", 1);
    assert_ne!(edited, spec, "the title to edit is in the spec");
    std::fs::write(&spec_path, edited).unwrap();
    assert_eq!(run(&dir), "customer.checkout_url_generated,credit_note.refund_failure | Mandate link ready");
}
