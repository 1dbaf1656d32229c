//! The `lago-webhooks` binary, run as a user runs it.

// Each capability's tests in a file of their own, all in this one test binary.
#[path = "cli/commands.rs"]
mod commands;
#[path = "cli/export.rs"]
mod export;
#[path = "cli/inspector.rs"]
mod inspector;
#[path = "cli/readme.rs"]
mod readme;
#[path = "cli/trigger.rs"]
mod trigger;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lago-webhooks");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The variables the command takes keys from: a test sets them itself, whatever the
/// shell that runs it has.
const KEY_VARIABLES: [&str; 4] = ["LAGO_HMAC_KEY", "LAGO_PUBLIC_KEY", "LAGO_ISSUER", "LAGO_FORWARD_HMAC_KEY"];

/// The binary, without the key variables of the environment.
fn command() -> Command {
    let mut command = Command::new(BIN);
    for variable in KEY_VARIABLES {
        command.env_remove(variable);
    }
    command
}

fn run(args: &[&str]) -> Output {
    command().args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Where a test writes a spec of its own (`spec.json` in its scratch directory), no
/// spec there yet.
fn scratch_spec(name: &str) -> PathBuf {
    let path = scratch(name).join("spec.json");
    let _ = std::fs::remove_file(&path);
    path
}

/// The bundled spec as JSON, to edit.
fn bundled() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(workspace().join("spec/lago-webhooks.json")).unwrap())
        .unwrap()
}

#[test]
fn every_command_has_help() {
    for command in [
        &[][..],
        &["generate"],
        &["check"],
        &["diff"],
        &["import-docs"],
        &["trigger"],
        &["listen"],
        &["inbox"],
        &["export"],
    ] {
        let output = run(&[command, &["--help"][..]].concat());
        assert!(output.status.success(), "{command:?}");
        assert!(stdout(&output).contains("Usage: lago-webhooks"), "{command:?}: {}", stdout(&output));
    }
}

