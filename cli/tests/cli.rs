//! The `lago-webhooks` binary, run as a user runs it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lago-webhooks");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The bundled spec as JSON, to edit.
fn bundled() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(workspace().join("spec/lago-webhooks.json")).unwrap())
        .unwrap()
}

#[test]
fn every_command_has_help() {
    for command in
        [&[][..], &["generate"], &["check"], &["diff"], &["import-docs"], &["trigger"], &["listen"]]
    {
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
    let output = run(&["generate", "--out", dir.join("src/lib.rs").to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let runtime = workspace().join("runtime");
    let manifest = format!(
        "[package]\nname = \"generated\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nlago-webhooks = {{ path = {:?}, default-features = false }}\nserde_json = \"1\"\n\n[workspace]\n",
        runtime.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let build = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("outside-target"))
        .env_remove("RUSTFLAGS")
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
}

#[test]
fn trigger_delivers_every_bundled_type_to_listen_signed_either_way() {
    let fixtures = workspace().join("tests/fixtures/signing");
    let public = fixtures.join("lago-test-public.pem");
    let mut listen = Command::new(BIN)
        .args(["listen", "--port", "0", "--hmac-key", "cli-hmac-key", "--issuer", "https://api.getlago.com"])
        .arg("--public-key")
        .arg(&public)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(listen.stdout.take().unwrap()).lines();
    // Stopped however the test ends.
    let listen = Running(listen);
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").expect("listen says where").to_owned();

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

    drop(listen);
    let printed: Vec<String> = lines.map_while(Result::ok).collect();
    let verified = |scheme: &str| {
        printed.iter().filter(|l| l.trim() == format!("signature    {scheme}, verified")).count()
    };
    assert_eq!((verified("hmac"), verified("jwt")), (types, types));
    assert_eq!(printed.iter().filter(|l| l.trim() == "valid").count(), 2 * types, "every example is valid");
    assert!(printed.iter().any(|l| l.contains("refused      signature refused")));
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
        &["check", "--spec", "compile-tests/tests/ui/specs/tiny.json", "payload.json"],
    ] {
        let output = Command::new(BIN).args(args).current_dir(workspace()).output().unwrap();
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
