//! commands: what each command refuses, its exit status (1 for a problem found in what it
//! was asked to look at, 2 when it could not run), and what it escapes of what a sender
//! wrote.

#[allow(unused_imports)]
use super::*;

/// `spec` written as `name` in `dir`, its path.
fn write_spec(dir: &Path, name: &str, spec: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Whether the bytes hold a control character a terminal acts on: ESC, BEL or the C1 CSI.
fn holds_controls(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| *b == 0x1b || *b == 0x07) || String::from_utf8_lossy(bytes).contains('\u{9b}')
}

#[test]
fn generate_refuses_a_derive_a_field_cannot_have_naming_every_field_with_status_2() {
    let output = run(&["generate", "--include", "invoice.created", "--derive", "Eq"]);
    assert_eq!(output.status.code(), Some(2), "it could not produce working code");
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    let text = stderr(&output);
    // The rates Lago sends as floats, each at its place in the message.
    assert_eq!(text.matches("cannot derive Eq: f64 is not Eq").count(), 7, "{text}");
    assert!(
        text.contains(
            "invoice.created: /invoice/fees/*/taxes_rate (Fee.taxes_rate: Option<f64>) cannot derive Eq"
        ),
        "{text}"
    );
    assert!(text.contains("invoice.created: /invoice/customer/vat_rate (Customer.vat_rate"), "{text}");
    // Nothing is written with --out either.
    let out = scratch("derive-refused").join("generated.rs");
    let _ = std::fs::remove_file(&out);
    let output = run(&[
        "generate",
        "--include",
        "invoice.created",
        "--derive",
        "Hash",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists(), "refused code was written");
    // A derive that holds for every field it reaches, and one of the user's own, are taken.
    let output = run(&["generate", "--include", "quote.created", "--derive", "Eq", "--derive", "my::Own"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let code = stdout(&output);
    assert!(code.contains("    Eq,\n    my::Own\n)]\n#[serde(crate"), "{code}");
}

#[test]
fn each_command_exits_1_for_a_problem_it_found_and_2_when_it_could_not_run() {
    let dir = scratch("exit-statuses");
    let bundled_path = write_spec(&dir, "bundled.json", &bundled());
    let missing = dir.join("missing.json").to_str().unwrap().to_owned();
    let mut broken = bundled();
    let fee = broken["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["name"] == "Fee").unwrap();
    fee["fields"][0]["type"] = "Nope".into();
    let broken = write_spec(&dir, "broken.json", &broken);
    let mut no_releases = bundled();
    no_releases.as_object_mut().unwrap().remove("releases");
    let no_releases = write_spec(&dir, "no-releases.json", &no_releases);
    let mut removed = bundled();
    removed["messages"].as_array_mut().unwrap().retain(|m| m["webhook_type"] != "fee.created");
    let removed = write_spec(&dir, "removed.json", &removed);
    let invalid_payload = dir.join("invalid.json");
    let body =
        lago_webhooks::WebhookType::FeeCreated.example().replacen("\"lago_id\":\"", "\"lago_id\":\"x", 1);
    std::fs::write(&invalid_payload, body).unwrap();
    let invalid_payload = invalid_payload.to_str().unwrap().to_owned();
    let page = dir.join("page.md");
    std::fs::write(&page, "```json\n{\"webhook_type\": \"fee.created\",\n}\n```\n").unwrap();
    let page = page.to_str().unwrap().to_owned();
    // A port taken, for `listen`; a directory that is no git repository, for `history`.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let unwritable = dir.join("no-such-dir").join("generated.rs").to_str().unwrap().to_owned();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["check", "--spec", &broken], 1, "a spec with problems"),
        (vec!["check", &invalid_payload], 1, "an invalid payload"),
        (vec!["check", "--spec", &missing], 2, "a spec it cannot read"),
        (vec!["generate", "--spec", &broken], 2, "a spec it cannot generate from"),
        (vec!["generate", "--spec", &missing], 2, "a spec it cannot read"),
        (vec!["generate", "--out", &unwritable], 2, "a file it cannot write"),
        (vec!["diff", &bundled_path, &removed], 1, "a breaking change"),
        (vec!["diff", &bundled_path, &bundled_path], 0, "no change"),
        (vec!["diff", &bundled_path, &missing], 2, "a spec it cannot read"),
        (vec!["diff", &broken, &bundled_path], 2, "a spec the generator refuses"),
        (vec!["diff", "--lago-versions", "1.40", "1.30"], 2, "releases in the wrong order"),
        (vec!["versions", "--spec", &no_releases], 2, "a spec without releases"),
        (vec!["versions", "--spec", &broken], 2, "a spec the generator refuses"),
        (vec!["versions", "--spec", &missing], 2, "a spec it cannot read"),
        (vec!["import-docs", &page], 1, "an example that is not JSON"),
        (vec!["import-docs", &missing], 2, "a page it cannot read"),
        (vec!["import-docs", &page, "--into", &missing], 2, "a spec it cannot read"),
        (vec!["import-openapi", &missing], 2, "a description it cannot read"),
        (vec!["inbox", "--url", "memory:", "show", "no-such-key"], 1, "no such delivery"),
        (vec!["inbox", "--url", "postgres://postgres@127.0.0.1:1/none", "status"], 2, "an unreachable inbox"),
        (vec!["listen", "--port", &port, "--hmac-key", "k"], 2, "a port it cannot listen on"),
        (vec!["history", "--lago-api", dir.to_str().unwrap()], 2, "not a git repository"),
    ];
    for (args, code, why) in cases {
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{why}: {args:?}\nstdout: {}\nstderr: {}",
            stdout(&output),
            stderr(&output)
        );
        if code == 2 {
            assert!(stderr(&output).contains("error"), "{why}: {args:?} says why: {}", stderr(&output));
        }
    }
    drop(taken);
}

#[test]
fn help_states_the_exit_statuses() {
    let output = run(&["--help"]);
    assert!(stdout(&output).contains("1 when a command found a problem"), "{}", stdout(&output));
    for (command, says) in [
        ("diff", "1 when one does (major), 2 when a spec cannot be read"),
        ("generate", "2 when it cannot be"),
        ("versions", "2 when the spec cannot be read"),
    ] {
        let output = run(&[command, "--help"]);
        assert!(stdout(&output).contains(says), "{command}: {}", stdout(&output));
    }
}

#[test]
fn import_docs_escapes_what_a_page_holds_wherever_it_leaves_the_command() {
    let dir = scratch("import-docs-controls");
    let spec = dir.join("spec.json");
    std::fs::copy(workspace().join("spec/lago-webhooks.json"), &spec).unwrap();
    let spec = spec.to_str().unwrap();
    let mut invoice: serde_json::Value =
        serde_json::from_str(lago_webhooks::WebhookType::InvoiceCreated.example()).unwrap();
    invoice["invoice"]["status"] = "fin\u{1b}alized\u{9b}".into();
    invoice["invoice"]["k\u{1b}[2Jk"] = "v\u{1b}[31mv".into();
    let new = serde_json::json!({
        "webhook_type": "thing.\u{1b}]0;owned\u{7}made",
        "object_type": "thing",
        "thing": {"a\u{1b}b": "x"}
    });
    // The examples hold ESC and BEL as JSON escapes (JSON holds no raw C0 control in a
    // string) and the C1 CSI raw; the heading, the prose and the page's name hold them raw.
    let page = format!(
        "# Invoices \u{1b}[2J\n\nProse \u{1b}]0;title\u{7} between examples.\n\n```json\n{}\n```\n\n```json\n{}\n```\n\n```json\n{{\"webhook_type\": \"a\u{1b}b\",\n}}\n```\n",
        invoice, new
    );
    let path = dir.join("page\u{1b}[2J.md");
    std::fs::write(&path, page).unwrap();
    let output = run(&["import-docs", path.to_str().unwrap(), "--into", spec, "--write"]);
    assert_eq!(output.status.code(), Some(1), "an example is not JSON: {}", stderr(&output));
    let printed = [output.stdout.clone(), output.stderr.clone()].concat();
    assert!(!holds_controls(&printed), "{}", String::from_utf8_lossy(&printed));
    let text = stdout(&output);
    for says in [
        "new: value `fin\\u{1b}alized\\u{9b}` of `InvoiceStatus`",
        "new: field `Invoice.k\\u{1b}[2Jk` (string, in `invoice.created`): \"v\\u001b[31mv\"",
        "new: message `thing.\\u{1b}]0;owned\\u{7}made`, not in the spec",
        "invalid: ",
        "page\\u{1b}[2J.md:",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    // The spec written holds the names as sent, escaped as JSON, and its prose escaped as
    // text: no control character a terminal acts on.
    let written = std::fs::read(spec).unwrap();
    assert!(!holds_controls(&written));
    let written: serde_json::Value = serde_json::from_slice(&written).unwrap();
    let message = written["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["webhook_type"] == "thing.\u{1b}]0;owned\u{7}made")
        .expect("the new message, named as sent");
    assert_eq!(message["title"], "thing.\\u{1b}]0;owned\\u{7}made");
}

#[test]
fn check_escapes_what_a_payload_holds() {
    let dir = scratch("check-controls");
    let mut body: serde_json::Value =
        serde_json::from_str(lago_webhooks::WebhookType::FeeCreated.example()).unwrap();
    body["webhook_type"] = "fee.\u{1b}[2Jcreated".into();
    let unknown = dir.join("unknown-type.json");
    std::fs::write(&unknown, body.to_string()).unwrap();
    body["webhook_type"] = "fee.created".into();
    body["fee"]["lago_id"] = "x\u{1b}]0;owned\u{7}".into();
    let invalid = dir.join("invalid.json");
    std::fs::write(&invalid, body.to_string()).unwrap();
    let own_spec = write_spec(&dir, "spec.json", &bundled());
    for spec in [None, Some(own_spec.as_str())] {
        let mut args = vec!["check", unknown.to_str().unwrap(), invalid.to_str().unwrap()];
        args.extend(spec.map(|spec| ["--spec", spec]).into_iter().flatten());
        let output = run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(!holds_controls(&output.stdout), "{args:?}: {}", stdout(&output));
        let text = stdout(&output);
        assert!(text.contains("(fee.\\u{1b}[2Jcreated)"), "{args:?}: {text}");
        assert!(text.contains("`x\\u{1b}]0;owned\\u{7}`"), "{args:?}: {text}");
    }
}