#[test]
fn check_passes_the_bundled_spec_and_its_examples_and_fails_a_broken_spec_with_its_place() {
    let dir = scratch("check");
    let example = dir.join("fee.json");
    std::fs::write(&example, lago_webhooks::WebhookType::FeeCreated.example()).unwrap();
    let output = run(&["check", example.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("ok lago-webhooks.json (bundled)"));
    assert!(stdout(&output).contains("(fee.created)"));

    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        "{\"format_version\": 1, \"title\": \"x\",\n \"messages\": [{\"webhook_type\": \"a.b\"}]}",
    )
    .unwrap();
    let output = run(&["check", "--spec", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains(&format!("--> {}:2:15", broken.display())), "{text}");
    assert!(text.contains("missing field `object_type`"), "{text}");

    let invalid = dir.join("invalid.json");
    let body =
        lago_webhooks::WebhookType::FeeCreated.example().replacen("\"lago_id\":\"", "\"lago_id\":\"x", 1);
    std::fs::write(&invalid, body).unwrap();
    let output = run(&["check", invalid.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("/fee/lago_id: `xc2d3e4f5"), "{}", stdout(&output));
}

#[test]
fn generated_code_compiles_in_a_crate_of_its_own() {
    let dir = scratch("generated");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let generated = dir.join("src/generated.rs");
    let output = run(&["generate", "--out", generated.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // And one message with its borrowed flavour, in a module of its own.
    let fee = dir.join("src/fee.rs");
    let output = run(&["generate", "--include", "fee.created", "--borrowed", "--out", fee.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // And, with derives that hold for every field they reach, a message of other types.
    let payment = dir.join("src/payment.rs");
    let output = run(&[
        "generate",
        "--include",
        "quote.created",
        "--derive",
        "Eq",
        "--derive",
        "::core::hash::Hash",
        "--out",
        payment.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // The committed snapshots are these files below their header, so building this crate
    // is what shows that they compile, warning-free, outside the workspace.
    let body = |text: &str| text.split_once("\n\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    let lib = std::fs::read_to_string(&generated).unwrap();
    let fee = std::fs::read_to_string(&fee).unwrap();
    assert!(fee.contains("pub mod borrowed"));
    for (generated, snapshot) in [(&lib, "lago-webhooks.rs"), (&fee, "fee-created-borrowed.rs")] {
        let committed = std::fs::read_to_string(workspace().join("tests/snapshots").join(snapshot)).unwrap();
        assert!(body(generated) == body(&committed), "`generate` and tests/snapshots/{snapshot} differ");
    }
    // Private modules, as a crate keeps generated code: nothing in them is used, and
    // `deny(warnings)` turns each dead-code warning into an error.
    let root = "#![deny(warnings)]\nmod fee;\nmod generated;\nmod payment;\n";
    std::fs::write(dir.join("src/lib.rs"), root).unwrap();
    let runtime = workspace().join("runtime");
    let manifest = format!(
        "[package]\nname = \"generated\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nlago-webhooks = {{ path = {:?}, default-features = false }}\nserde_json = \"1\"\n\n[workspace]\n",
        runtime.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut build = Command::new(env!("CARGO"));
    // Without the variables `cargo test` gives this process, as a shell would run it: a
    // build script that reruns when one changes would otherwise rebuild for each caller.
    let by_cargo_test =
        ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_TARGET_TMPDIR"];
    for (name, _) in std::env::vars().filter(|(name, _)| by_cargo_test.iter().any(|p| name.starts_with(p))) {
        build.env_remove(name);
    }
    // As the suite builds its crates outside the workspace: in the workspace's target
    // directory, with its dev profile, so that what they share with it is built once.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let build = build
        .args(["build", "--quiet", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
}

#[test]
fn diff_calls_a_removed_message_major_and_an_added_optional_field_minor() {
    let dir = scratch("diff");
    let write = |name: &str, spec: &serde_json::Value| {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let old = write("old.json", &bundled());
    let mut removed = bundled();
    removed["messages"].as_array_mut().unwrap().retain(|m| m["webhook_type"] != "fee.created");
    let output = run(&["diff", &old, &write("removed.json", &removed)]);
    assert_eq!(output.status.code(), Some(1), "breaking");
    assert!(stdout(&output).contains("message `fee.created` removed"), "{}", stdout(&output));
    assert!(stdout(&output).contains("verdict: major"));

    let mut added = bundled();
    let fee = added["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["name"] == "Fee").unwrap();
    fee["fields"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "carbon_grams", "type": "integer", "optional": true, "description": "Emissions, in grams."
    }));
    let output = run(&["diff", &old, &write("added.json", &added)]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("field `Fee.carbon_grams` added"), "{}", stdout(&output));
    assert!(stdout(&output).contains("verdict: minor"));

    // A required field dated after the floor is an `Option` in the types without a pin.
    let mut dated = bundled();
    let fee = dated["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["name"] == "Fee").unwrap();
    let field = fee["fields"].as_array_mut().unwrap().iter_mut().find(|f| f["name"] == "lago_id").unwrap();
    field["since"] = serde_json::json!("1.2.0");
    let output = run(&["diff", &old, &write("dated.json", &dated)]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("field `Fee.lago_id` may now be absent or null"), "{}", stdout(&output));
    assert!(stdout(&output).contains("field `Fee.lago_id`: releases"));
}

#[test]
fn versions_and_release_diffs_name_the_known_changes() {
    let output = run(&["versions"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    // The lines of one release: its heading and what follows up to the next heading.
    let release = |name: &str| -> String {
        let heading = format!("{name}  ");
        let mut lines = text.lines().skip_while(|line| !line.starts_with(&heading));
        let first = lines.next().unwrap_or_else(|| panic!("no release {name} in:\n{text}"));
        let rest: Vec<&str> = lines.take_while(|line| line.starts_with(' ')).collect();
        format!("{first}\n{}", rest.join("\n"))
    };
    assert!(text.lines().next().unwrap().contains("releases 1.0.0 (the floor"), "{text}");
    assert!(release("1.0.0").contains("22 webhook types"));
    assert!(release("1.10.0").contains("38 webhook types"));
    assert!(release("1.30.0").contains("52 webhook types") && release("1.40.0").contains("58 webhook types"));
    assert!(
        release("1.51.0").contains("66 webhook types") && release("unreleased").contains("75 webhook types")
    );
    let r182 = release("1.8.2");
    assert!(r182.contains("field WalletTransaction.invoice_requires_successful_payment"), "{r182}");
    assert!(r182.contains("field Wallet.invoice_requires_successful_payment"), "{r182}");
    let r190 = release("1.9.0");
    assert!(
        r190.contains("field WalletTransaction.source")
            && r190.contains("message customer.tax_provider_error")
    );
    assert!(r190.contains("breaking  field TaxProviderCustomerError.accounting_provider, "), "{r190}");
    assert!(release("1.10.0").contains("field TaxProviderCustomerError.tax_provider,"));
    let r1340 = release("1.34.0");
    assert!(r1340.contains("field Payment.payable_type"), "{r1340}");
    assert!(
        r1340.contains("changed  message payment.requires_action: Built by Lago's full payment serializer"),
        "{r1340}"
    );
    assert!(
        release("1.10.0")
            .contains("breaking  message customer.tax_provider_error: Built by the tax integrations'")
    );
    assert!(release("unreleased").contains("message quote.created"));

    let output = run(&["diff", "--lago-versions", "1.9.0", "1.10.0"]);
    assert_eq!(output.status.code(), Some(1), "a key no longer sent breaks");
    let text = stdout(&output);
    assert!(
        text.contains("breaking  field TaxProviderCustomerError.accounting_provider no longer sent"),
        "{text}"
    );
    assert!(text.contains("added  field TaxProviderCustomerError.tax_provider\n"), "{text}");
    assert!(!text.contains("WalletTransaction.source"), "added in 1.9.0 itself: {text}");
    assert!(text.contains("verdict: major"));
    let output = run(&["diff", "--lago-versions", "1.8.0", "1.8.2"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("added  field WalletTransaction.invoice_requires_successful_payment"));
    assert!(stdout(&output).contains("verdict: minor"));
    let backwards = run(&["diff", "--lago-versions", "1.10.0", "1.9.0"]);
    assert!(stderr(&backwards).contains("the first release must come before the second"));
}

#[test]
fn trigger_delivers_every_bundled_type_to_listen_signed_either_way() {
    let fixtures = workspace().join("tests/fixtures/signing");
    let public = fixtures.join("lago-test-public.pem");
    let (listen, lines, url) = listen(&[
        "--hmac-key",
        "cli-hmac-key",
        "--issuer",
        "https://api.getlago.com",
        "--public-key",
        public.to_str().unwrap(),
    ]);

    let types = lago_webhooks::WebhookType::ALL.len();
    let private = fixtures.join("lago-test-private.pem");
    let schemes: [&[&str]; 2] = [
        &["--hmac-key", "cli-hmac-key"],
        &["--jwt-key", private.to_str().unwrap(), "--issuer", "https://api.getlago.com"],
    ];
    for scheme in schemes {
        let output = run(&[&["trigger", "--url", &url][..], scheme].concat());
        assert!(output.status.success(), "{}", stdout(&output));
        let answers: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        assert_eq!(answers.len(), types);
        assert!(answers.iter().all(|line| line.contains(" 200 handled")), "{answers:#?}");
    }
    let refused = run(&["trigger", "fee.created", "--url", &url, "--hmac-key", "not-the-key"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stdout(&refused).contains("401 signature refused"));
    // As Lago 1.8.2 shaped it: a wallet transaction (without the keys 1.8.2 did not send)
    // is delivered; a quote, which no release sends yet, is not.
    let shaped = run(&[
        "trigger",
        "wallet_transaction.created",
        "quote.created",
        "--url",
        &url,
        "--hmac-key",
        "cli-hmac-key",
        "--lago-version",
        "1.8.2",
    ]);
    assert!(shaped.status.success(), "{}", stdout(&shaped));
    let shaped = stdout(&shaped);
    let answers: Vec<&str> = shaped.lines().collect();
    assert_eq!(answers.len(), 2, "{answers:#?}");
    assert!(
        answers[0].starts_with("quote.created")
            && answers[0].contains("skipped: Lago 1.8.2 does not send it")
    );
    assert!(answers[1].starts_with("wallet_transaction.created") && answers[1].contains(" 200 handled"));

    drop(listen);
    let printed: Vec<String> = lines.map_while(Result::ok).collect();
    let verified = |scheme: &str| {
        printed.iter().filter(|l| l.trim() == format!("signature    {scheme}, verified")).count()
    };
    assert_eq!((verified("hmac"), verified("jwt")), (types + 1, types));
    assert_eq!(
        printed.iter().filter(|l| l.trim() == "valid").count(),
        2 * types + 1,
        "every example is valid"
    );
    assert!(printed.iter().any(|l| l.contains("refused      signature refused")));
}

/// `listen` on a free port with these options: the process (stopped however the test
/// ends), the lines it prints after its first, and the URL that first line gives.
fn listen(options: &[&str]) -> (Running, std::io::Lines<BufReader<std::process::ChildStdout>>, String) {
    let mut child =
        command().args(["listen", "--port", "0"]).args(options).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let child = Running(child);
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").expect("listen says where").to_owned();
    (child, lines, url)
}

/// A child process killed and reaped when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn import_docs_finds_every_example_of_a_page_and_the_invalid_ones_by_line() {
    // A page in the docs site's plain-text shape, around the old page's 16 examples as
    // published (two of them are not valid JSON).
    let docs = workspace().join("tests/fixtures/docs");
    let mut names: Vec<_> = std::fs::read_dir(&docs).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let (mut page, mut expected) = (String::from("Messages\n\nEvery webhook message.\n\n"), Vec::new());
    for path in &names {
        let example = std::fs::read_to_string(path).unwrap();
        page.push_str(&format!("{}\nWhen it is sent.\n", path.file_stem().unwrap().to_string_lossy()));
        if let Err(err) = serde_json::from_str::<serde_json::Value>(&example) {
            expected.push(page.lines().count() + err.line());
        }
        page.push_str(example.trim_end());
        page.push_str("\nAttributesDescription\nlago_id\nString\n\n");
    }
    assert_eq!(expected.len(), 2);
    let dir = scratch("import-docs");
    let file = dir.join("page.txt");
    std::fs::write(&file, &page).unwrap();
    let output = run(&["import-docs", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "invalid examples are problems");
    let text = stdout(&output);
    assert!(text.contains("16 example(s) found, 14 message(s), 2 not valid JSON"), "{text}");
    for line in expected {
        assert!(text.contains(&format!("{}:{line}:", file.display())), "line {line}: {text}");
    }

    // A field the spec lacks, with its inferred type.
    let fee = lago_webhooks::WebhookType::FeeCreated.example().replacen(
        "\"fee\":{",
        "\"fee\":{\"carbon_grams\":12,",
        1,
    );
    let markdown = dir.join("page.md");
    std::fs::write(&markdown, format!("# Fee created\n\n```json\n{fee}\n```\n")).unwrap();
    let output = run(&["import-docs", markdown.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(
        stdout(&output).contains("field `Fee.carbon_grams` (integer, in `fee.created`): 12"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn unusable_command_lines_exit_2_before_doing_anything() {
    for args in [
        &["trigger", "--url", "ftp://example.com/x", "--hmac-key", "k"][..],
        &["trigger", "no.such_type", "--url", "http://127.0.0.1:9/x", "--hmac-key", "k"],
        &["trigger", "--url", "http://127.0.0.1:9/x", "--hmac-key", " k\n"],
        &["generate", "--derive", "not a path"],
        &["generate", "--crate", ""],
        &["listen", "--path", "webhooks", "--hmac-key", "k"],
        &["listen", "--path", "/:id", "--hmac-key", "k"],
        &["check", "no-such-payload.json"],
    ] {
        let output = command().args(args).current_dir(workspace()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(output.stdout.is_empty(), "{args:?} printed before refusing");
    }
}

#[test]
fn an_added_enumeration_value_is_breaking_for_exhaustive_matches() {
    let dir = scratch("diff-enum");
    let old = dir.join("old.json");
    std::fs::write(&old, serde_json::to_string(&bundled()).unwrap()).unwrap();
    let mut added = bundled();
    let status =
        added["enums"].as_array_mut().unwrap().iter_mut().find(|e| e["name"] == "InvoiceStatus").unwrap();
    status["values"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"value": "archived", "description": "Archived."}));
    let new = dir.join("new.json");
    std::fs::write(&new, serde_json::to_string(&added).unwrap()).unwrap();
    let output = run(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("value `archived` of `InvoiceStatus` added"), "{}", stdout(&output));
    assert!(stdout(&output).contains("verdict: major"));
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let mut child =
        Command::new(BIN).arg("generate").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Read one line, then hang up.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().starts_with("// Generated by"));
    drop(lines);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

fn openapi(path: &str) -> String {
    workspace().join("cli/tests/fixtures/openapi").join(path).to_str().unwrap().to_owned()
}

/// The spec `import-openapi FILE` prints.
fn imported(file: &str) -> serde_json::Value {
    let output = run(&["import-openapi", &openapi(file)]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn find<'v>(list: &'v serde_json::Value, key: &str, name: &str) -> &'v serde_json::Value {
    list.as_array().unwrap().iter().find(|item| item[key] == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn import_openapi_converts_split_and_bundled_descriptions_alike() {
    let spec = imported("split/openapi.yaml");
    assert_eq!(spec, imported("bundled.yaml"), "the split files and the bundled file give one spec");

    let types = texts(&spec["messages"], "webhook_type");
    assert_eq!(
        types,
        [
            "invoice.created",
            "invoice.voided",
            "customer.payment_provider_error",
            "wallet_transaction.created"
        ]
    );
    let wallet = find(&spec["messages"], "webhook_type", "wallet_transaction.created");
    assert_eq!(wallet["payload"], "WalletTransactionExtended", "`const` names the type; `Object` is dropped");

    // allOf: the base's properties, then the extension's, the base's description.
    let invoice = find(&spec["objects"], "name", "Invoice");
    assert_eq!(invoice["description"], "A bill sent to a customer.");
    let field = |object: &serde_json::Value, name: &str| find(&object["fields"], "name", name).clone();
    let names = texts(&invoice["fields"], "name");
    assert_eq!(names[..3], ["lago_id", "number", "status"]);
    assert_eq!(names[names.len() - 3..], ["customer", "fees", "error_details"]);
    // Formats, enumerations, Currency, required and nullable in both notations.
    let expect = |object: &serde_json::Value, name: &str, ty: &str, optional: bool, nullable: bool| {
        let f = field(object, name);
        assert_eq!(f["type"], ty, "{name}");
        assert_eq!(f["optional"].as_bool().unwrap_or(false), optional, "{name} optional");
        assert_eq!(f["nullable"].as_bool().unwrap_or(false), nullable, "{name} nullable");
    };
    expect(invoice, "lago_id", "id", false, false);
    expect(invoice, "status", "InvoiceStatus", false, false);
    expect(invoice, "currency", "currency", false, false);
    expect(invoice, "issuing_date", "date", false, false);
    expect(invoice, "created_at", "datetime", false, false);
    expect(invoice, "file_url", "url", false, true);
    expect(invoice, "voided_at", "datetime", true, true);
    expect(invoice, "fees", "Fee[]", true, false);
    expect(invoice, "error_details", "InvoiceErrorDetails[]", true, false);
    let customer = find(&spec["objects"], "name", "Customer");
    expect(customer, "name", "string", true, true);
    expect(customer, "metadata", "json", true, false);
    assert_eq!(field(customer, "email")["format"], "email");
    let fee = find(&spec["objects"], "name", "Fee");
    expect(fee, "payment_status", "FeePaymentStatus", true, true);
    let values = &find(&spec["enums"], "name", "FeePaymentStatus")["values"];
    assert_eq!(
        values,
        &serde_json::json!([{"value": "pending"}, {"value": "succeeded"}]),
        "null is no value"
    );
    let status = find(&spec["enums"], "name", "InvoiceStatus");
    assert_eq!(
        status["values"],
        serde_json::json!([{"value": "draft"}, {"value": "finalized"}, {"value": "voided"}])
    );
    // An inline enumeration of a shared base is defined once, however many objects include it.
    assert_eq!(
        spec["enums"].as_array().unwrap().iter().filter(|e| e["values"] == status["values"]).count(),
        1
    );

    // oneOf: a free-form object alternative makes `json`; distinct kinds make a union;
    // a null alternative makes the field nullable.
    let error = find(&spec["objects"], "name", "PaymentProviderError");
    expect(error, "provider_error", "json", false, false);
    let details = find(&spec["unions"], "name", field(error, "error_details")["type"].as_str().unwrap());
    assert_eq!(
        details["variants"],
        serde_json::json!([{"name": "Text", "type": "string"}, {"name": "ErrorReport", "type": "ErrorReport"}])
    );
    let code = find(&spec["unions"], "name", field(error, "error_code")["type"].as_str().unwrap());
    assert_eq!(
        code["variants"],
        serde_json::json!([{"name": "Text", "type": "string"}, {"name": "Integer", "type": "integer"}])
    );
    let configuration = find(&spec["objects"], "name", "CustomerBillingConfiguration");
    let vies = field(configuration, "vies_check");
    assert_eq!(vies["nullable"], true);
    let vies = find(&spec["unions"], "name", vies["type"].as_str().unwrap());
    assert_eq!(
        vies["variants"],
        serde_json::json!([
            {"name": "ViesCheck", "type": "ViesCheck"}, {"name": "Flag", "type": "boolean"}
        ])
    );
    // `nullable` beside a `$ref`.
    expect(find(&spec["objects"], "name", "WalletTransactionExtended"), "invoice", "InvoiceBase", true, true);

    // What it writes is a spec the generator takes.
    let path = scratch_spec("import-openapi-new");
    let output =
        run(&["import-openapi", &openapi("split/openapi.yaml"), "--into", path.to_str().unwrap(), "--write"]);
    assert!(output.status.success(), "{}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    let output = run(&["check", "--spec", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn import_openapi_round_trips_and_reports_and_merges_drift_keeping_curation() {
    let path = scratch_spec("import-openapi-drift");
    let spec = path.to_str().unwrap();
    let import = |file: &str, write: bool| {
        let mut args = vec!["import-openapi", file, "--into", spec];
        if write {
            args.push("--write");
        }
        run(&args)
    };
    assert!(import(&openapi("bundled.yaml"), true).status.success());
    let written = std::fs::read_to_string(&path).unwrap();

    // Round trip: importing again finds nothing, from either form, and writes nothing.
    for file in ["bundled.yaml", "split/openapi.yaml"] {
        let output = import(&openapi(file), false);
        assert!(output.status.success(), "{}", stdout(&output));
        assert!(stdout(&output).contains("no drift"), "{}", stdout(&output));
        let output = import(&openapi(file), true);
        assert!(stdout(&output).contains("0 change(s) merged"), "{}", stdout(&output));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    }

    // Curate the spec: rename an object, describe a field, widen presence, narrow types,
    // drop what upstream has, add what it lacks.
    let mut curated: serde_json::Value = serde_json::from_str(&written).unwrap();
    let objects = curated["objects"].as_array_mut().unwrap();
    for object in objects.iter_mut() {
        if object["name"] == "Invoice" {
            object["name"] = "Bill".into();
        }
        for field in object["fields"].as_array_mut().unwrap() {
            if field["type"] == "Invoice" {
                field["type"] = "Bill".into();
            }
        }
    }
    let bill = objects.iter_mut().find(|o| o["name"] == "Bill").unwrap();
    let fields = bill["fields"].as_array_mut().unwrap();
    fields.retain(|f| f["name"] != "voided_at" && f["name"] != "created_at");
    let number = fields.iter_mut().find(|f| f["name"] == "number").unwrap();
    number["description"] = "Curated: the number printed on the PDF.".into();
    number["nullable"] = true.into();
    fields.push(serde_json::json!({"name": "tax_id", "type": "string", "optional": true, "description": "Known to the server."}));
    let fee = objects.iter_mut().find(|o| o["name"] == "Fee").unwrap();
    let units = fee["fields"].as_array_mut().unwrap().iter_mut().find(|f| f["name"] == "units").unwrap();
    units["type"] = "decimal".into();
    let amount =
        fee["fields"].as_array_mut().unwrap().iter_mut().find(|f| f["name"] == "amount_cents").unwrap();
    amount["type"] = "string".into();
    let wallet = objects.iter_mut().find(|o| o["name"] == "Wallet").unwrap();
    let balance =
        wallet["fields"].as_array_mut().unwrap().iter_mut().find(|f| f["name"] == "balance_cents").unwrap();
    balance["optional"] = false.into();
    for message in curated["messages"].as_array_mut().unwrap() {
        if message["payload"] == "Invoice" {
            message["payload"] = "Bill".into();
        }
    }
    curated["messages"].as_array_mut().unwrap().retain(|m| m["webhook_type"] != "invoice.voided");
    let mut extra = curated["messages"][0].clone();
    extra["webhook_type"] = "invoice.resent".into();
    curated["messages"].as_array_mut().unwrap().push(extra);
    let status =
        curated["enums"].as_array_mut().unwrap().iter_mut().find(|e| e["name"] == "InvoiceStatus").unwrap();
    status["values"].as_array_mut().unwrap().retain(|v| v["value"] != "voided");
    status["values"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"value": "closed", "description": "Known to the server."}));
    std::fs::write(&path, serde_json::to_string_pretty(&curated).unwrap()).unwrap();

    let output = import(&openapi("split/openapi.yaml"), false);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "drift to decide: {report}");
    for line in [
        "minor  message `invoice.voided` is new (merged with --write)",
        "breaking  message `invoice.resent` is not upstream (recorded as decided with --write)",
        "   minor  field `Bill.voided_at` (datetime) is new (merged with --write)",
        "breaking  field `Bill.created_at` (datetime) is new, always present upstream; taken as optional (merged with --write)",
        "breaking  field `Bill.tax_id` is not upstream (recorded as decided with --write)",
        "breaking  `Fee.amount_cents` is integer upstream, string in the spec (recorded as decided with --write)",
        "breaking  value `voided` of `InvoiceStatus` is new (merged with --write)",
        "breaking  value `closed` of `InvoiceStatus` is not upstream (recorded as decided with --write)",
        "8 difference(s) to decide, 6 breaking",
        "difference(s) the spec has decided (--all lists them)",
    ] {
        assert!(report.contains(line), "missing `{line}` in:\n{report}");
    }
    // Presence and narrower types are the spec's by nature: counted, not listed.
    assert!(!report.contains("may be"), "{report}");
    assert!(!report.contains("Invoice."), "the renamed object is paired by use, not by name:\n{report}");
    for all in ["--all", "--verbose", "-v"] {
        let listed = stdout(&run(&["import-openapi", &openapi("split/openapi.yaml"), "--into", spec, all]));
        for line in [
            "   minor  `Bill.number` may be null in the spec, never upstream (decided: presence is the spec's)",
            "breaking  `Wallet.balance_cents` may be absent upstream, not in the spec (decided: presence is the spec's)",
            "breaking  `Fee.units` is string upstream, decimal in the spec (decided: the spec's type is narrower)",
        ] {
            assert!(listed.contains(line), "{all}: missing `{line}` in:\n{listed}");
        }
        assert!(!listed.contains("(--all lists them)"), "{listed}");
    }

    let output = import(&openapi("split/openapi.yaml"), true);
    assert!(output.status.success(), "{}", stdout(&output));
    let merged: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let bill = find(&merged["objects"], "name", "Bill");
    assert!(
        merged["objects"].as_array().unwrap().iter().all(|o| o["name"] != "Invoice"),
        "no second copy of Bill"
    );
    let number = find(&bill["fields"], "name", "number");
    assert_eq!(number["description"], "Curated: the number printed on the PDF.");
    assert_eq!(number["nullable"], true);
    let created = find(&bill["fields"], "name", "created_at");
    assert_eq!(
        (&created["type"], &created["optional"]),
        (&"datetime".into(), &true.into()),
        "never stricter than before"
    );
    assert_eq!(find(&bill["fields"], "name", "voided_at")["nullable"], true);
    assert!(bill["fields"].as_array().unwrap().iter().any(|f| f["name"] == "tax_id"));
    let fee = find(&merged["objects"], "name", "Fee");
    assert_eq!(find(&fee["fields"], "name", "units")["type"], "decimal");
    assert_eq!(find(&fee["fields"], "name", "amount_cents")["type"], "string");
    let voided = find(&merged["messages"], "webhook_type", "invoice.voided");
    assert_eq!(voided["payload"], "Bill", "a new message of a known payload uses the spec's name");
    assert!(merged["messages"].as_array().unwrap().iter().any(|m| m["webhook_type"] == "invoice.resent"));
    let values: Vec<&str> = find(&merged["enums"], "name", "InvoiceStatus")["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["draft", "finalized", "closed", "voided"]);
    assert!(run(&["check", "--spec", spec]).status.success());

    // What was left to decide is recorded as decided: importing again has nothing to
    // decide, and passes.
    let recorded = &merged["drift"][0];
    assert_eq!(
        recorded["differences"],
        serde_json::json!([
            "message invoice.resent",
            "type Fee.amount_cents",
            "field Bill.tax_id",
            "value InvoiceStatus.closed"
        ])
    );
    let output = import(&openapi("split/openapi.yaml"), false);
    let report = stdout(&output);
    assert!(output.status.success(), "{report}");
    assert!(report.starts_with("no drift to decide\n"), "{report}");
    assert!(report.contains("difference(s) the spec has decided (--all lists them)"), "{report}");
    let listed = stdout(&run(&["import-openapi", &openapi("split/openapi.yaml"), "--into", spec, "--all"]));
    assert!(
        listed
            .contains("breaking  field `Bill.tax_id` is not upstream (decided: the spec's drift records it)"),
        "{listed}"
    );
}

#[test]
fn import_openapi_names_the_place_of_each_problem() {
    let dir = scratch("import-openapi-broken");
    let root = dir.join("openapi.yaml");
    std::fs::write(&root, "openapi: 3.1.0\nwebhooks:\n  a:\n    post: [\n").unwrap();
    let output = run(&["import-openapi", root.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains(&format!("{}:5:1:", root.display())), "file:line:col: {text}");

    std::fs::write(
        &root,
        "openapi: 3.1.0\nwebhooks:\n  a:\n    $ref: './missing.yaml'\n  b:\n    post:\n      requestBody:\n        $ref: '#/components/requestBodies/nothing'\n",
    )
    .unwrap();
    let output = run(&["import-openapi", root.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let out = format!("{}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    assert!(
        out.contains(&format!("{}: /webhooks/a: `$ref: ./missing.yaml`: cannot read ", root.display())),
        "the reference's place: {out}"
    );
    assert!(
        out.contains(
            "/webhooks/b/post/requestBody: `$ref: #/components/requestBodies/nothing` names nothing"
        ),
        "{out}"
    );
    assert!(out.contains("2 problem(s)"), "every problem at once: {out}");

    // A reference to a URL is not fetched.
    import_refused(
        &root,
        "openapi: 3.1.0\nwebhooks:\n  a:\n    $ref: 'https://example.com/a.yaml'\n",
        "/webhooks/a: `$ref: https://example.com/a.yaml` names a URL; only files are followed",
    );
    // A reference to a device is refused, not read forever.
    import_refused(
        &root,
        "openapi: 3.1.0\nwebhooks:\n  a:\n    $ref: '/dev/zero'\n",
        "/webhooks/a: `$ref: /dev/zero` names /dev/zero, which is not a file",
    );
}

/// Writes `document` to `file` and checks that `import-openapi` refuses it (exit 1),
/// naming the file, the place and the reason.
fn import_refused(file: &Path, document: &str, reason: &str) {
    std::fs::write(file, document).unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let expected = format!("{}: {reason}", file.display());
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
}

#[test]
fn import_docs_merges_what_the_examples_add_and_keeps_the_rest() {
    let dir = scratch("import-docs-merge");
    let spec = dir.join("spec.json");
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), &spec).unwrap();
    let original = bundled();
    let mut fee: serde_json::Value =
        serde_json::from_str(lago_webhooks::WebhookType::FeeCreated.example()).unwrap();
    fee["fee"]["carbon_grams"] = 12.into();
    fee["fee"]["payment_status"] = "disputed".into();
    // Written in the page's order, which the merge keeps: envelope first, fields as listed.
    let dispute_text = r#"{
  "webhook_type": "fee.disputed",
  "object_type": "fee_dispute",
  "organization_id": "1a901a90-1a90-1a90-1a90-1a901a901a90",
  "fee_dispute": {
    "lago_id": "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f",
    "opened_on": "2026-01-31",
    "reason": null,
    "evidence": [{"url": "https://files.example/1.pdf", "pages": 3}]
  }
}"#;
    let dispute: serde_json::Value = serde_json::from_str(dispute_text).unwrap();
    let page = dir.join("page.mdx");
    std::fs::write(
        &page,
        format!("# Fees\n\n```json\n{fee:#}\n```\n\n## Disputes\n\n```json\n{dispute_text}\n```\n"),
    )
    .unwrap();
    let (page, path) = (page.to_str().unwrap(), spec.to_str().unwrap());

    let output = run(&["import-docs", page, "--into", path]);
    let report = stdout(&output);
    for line in [
        "new: field `Fee.carbon_grams` (integer, in `fee.created`): 12",
        "new: value `disputed` of `FeePaymentStatus` (in `fee.created`)",
        "new: message `fee.disputed`, not in the spec",
        "2 example(s) found, 2 message(s), 0 not valid JSON",
    ] {
        assert!(report.contains(line), "missing `{line}`:\n{report}");
    }
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&spec).unwrap()).unwrap(),
        original,
        "no --write, no change"
    );

    let output = run(&["import-docs", page, "--into", path, "--write"]);
    assert!(output.status.success(), "{}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    assert!(stdout(&output).contains("3 addition(s) merged"), "{}", stdout(&output));
    let mut merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    // What was added, as one example can tell it: optional, nullable, typed by its value.
    let objects = merged["objects"].as_array_mut().unwrap();
    let fee_object = objects.iter_mut().find(|o| o["name"] == "Fee").unwrap();
    let carbon = fee_object["fields"].as_array_mut().unwrap().pop().unwrap();
    assert_eq!(
        (&carbon["name"], &carbon["type"], &carbon["optional"], &carbon["nullable"]),
        (&"carbon_grams".into(), &"integer".into(), &true.into(), &true.into())
    );
    let dispute_object = find(&merged["objects"], "name", "FeeDispute").clone();
    let types: Vec<(&str, &str)> = dispute_object["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        types,
        [("lago_id", "id"), ("opened_on", "date"), ("reason", "json"), ("evidence", "FeeDisputeEvidence[]")]
    );
    let evidence = find(&merged["objects"], "name", "FeeDisputeEvidence");
    assert_eq!(evidence["fields"][0]["type"], "url");
    let message = find(&merged["messages"], "webhook_type", "fee.disputed");
    assert_eq!(
        (&message["payload_key"], &message["payload"], &message["example"]),
        (&"fee_dispute".into(), &"FeeDispute".into(), &dispute)
    );
    assert!(run(&["check", "--spec", path]).status.success(), "the merge is a valid spec");
    // Everything else is as it was.
    merged["messages"].as_array_mut().unwrap().retain(|m| m["webhook_type"] != "fee.disputed");
    merged["objects"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["name"] != "FeeDispute" && o["name"] != "FeeDisputeEvidence");
    let status =
        merged["enums"].as_array_mut().unwrap().iter_mut().find(|e| e["name"] == "FeePaymentStatus").unwrap();
    assert_eq!(status["values"].as_array_mut().unwrap().pop().unwrap()["value"], "disputed");
    assert_eq!(merged, original);

    let output = run(&["import-docs", page, "--into", path, "--write"]);
    assert!(stdout(&output).contains("0 addition(s) merged"), "{}", stdout(&output));
}

/// Writes a small spec of one's own to `dir`: one message, `order.paid`, whose order has
/// an id, a state from an enumeration, a currency, a bounded total and lines in the
/// order's currency.
fn orders_spec(dir: &Path) -> PathBuf {
    let spec = serde_json::json!({
        "format_version": 1,
        "title": "Orders",
        "messages": [{
            "webhook_type": "order.paid", "object_type": "order", "payload_key": "order",
            "payload": "Order", "title": "Order paid", "description": "An order was paid."
        }],
        "objects": [
            {"name": "Order", "description": "An order.", "fields": [
                {"name": "id", "type": "id", "description": "Its id."},
                {"name": "state", "type": "OrderState", "description": "Where it is."},
                {"name": "currency", "type": "currency", "description": "Its currency."},
                {"name": "total_cents", "type": "integer", "minimum": 0, "description": "Its total."},
                {"name": "lines", "type": "Line[]", "optional": true, "description": "Its lines."}
            ], "rules": [{"rule": "same_currency", "root": ["currency"], "within": ["lines"]}]},
            {"name": "Line", "description": "An order line.", "fields": [
                {"name": "amount_cents", "type": "integer", "description": "Its amount."},
                {"name": "currency", "type": "currency", "description": "Its currency."}
            ]}
        ],
        "enums": [{"name": "OrderState", "description": "Order states.",
                   "values": [{"value": "open"}, {"value": "paid"}]}]
    });
    let path = dir.join("orders.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    path
}

/// An `order.paid` body whose order has these members instead of a valid one's.
fn order(changes: serde_json::Value) -> String {
    let mut body = serde_json::json!({"webhook_type": "order.paid", "object_type": "order", "order": {
        "id": "5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "state": "paid", "currency": "EUR",
        "total_cents": 120, "lines": [{"amount_cents": 120, "currency": "EUR"}]
    }});
    for (key, value) in changes.as_object().unwrap() {
        body["order"][key] = value.clone();
    }
    body.to_string()
}

#[test]
fn check_validates_payloads_against_a_spec_of_ones_own() {
    let dir = scratch("check-own-spec");
    let spec = orders_spec(&dir);
    let (good, bad, broken) = (dir.join("good.json"), dir.join("bad.json"), dir.join("broken.json"));
    let unknown = dir.join("unknown.json");
    std::fs::write(&good, order(serde_json::json!({}))).unwrap();
    let lines =
        serde_json::json!([{"amount_cents": 1, "currency": "EUR"}, {"amount_cents": "2", "currency": "USD"}]);
    let changes = serde_json::json!({"id": "nope", "state": "lost", "total_cents": -1, "lines": lines});
    std::fs::write(&bad, order(changes)).unwrap();
    std::fs::write(&broken, "{\"webhook_type\":\n \"order.paid\",}").unwrap();
    std::fs::write(&unknown, order(serde_json::json!({})).replace("order.paid", "order.lost")).unwrap();
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let output =
        run(&["check", "--spec", &path(&spec), &path(&good), &path(&bad), &path(&broken), &path(&unknown)]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let expected = [
        format!("ok {}", spec.display()),
        format!("ok {} (order.paid)", good.display()),
        format!("invalid {} (order.paid):", bad.display()),
        "  /order/id: `nope` is not a UUID".to_owned(),
        "  /order/state: `lost` is not a value of OrderState".to_owned(),
        "  /order/total_cents: -1 is less than 0".to_owned(),
        "  /order/lines/1/amount_cents: expected an integer, found a string".to_owned(),
        "  /order/lines/1/currency: `USD` differs from `EUR`, the currency of the Order".to_owned(),
        format!("error: {}:2:15: trailing comma", broken.display()),
    ];
    let printed: Vec<&str> = text.lines().collect();
    assert_eq!(printed[..expected.len()], expected, "{text}");
    assert!(
        printed[expected.len()].starts_with(&format!("invalid {} (order.lost)", unknown.display())),
        "{text}"
    );

    let output = run(&["check", "--spec", &path(&spec), &path(&good)]);
    assert!(output.status.success(), "{}", stdout(&output));

    // The compiled types of the bundled spec say the same of a type they do not know.
    let output = run(&["check", &path(&unknown)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("(order.lost): not a webhook type of the spec"), "{}", stdout(&output));
}

#[test]
fn listen_with_a_spec_of_ones_own_answers_as_its_receiver_would() {
    let dir = scratch("listen-own-spec");
    let spec = orders_spec(&dir);
    let (listen, lines, url) = listen(&["--hmac-key", "cli-hmac-key", "--spec", spec.to_str().unwrap()]);
    let send = |name: &str, body: String| {
        let file = dir.join(name);
        std::fs::write(&file, body).unwrap();
        run(&["trigger", "--url", &url, "--hmac-key", "cli-hmac-key", "--payload", file.to_str().unwrap()])
    };
    // Valid, then a value the enumeration does not list (parsed, so handled), then a value
    // its types cannot parse (refused as malformed).
    let valid = send("valid.json", order(serde_json::json!({})));
    assert!(valid.status.success() && stdout(&valid).contains(" 200 handled"), "{}", stdout(&valid));
    let unlisted = send("unlisted.json", order(serde_json::json!({"state": "refunded"})));
    assert!(unlisted.status.success() && stdout(&unlisted).contains(" 200 handled"), "{}", stdout(&unlisted));
    let malformed_lines = serde_json::json!([{"amount_cents": "120", "currency": "EUR"}]);
    let malformed = send("malformed.json", order(serde_json::json!({"lines": malformed_lines})));
    assert_eq!(malformed.status.code(), Some(1));
    let refusal =
        "400 body refused: order.paid: expected an integer, found a string at /order/lines/0/amount_cents";
    assert!(stdout(&malformed).contains(refusal), "{}", stdout(&malformed));
    let unsigned = run(&[
        "trigger",
        "--url",
        &url,
        "--hmac-key",
        "not-the-key",
        "--payload",
        dir.join("valid.json").to_str().unwrap(),
    ]);
    assert!(stdout(&unsigned).contains("401 signature refused"), "{}", stdout(&unsigned));

    drop(listen);
    let printed: Vec<String> = lines.map_while(Result::ok).collect();
    let has = |line: &str| printed.iter().any(|l| l.trim() == line);
    // The receiver refuses the malformed delivery before it is accepted: two described.
    assert_eq!(
        printed.iter().filter(|l| l.trim() == "signature    hmac, verified").count(),
        2,
        "{printed:#?}"
    );
    assert!(has("valid"), "{printed:#?}");
    assert!(has("violation /order/state: `refunded` is not a value of OrderState"), "{printed:#?}");
    let refused = "refused      body refused: order.paid: expected an integer, found a string at /order/lines/0/amount_cents (line 1, column ";
    assert!(printed.iter().any(|l| l.trim().starts_with(refused)), "{printed:#?}");
    assert!(printed.iter().any(|l| l.trim().starts_with("answer       400 body refused")), "{printed:#?}");
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The text under `key` of each item of the JSON array `list`.
fn texts<'a>(list: &'a serde_json::Value, key: &str) -> Vec<&'a str> {
    list.as_array().unwrap().iter().map(|item| item[key].as_str().unwrap()).collect()
}

/// Imports `file` into a new spec with --write, checks that the generator takes it, and
/// that importing again finds no drift; returns the spec and what the first import said
/// on stderr.
fn import_checked_and_round_tripped(file: &str, name: &str) -> (serde_json::Value, String) {
    let path = scratch_spec(name);
    let spec = path.to_str().unwrap();
    let output = run(&["import-openapi", file, "--into", spec, "--write"]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    let check = run(&["check", "--spec", spec]);
    assert!(check.status.success(), "the generator takes the import: {}", stdout(&check));
    let again = run(&["import-openapi", file, "--into", spec]);
    assert!(again.status.success() && stdout(&again).contains("no drift"), "{}", stdout(&again));
    (serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap(), stderr(&output))
}

#[test]
fn import_openapi_reads_schemas_that_hold_themselves_or_repeat_without_failing() {
    let (spec, _) = import_checked_and_round_tripped(&openapi("hostile/loops.yaml"), "import-openapi-loops");
    let thing = find(&spec["objects"], "name", "Thing");
    let ty = |name: &str| find(&thing["fields"], "name", name)["type"].as_str().unwrap().to_owned();
    // Arrays of itself and a schema that is only itself: `json` where the spec has no type.
    assert_eq!(ty("lists"), "json[]");
    assert_eq!(ty("alias"), "json");
    assert_eq!(ty("maybe"), "json");
    assert_eq!(find(&thing["fields"], "name", "maybe")["nullable"], true);
    // `$ref: '#'` names the whole document, which is no schema.
    assert_eq!(ty("whole"), "json");
    // An object that includes itself has its own properties once.
    let itself = find(&spec["objects"], "name", ty("itself").as_str());
    assert_eq!(itself["fields"].as_array().unwrap().len(), 1);
    // Each level of members included twice adds its property once.
    let wide = find(&spec["objects"], "name", ty("wide").as_str());
    let names = texts(&wide["fields"], "name");
    assert_eq!(names.len(), 41, "{names:?}");
    assert_eq!((names[0], names[39], names[40]), ("leaf", "level1", "level0"));
    assert_eq!(wide["description"], "The innermost level.");
}

#[test]
fn import_openapi_refuses_schemas_nested_too_deep_naming_the_place() {
    // A chain of 3000 schemas, each holding the next.
    let mut text = String::from(
        "openapi: 3.1.0\nwebhooks:\n  deep:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              properties:\n                webhook_type: {const: deep.nested}\n                object_type: {const: deep}\n                deep: {$ref: '#/components/schemas/S0'}\ncomponents:\n  schemas:\n",
    );
    for level in 0..3000 {
        text.push_str(&format!(
            "    S{level}: {{type: object, properties: {{next: {{$ref: '#/components/schemas/S{}'}}}}}}\n",
            level + 1
        ));
    }
    text.push_str("    S3000: {type: object, properties: {end: {type: string}}}\n");
    let dir = scratch("import-openapi-deep");
    let file = dir.join("deep.yaml");
    std::fs::write(&file, text).unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("{}: /components/schemas/S127/properties/next:", file.display())),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("schemas nest more than 128 deep"), "{}", stderr(&output));
}

#[test]
fn import_openapi_makes_a_spec_of_names_and_values_the_format_cannot_hold_as_written() {
    let file = openapi("hostile/names.yaml");
    let (spec, warnings) = import_checked_and_round_tripped(&file, "import-openapi-names");
    // Each webhook that cannot be a message of its own is left out, saying where and why.
    let types = texts(&spec["messages"], "webhook_type");
    assert_eq!(types, ["thing.named", "other.named"]);
    for warning in [
        format!(
            "warning: {file}: /webhooks/thing_named_again: webhook type `thing.named` is already the message of /webhooks/thing_named; left out"
        ),
        format!(
            "warning: {file}: /webhooks/thing_named_underscored: webhook type `thing_named` becomes the same Rust variant as the message of /webhooks/thing_named; left out"
        ),
        format!("warning: {file}: /webhooks/unknown: webhook type `unknown` becomes the handler method"),
        format!("warning: {file}: /components/schemas/Thing/properties/foo_bar: property `foo_bar`"),
        format!(
            "warning: {file}: /components/schemas/Thing/properties/spelled: values `in-advance` and `in_advance`"
        ),
    ] {
        assert!(warnings.contains(&warning), "missing `{warning}` in:\n{warnings}");
    }
    // An envelope key spelled otherwise is still no payload; a reserved name gets a number.
    let other = find(&spec["messages"], "webhook_type", "other.named");
    assert_eq!((&other["payload_key"], &other["payload"]), (&"other".into(), &"WebhookEvent2".into()));

    let thing = find(&spec["objects"], "name", "Thing");
    let field = |name: &str| find(&thing["fields"], "name", name).clone();
    let names = texts(&thing["fields"], "name");
    assert_eq!(
        names,
        [
            "fooBar",
            "1",
            "true",
            "self",
            "form",
            "codes",
            "spelled",
            "never",
            "text_or_object",
            "text_or_list",
            "number_or_list",
            "maybe_text_or_number",
            "object_or_bare_list",
            "inner"
        ]
    );
    assert_eq!(field("1")["description"], "A key YAML reads as a number.");
    assert_eq!(field("true")["type"], "boolean");
    assert_eq!(field("self")["type"], "Self_");
    assert_eq!(field("form")["type"], "Type1099form");
    // Values written as numbers or booleans are text in a string enumeration; null makes
    // the field nullable; a value listed twice is one value.
    let codes = find(&spec["enums"], "name", field("codes")["type"].as_str().unwrap());
    assert_eq!(
        codes["values"],
        serde_json::json!([{"value": "1"}, {"value": "2.5"}, {"value": "true"}, {"value": "x"}])
    );
    assert_eq!(field("codes")["nullable"], true);
    // Values that become one variant, or none at all, leave a plain string.
    assert_eq!(
        (field("spelled")["type"].as_str(), field("never")["type"].as_str()),
        (Some("string"), Some("string"))
    );
    assert_eq!(field("never")["nullable"], true);
    // Variants of one name are told apart; alternatives no variant holds make `json`.
    let union = find(&spec["unions"], "name", field("text_or_object")["type"].as_str().unwrap());
    assert_eq!(
        union["variants"],
        serde_json::json!([{"name": "Text", "type": "Text"}, {"name": "Text2", "type": "string"}])
    );
    assert_eq!(
        (field("text_or_list")["type"].as_str(), field("number_or_list")["type"].as_str()),
        (Some("json"), Some("json"))
    );
    let maybe = field("maybe_text_or_number");
    assert_eq!(maybe["nullable"], true, "a nullable alternative makes the union nullable");
    let union = find(&spec["unions"], "name", maybe["type"].as_str().unwrap());
    assert_eq!(
        union["variants"],
        serde_json::json!([{"name": "Text", "type": "string"}, {"name": "Integer", "type": "integer"}])
    );
    assert_eq!(spec["unions"].as_array().unwrap().len(), 2, "no union left behind by those that became json");
    // Nor the types their alternatives defined: `Inner` keeps its name for its next use.
    assert_eq!(field("object_or_bare_list")["type"], "json");
    assert_eq!(field("inner")["type"], "Inner");
    let objects = texts(&spec["objects"], "name");
    assert_eq!(objects, ["Thing", "Self_", "Type1099form", "Text", "Inner", "WebhookEvent2"]);
}

#[test]
fn import_openapi_says_where_webhooks_is_not_a_mapping() {
    let dir = scratch("import-openapi-webhooks-list");
    let file = dir.join("openapi.yaml");
    import_refused(
        &file,
        "openapi: 3.1.0\nwebhooks:\n  - a\n  - b\n",
        "/webhooks: not a mapping of webhooks",
    );
    import_refused(
        &file,
        "openapi: 3.1.0\nwebhooks:\n  a: {post: {}}\n  [b]: {post: {}}\n",
        "/webhooks: a key that is not text",
    );
    // `1` and `'1'` are one property name.
    import_refused(
        &file,
        "openapi: 3.1.0\nwebhooks: {}\ncomponents:\n  x:\n    1: a\n    '1': b\n",
        "/components/x/1: the key is written twice",
    );
}

#[test]
fn a_merge_into_a_spec_with_problems_of_its_own_names_them_in_that_file_and_writes_nothing() {
    let dir = scratch("merge-into-broken");
    let path = dir.join("spec.json");
    let mut broken = bundled();
    let fee = broken["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["name"] == "Fee").unwrap();
    fee["fields"][0]["type"] = "Nope".into();
    // On one line: a place in the merged text would be on another.
    let text = serde_json::to_string(&broken).unwrap();
    let column = text.find("\"Nope\"").unwrap() + 1;
    let page = dir.join("page.md");
    let example =
        lago_webhooks::WebhookType::FeeCreated.example().replace("\"fee\":{", "\"fee\":{\"carbon\":1,");
    std::fs::write(&page, format!("```json\n{example}\n```\n")).unwrap();
    for args in [
        vec![
            "import-openapi",
            &openapi("split/openapi.yaml")[..],
            "--into",
            path.to_str().unwrap(),
            "--write",
        ],
        vec!["import-docs", page.to_str().unwrap(), "--into", path.to_str().unwrap(), "--write"],
    ] {
        std::fs::write(&path, &text).unwrap();
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(message.contains(&format!("{}:1:{column}", path.display())), "{args:?}: {message}");
        assert!(message.contains("has problems of its own"), "{args:?}: {message}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{args:?}: nothing written");
    }
}

#[test]
fn import_docs_merges_only_what_the_spec_can_hold_and_reads_an_unclosed_block() {
    let dir = scratch("import-docs-hostile");
    let spec = dir.join("spec.json");
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), &spec).unwrap();
    let fee = lago_webhooks::WebhookType::FeeCreated.example();
    let examples = [
        // A key that becomes the Rust field of one the spec has, and a value that becomes
        // the Rust variant of one its enumeration has.
        {
            let mut example: serde_json::Value = serde_json::from_str(fee).unwrap();
            example["fee"]["amountCents"] = 1.into();
            example["fee"]["payment_status"] = "Succeeded".into();
            example.to_string()
        },
        // Webhook types the generated code cannot tell from one of the spec, or names its
        // handler method for unknown types with.
        fee.replace("fee.created", "fee_created"),
        fee.replace("fee.created", "unknown"),
        // A new message whose object type is a name the generated code reserves, whose
        // envelope key is spelled otherwise, and whose payload has keys that become one
        // Rust field.
        r#"{"webhook_type": "event.happened", "object_type": "webhook_event", "organizationId": "x",
            "webhook_event": {"a-b": 1, "a_b": 2, "inner": {"x": 1, "X": 2}}}"#
            .to_owned(),
    ];
    let mut page = String::from("# Messages\n");
    for example in &examples {
        page.push_str(&format!("\n```json\n{example}\n```\n"));
    }
    // The last block is never closed: it runs to the end of the page.
    page.push_str("\n```json\n{\"webhook_type\": \"fee.created\",\n");
    let file = dir.join("page.md");
    std::fs::write(&file, &page).unwrap();
    // The end of the page, past its last line break, where the block's JSON stops short.
    let end =
        format!("invalid: {}:{}:1: the example is not valid JSON", file.display(), page.lines().count() + 1);
    let (page, path) = (file.to_str().unwrap(), spec.to_str().unwrap());
    let output = run(&["import-docs", page, "--into", path, "--write"]);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the unclosed block is not valid JSON: {text}{}",
        stderr(&output)
    );
    for line in [
        "differs: field `Fee.amountCents` (in `fee.created`) becomes the same Rust field as `amount_cents`; left out",
        "differs: value `Succeeded` of `FeePaymentStatus` (in `fee.created`) becomes the same Rust variant as `succeeded`; left out",
        "differs: `fee_created` becomes the same Rust variant as `fee.created`; left out",
        "differs: `unknown` becomes the handler method for unknown webhook types; left out",
        "differs: field `WebhookEvent2.a_b` (in `event.happened`) becomes the same Rust field as `a-b`; left out",
        "differs: field `WebhookEvent2Inner.X` (in `event.happened`) becomes the same Rust field as `x`; left out",
        "new: message `event.happened`, not in the spec",
        &end,
        "5 example(s) found, 4 message(s), 1 not valid JSON",
        "1 addition(s) merged",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    let check = run(&["check", "--spec", path]);
    assert!(check.status.success(), "{}", stdout(&check));
    let merged: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    let message = find(&merged["messages"], "webhook_type", "event.happened");
    assert_eq!(
        (&message["payload_key"], &message["payload"]),
        (&"webhook_event".into(), &"WebhookEvent2".into())
    );
}

#[test]
fn import_docs_reads_an_example_of_a_hundred_thousand_keys() {
    let dir = scratch("import-docs-wide");
    let keys: String = (0..100_000).map(|n| format!("\"k{n}\":{n},")).collect();
    let example = lago_webhooks::WebhookType::FeeCreated.example().replacen(
        "\"fee\":{",
        &format!("\"fee\":{{{keys}"),
        1,
    );
    let page = dir.join("page.md");
    std::fs::write(&page, format!("```json\n{example}\n```\n")).unwrap();
    let spec = workspace().join("spec/lago-webhooks.json");
    let output = run(&["import-docs", page.to_str().unwrap(), "--into", spec.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().filter(|l| l.starts_with("new: field `Fee.k")).count(), 100_000);
}

#[test]
fn import_openapi_merges_ten_thousand_new_types() {
    let dir = scratch("import-openapi-many");
    let mut text = String::from(
        "openapi: 3.1.0\nwebhooks:\n  many:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              properties:\n                webhook_type: {const: many.types}\n                object_type: {const: many}\n                many: {$ref: '#/components/schemas/Many'}\ncomponents:\n  schemas:\n    Many:\n      properties:\n",
    );
    for n in 0..10_000 {
        text.push_str(&format!("        k{n}: {{$ref: '#/components/schemas/T{n}'}}\n"));
    }
    for n in 0..10_000 {
        text.push_str(&format!("    T{n}: {{type: object, properties: {{a: {{type: string}}}}}}\n"));
    }
    let file = dir.join("many.yaml");
    std::fs::write(&file, text).unwrap();
    let spec = dir.join("spec.json");
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), &spec).unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap(), "--into", spec.to_str().unwrap()]);
    assert!(stdout(&output).contains("minor  message `many.types` is new"), "{}", stdout(&output));
}

#[test]
fn import_openapi_drift_is_a_gate_of_what_the_spec_has_not_decided() {
    let path = scratch_spec("import-openapi-gate");
    let spec = path.to_str().unwrap();
    let file = openapi("split/openapi.yaml");
    assert!(run(&["import-openapi", &file, "--into", spec, "--write"]).status.success());
    // A field left out on purpose, recorded as decided with a reason, and a recorded
    // difference that does not exist (a field upstream has all along).
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let invoice =
        edited["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["name"] == "Invoice").unwrap();
    invoice["fields"].as_array_mut().unwrap().retain(|f| f["name"] != "voided_at");
    edited["drift"] = serde_json::json!([{
        "differences": ["field Invoice.voided_at", "field Invoice.number"],
        "decision": "The server never sends it."
    }]);
    std::fs::write(&path, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let check = run(&["check", "--spec", spec]);
    assert!(check.status.success(), "the generator takes the record: {}", stdout(&check));

    let output = run(&["import-openapi", &file, "--into", spec]);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "a stale decision is one to drop: {report}");
    assert_eq!(
        report,
        "   stale  decision `field Invoice.number` of the spec: no such difference any more (dropped with --write)\n\
         1 stale decision(s) to drop\n\
         1 difference(s) the spec has decided (--all lists them)\n"
    );
    let output = run(&["import-openapi", &file, "--into", spec, "--write"]);
    assert!(
        stdout(&output).contains("0 change(s) merged, 0 decision(s) recorded, 1 stale decision(s) dropped"),
        "{}",
        stdout(&output)
    );
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        written["drift"],
        serde_json::json!([{"differences": ["field Invoice.voided_at"], "decision": "The server never sends it."}])
    );
    let invoice = find(&written["objects"], "name", "Invoice");
    assert!(
        invoice["fields"].as_array().unwrap().iter().all(|f| f["name"] != "voided_at"),
        "declined, not merged"
    );
    let output = run(&["import-openapi", &file, "--into", spec]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "no drift to decide\n1 difference(s) the spec has decided (--all lists them)\n"
    );

    // The record is read as strictly as the rest of the spec.
    edited["drift"] = serde_json::json!([{"differences": [], "decison": "typo"}]);
    std::fs::write(&path, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let check = run(&["check", "--spec", spec]);
    assert_eq!(check.status.code(), Some(1));
    let text = format!("{}{}", stdout(&check), stderr(&check));
    assert!(text.contains("/drift/0") && text.contains("decison"), "{text}");
}

#[test]
fn the_bundled_spec_records_decisions_only_about_what_it_has() {
    let spec = bundled();
    let has = |list: &str, key: &str, name: &str| {
        spec[list].as_array().unwrap().iter().any(|item| item[key] == name)
    };
    let members = |list: &str, name: &str, members: &str, key: &str| -> Vec<String> {
        let owner = find(&spec[list], "name", name);
        owner[members].as_array().unwrap().iter().map(|m| m[key].as_str().unwrap().to_owned()).collect()
    };
    let decisions = spec["drift"].as_array().unwrap();
    let keys: Vec<&str> = decisions
        .iter()
        .flat_map(|d| d["differences"].as_array().unwrap())
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(keys.len() > 100, "what Lago's OpenAPI description lacks: {}", keys.len());
    for key in keys {
        let (what, place) = key.split_once(' ').unwrap();
        match what {
            "message" => assert!(has("messages", "webhook_type", place), "{key}"),
            "field" => {
                let (object, field) = place.split_once('.').unwrap();
                assert!(members("objects", object, "fields", "name").contains(&field.to_owned()), "{key}");
            }
            "value" => {
                let (enumeration, value) = place.split_once('.').unwrap();
                assert!(
                    members("enums", enumeration, "values", "value").contains(&value.to_owned()),
                    "{key}"
                );
            }
            _ => panic!("a key of another form: {key}"),
        }
    }
    let readme = std::fs::read_to_string(workspace().join("spec/README.md")).unwrap();
    assert!(readme.contains("## DRIFT"), "spec/README.md documents the record");
}

/// What `import-openapi --work` counted: scanned, built, visited, followed, looked up.
fn import_work(output: &Output) -> [usize; 5] {
    let text = stderr(output);
    let line = text.lines().find(|l| l.starts_with("work: ")).unwrap_or_else(|| panic!("no work in {text}"));
    let numbers: Vec<usize> = line.split(' ').filter_map(|word| word.parse().ok()).collect();
    numbers.try_into().unwrap_or_else(|_| panic!("{line}"))
}

/// The head of a description with one webhook whose payload is `#/components/schemas/S0`.
const ONE_WEBHOOK: &str = "openapi: 3.1.0\nwebhooks:\n  deep:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              properties:\n                webhook_type: {const: deep.nested}\n                object_type: {const: deep}\n                deep: {$ref: '#/components/schemas/S0'}\ncomponents:\n  schemas:\n";

#[test]
fn import_openapi_refuses_aliases_that_expand_past_a_budget() {
    // One anchored list of 2,000 items, repeated by 300 aliases: 14.5 KB that stands for
    // 600,000 nodes.
    let items: String = (0..2000).map(|n| format!("{n},")).collect();
    let aliases: String = (0..300).map(|n| format!("      p{n}: *list\n")).collect();
    let text = format!("{ONE_WEBHOOK}    S0:\n      x-list: &list [{items}]\n      properties:\n{aliases}");
    assert!((14_000..15_000).contains(&text.len()), "{}", text.len());
    let dir = scratch("import-openapi-aliases");
    let file = dir.join("aliases.yaml");
    std::fs::write(&file, &text).unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap(), "--work"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let budget = text.len() * 2 + 100_000;
    assert!(
        stderr(&output).contains(&format!(
            "{}: anchors and aliases expand it past {budget} nodes (twice its size in bytes, and 100000 more); refused",
            file.display()
        )),
        "{}",
        stderr(&output)
    );
    let [_, built, visited, ..] = import_work(&output);
    assert_eq!((built, visited), (budget + 1, 0), "it stops at the budget, before converting anything");
}

#[test]
fn import_openapi_refuses_nesting_deeper_than_yaml_readers_take_in_time_linear_in_the_file() {
    let dir = scratch("import-openapi-nesting");
    let depth = 100_000;
    // On one line, where the reader would check every level at every token...
    let one_line = format!("{ONE_WEBHOOK}    S0: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    // ... and over many lines, where it refuses the nesting itself.
    let lines: String = (0..depth).map(|_| "      [\n").collect();
    let many_lines = format!("{ONE_WEBHOOK}    S0:\n{lines}      {}\n", "]".repeat(depth));
    for (name, text, message) in [
        (
            "one-line.yaml",
            &one_line,
            format!(
                "15:1: flow collections (`[...]`, `{{...}}`) may nest {depth} deep on this line; more than 128 is refused"
            ),
        ),
        ("many-lines.yaml", &many_lines, "recursion limit exceeded".to_owned()),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let output = run(&["import-openapi", file.to_str().unwrap(), "--work"]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(stderr(&output).contains(&message), "{name}: {}", stderr(&output));
        let [scanned, built, visited, ..] = import_work(&output);
        // Each line is scanned once for each of the four things it may continue, and the
        // reader builds no more than it may nest.
        assert!(scanned <= 4 * text.len(), "{name}: {scanned} for {} bytes", text.len());
        assert!(built <= 200 && visited == 0, "{name}: {built} built, {visited} visited");
    }
}

#[test]
fn import_openapi_work_grows_in_step_with_references_to_one_schema() {
    let dir = scratch("import-openapi-references");
    // `n` properties each referring to one schema of `n` properties.
    let work_for = |n: usize| {
        let mut text = String::from(ONE_WEBHOOK);
        text.push_str("    S0:\n      properties:\n");
        for k in 0..n {
            text.push_str(&format!("        k{k}: {{$ref: '#/components/schemas/Big'}}\n"));
        }
        text.push_str("    Big:\n      properties:\n");
        for p in 0..n {
            text.push_str(&format!("        p{p}: {{type: string}}\n"));
        }
        let file = dir.join(format!("refs-{n}.yaml"));
        std::fs::write(&file, text).unwrap();
        let output = run(&["import-openapi", file.to_str().unwrap(), "--work"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let spec: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(find(&spec["objects"], "name", "Big")["fields"].as_array().unwrap().len(), n);
        import_work(&output)
    };
    let (small, large) = (work_for(1000), work_for(4000));
    // Four times the description, about four times the work: nothing grows with the
    // square of it (16 times), and the schema is looked up once however often it is used.
    for (what, index) in [("scanned", 0), ("built", 1), ("visited", 2), ("followed", 3)] {
        let ratio = large[index] as f64 / small[index] as f64;
        assert!(ratio < 4.5, "{what}: {} then {} ({ratio:.2}x)", small[index], large[index]);
    }
    assert_eq!((small[4], large[4]), (2, 2), "references looked up");
}

#[test]
fn imports_escape_the_control_characters_of_a_file_wherever_they_leave_the_command() {
    let dir = scratch("import-controls");
    let file = dir.join("openapi.yaml");
    let text = "openapi: 3.1.0\ninfo: {title: \"T\\e[2J\"}\nwebhooks:\n  a:\n    post:\n      summary: \"Sum\\e[31m\"\n      requestBody:\n        content:\n          application/json:\n            schema:\n              properties:\n                webhook_type: {const: \"thing.made\\e\"}\n                object_type: {const: thing}\n                thing:\n                  description: \"An object\\e]0;owned\\a\"\n                  properties:\n                    \"a\\eb\": {type: string, description: \"x\\ey\"}\n                    a_b: {type: string}\n                    kind: {type: string, enum: [\"on\\u009b\"]}\n";
    std::fs::write(&file, text).unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = [output.stdout.clone(), output.stderr.clone()].concat();
    assert!(!printed.iter().any(|b| *b == 0x1b || *b == 0x07), "{}", String::from_utf8_lossy(&printed));
    assert!(!String::from_utf8_lossy(&printed).contains('\u{9b}'));
    // A name stays the key Lago sends, escaped as JSON; prose is escaped as text.
    let spec: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(spec["title"], "T\\u{1b}[2J");
    let message = &spec["messages"][0];
    assert_eq!(
        (&message["webhook_type"], &message["title"]),
        (&"thing.made\u{1b}".into(), &"Sum\\u{1b}[31m".into())
    );
    let thing = find(&spec["objects"], "name", "Thing");
    assert_eq!(thing["description"], "An object\\u{1b}]0;owned\\u{7}");
    assert_eq!(find(&thing["fields"], "name", "a\u{1b}b")["description"], "x\\u{1b}y");
    assert!(stdout(&output).contains("\"on\\u009b\""), "a C1 control is escaped in the JSON too");
    assert!(
        stderr(&output).contains("property `a_b` becomes the same Rust field as `a\\u{1b}b` of `Thing`"),
        "{}",
        stderr(&output)
    );

    // In a drift report.
    let spec_path = dir.join("spec.json");
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), &spec_path).unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap(), "--into", spec_path.to_str().unwrap()]);
    assert!(!output.stdout.contains(&0x1b), "{}", stdout(&output));
    assert!(stdout(&output).contains("message `thing.made\\u{1b}` is new"), "{}", stdout(&output));

    // In a problem.
    std::fs::write(&file, "openapi: 3.1.0\nwebhooks:\n  a:\n    $ref: \"./gone\\e[2J.yaml\"\n").unwrap();
    let output = run(&["import-openapi", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!output.stderr.contains(&0x1b), "{}", stderr(&output));
    assert!(stderr(&output).contains("`$ref: ./gone\\u{1b}[2J.yaml`"), "{}", stderr(&output));

    // In what a docs page adds.
    let page = dir.join("page.md");
    let example = lago_webhooks::WebhookType::FeeCreated.example().replacen(
        "\"fee\":{",
        "\"fee\":{\"k\\u001bk\":1,",
        1,
    );
    std::fs::write(&page, format!("```json\n{example}\n```\n")).unwrap();
    let output = run(&["import-docs", page.to_str().unwrap(), "--into", spec_path.to_str().unwrap()]);
    assert!(!output.stdout.contains(&0x1b), "{}", stdout(&output));
    assert!(stdout(&output).contains("new: field `Fee.k\\u{1b}k` (integer"), "{}", stdout(&output));
}

/// The machine's services, as the workspace's tests take them.
fn service_url(variable: &str, default: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| default.to_owned())
}

/// Fails every attempt at an `invoice.created` until fixed.
#[derive(Clone, Default)]
struct Ledger {
    fixed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl lago_webhooks::AsyncWebhookHandler for Ledger {
    async fn on_invoice_created(
        &self,
        _: lago_webhooks::Invoice,
        _: &lago_webhooks::Delivery,
    ) -> lago_webhooks::HandlerResult {
        if self.fixed.load(std::sync::atomic::Ordering::SeqCst) {
            Ok(())
        } else {
            Err("the ledger refuses invoices".into())
        }
    }
}

/// Runs a worker on `inbox` until `until` holds of its status (or 30 s pass).
async fn work<I>(inbox: &I, handler: Ledger, until: impl Fn(&lago_webhooks::inbox::Status) -> bool)
where
    I: lago_webhooks::inbox::Inbox + lago_webhooks::inbox::InboxAdmin + Clone,
{
    use lago_webhooks::inbox::{RetryPolicy, Worker};
    let shutdown = lago_webhooks::shutdown::Shutdown::new();
    let policy = RetryPolicy::default().with_max_attempts(2).with_backoff(
        std::time::Duration::from_millis(20),
        1.0,
        std::time::Duration::from_millis(20),
    );
    let worker = Worker::new(inbox.clone(), handler).with_retry_policy(policy);
    let running = tokio::spawn(worker.run_until(shutdown.signalled()));
    for _ in 0..600 {
        if inbox.status().await.is_ok_and(|status| until(&status)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    shutdown.trigger();
    running.await.unwrap();
}

/// `lago-webhooks inbox ... --json` on `url` and `name`, its output parsed.
fn inbox_json(url: &str, name: &str, args: &[&str]) -> serde_json::Value {
    let output = Command::new(BIN)
        .args(["inbox", "--json", "--url", url, "--name", name])
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "inbox {args:?}: {}{}", stdout(&output), stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("{err}: {}", stdout(&output)))
}

/// Deliveries whose handler always fails end in the dead letter, which `inbox status`
/// counts, `inbox list` and `inbox show` read, and `inbox replay --dead` puts back to
/// work for a fixed handler; on PostgreSQL, `inbox purge` deletes the done ones.
fn the_inbox_command_reads_and_replays_the_dead_letter(url: &str, name: &str) {
    use lago_webhooks::WebhookType;
    use lago_webhooks::inbox::{Entry, Inbox, Options, open};

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let inbox = runtime.block_on(open(url, &Options::default().with_name(name))).unwrap();
    let engine = inbox.engine();
    runtime.block_on(async {
        for i in 0..3 {
            let entry =
                Entry::from_body(Some(&format!("refused-{i}")), WebhookType::InvoiceCreated.example())
                    .unwrap();
            inbox.enqueue(&entry).await.unwrap();
        }
        let fee = Entry::from_body(Some("accepted-1"), WebhookType::FeeCreated.example()).unwrap();
        inbox.enqueue(&fee).await.unwrap();
        work(&inbox, Ledger::default(), |status| status.dead == 3 && status.pending == 0).await;
    });

    let status = inbox_json(url, name, &["status"]);
    assert_eq!((status["engine"].as_str(), status["dead"].as_u64()), (Some(engine), Some(3)), "{status}");
    let dead = inbox_json(url, name, &["list", "--state", "dead"]);
    let mut keys: Vec<&str> =
        dead.as_array().unwrap().iter().map(|d| d["unique_key"].as_str().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["refused-0", "refused-1", "refused-2"], "{engine}");
    let shown = inbox_json(url, name, &["show", "refused-1"]);
    assert_eq!(shown["state"], "dead", "{engine}: {shown}");
    assert_eq!(shown["attempts"], 2, "{engine}: {shown}");
    assert!(shown["last_error"].as_str().unwrap().contains("the ledger refuses invoices"), "{shown}");
    assert_eq!(shown["body"]["webhook_type"], "invoice.created");

    let replayed = inbox_json(url, name, &["replay", "--dead"]);
    assert_eq!(replayed["replayed"], 3, "{engine}");
    let status = inbox_json(url, name, &["status"]);
    assert_eq!(
        (status["dead"].as_u64(), status["pending"].as_u64()),
        (Some(0), Some(3)),
        "{engine}: {status}"
    );
    let fixed = Ledger::default();
    fixed.fixed.store(true, std::sync::atomic::Ordering::SeqCst);
    runtime
        .block_on(work(&inbox, fixed, |status| status.pending == 0 && status.in_progress.unwrap_or(0) == 0));
    let status = inbox_json(url, name, &["status"]);
    assert_eq!(
        (status["dead"].as_u64(), status["pending"].as_u64()),
        (Some(0), Some(0)),
        "{engine}: {status}"
    );
    if engine == "postgres" {
        assert_eq!(status["done"], 4, "{status}");
        assert_eq!(inbox_json(url, name, &["purge", "--done-before", "0s"])["purged"], 4);
        assert_eq!(inbox_json(url, name, &["status"])["done"], 0);
    }
    runtime.block_on(inbox.delete()).unwrap();
}

/// A name for this run's inbox.
fn inbox_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}{}_{nanos}", std::process::id())
}

#[test]
fn inbox_reads_and_replays_the_dead_letter_on_postgres_nats_and_rabbitmq() {
    let postgres = service_url("LAGO_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test");
    let nats = service_url("LAGO_TEST_NATS_URL", "nats://127.0.0.1:4222");
    let amqp = service_url("LAGO_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f");
    std::thread::scope(|scope| {
        scope.spawn(|| {
            the_inbox_command_reads_and_replays_the_dead_letter(&postgres, &inbox_name("lago_cli_test_"))
        });
        scope.spawn(|| {
            the_inbox_command_reads_and_replays_the_dead_letter(&nats, &inbox_name("LAGO_CLI_TEST_"))
        });
        scope.spawn(|| {
            the_inbox_command_reads_and_replays_the_dead_letter(&amqp, &inbox_name("lago-cli-test-"))
        });
    });
}

#[test]
fn inbox_needs_a_url_and_names_what_it_cannot_use() {
    let output = Command::new(BIN).args(["inbox", "status"]).env_remove("LAGO_INBOX_URL").output().unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("give --url, or set LAGO_INBOX_URL"), "{}", stderr(&output));
    let output = run(&["inbox", "--url", "kafka://127.0.0.1:9092", "status"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("is not an inbox URL this build takes"), "{}", stderr(&output));
    let output =
        run(&["inbox", "--url", "postgres://postgres@127.0.0.1:5432/test", "purge", "--done-before", "soon"]);
    assert_eq!(output.status.code(), Some(2), "a command line it cannot use");
}

#[test]
fn check_and_generate_take_a_version_pin() {
    let dir = scratch("lago-version");
    // A wallet transaction as Lago sent it before 1.9.0: without `source`.
    let spec = bundled();
    let message = spec["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["webhook_type"] == "wallet_transaction.created");
    let mut body = message.unwrap()["example"].clone();
    body["wallet_transaction"].as_object_mut().unwrap().remove("source").unwrap();
    let path = dir.join("before-1.9.json");
    std::fs::write(&path, body.to_string()).unwrap();
    let path = path.to_str().unwrap();
    assert_eq!(run(&["check", path]).status.code(), Some(0), "every release from the floor: optional");
    assert_eq!(run(&["check", "--lago-version", "1.8", path]).status.code(), Some(0));
    let pinned = run(&["check", "--lago-version", "1.51", path]);
    assert_eq!(pinned.status.code(), Some(1));
    assert!(
        stdout(&pinned).contains("/wallet_transaction/source: missing field `source`"),
        "{}",
        stdout(&pinned)
    );
    let refused = run(&["check", "--lago-version", "1.x", path]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("`1.x` is not a Lago release"), "{}", stderr(&refused));
    // Pinned to 1.8, the generated wallet transaction has no `source`; to 1.51, a plain one.
    let generated = |pin: &str| {
        let output = run(&["generate", "--include", "wallet_transaction.created", "--lago-version", pin]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    assert!(!generated("1.8").contains("pub source:"));
    assert!(generated("1.51").contains("pub source: WalletTransactionSource,"));
}
