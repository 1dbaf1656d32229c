//! Every command example of the README, run as written, in README order, in a folder
//! laid out with the files the examples name.
//!
//! Two things are changed on the way, and only these: the ports the examples name (3000,
//! 3001, 8080) become free ports (listeners take port 0 and say which they got), since
//! another program of the machine may hold them, and
//! the inbox the examples reach gets a name of this run's own (`LAGO_INBOX_NAME`, which
//! the command reads), so that the test touches no inbox but its own. A line that is not
//! a `lago-webhooks` command must be one of [`NOT_RUN_HERE`], each saying where it is
//! run instead; a README line this test does not know fails it, so that a new example
//! cannot go untested.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::Child;

use super::*;

/// Each `lago-webhooks` line of the README, and its exit status in the folder this test
/// lays out.
const EXPECTED: &[(&str, i32)] = &[
    (
        "lago-webhooks listen --ui-port 3001                          # the endpoint on port 3000, the page on http://127.0.0.1:3001/",
        0,
    ),
    (
        "lago-webhooks trigger --url http://127.0.0.1:3000/webhooks   # in another terminal: every type's example, signed",
        0,
    ),
    ("lago-webhooks trigger invoice.created --url http://127.0.0.1:3000/webhooks --hmac-key my-key", 0),
    ("lago-webhooks inbox status --url postgres://postgres@127.0.0.1:5432/test", 0),
    (
        "lago-webhooks inbox status --url \"$LAGO_INBOX_URL\"      # pending, in progress, retrying, dead, done, oldest",
        0,
    ),
    ("lago-webhooks inbox list --state dead                   # URL from LAGO_INBOX_URL", 0),
    // No delivery has that key: "not found" is a problem found.
    ("lago-webhooks inbox show 3f0e9a52-7b1c-4d8e-a6f4-1c2b3d4e5f60", 1),
    ("lago-webhooks inbox replay --dead                       # every dead delivery back to pending", 0),
    ("lago-webhooks inbox purge --done-before 7d              # PostgreSQL and NATS keep done ones", 0),
    ("lago-webhooks listen --port 3000 --ui-port 3001 --public-key public.pem", 0),
    ("lago-webhooks trigger --url http://127.0.0.1:3000/webhooks", 0),
    (
        "lago-webhooks trigger invoice.created --url http://127.0.0.1:3000/webhooks --jwt-key private.pem --issuer https://api.getlago.com",
        0,
    ),
    ("lago-webhooks trigger --payload captured.json --url http://127.0.0.1:3000/webhooks", 0),
    (
        "lago-webhooks listen --port 3000 --ui-port 3001 --forward-to http://127.0.0.1:8080/webhooks --record deliveries",
        0,
    ),
    ("lago-webhooks generate --spec lago-webhooks.json --include invoice.created --out src/lago.rs", 0),
    (
        "lago-webhooks generate --spec lago-webhooks.json --include credit_note.refund_failure --derive Eq --out src/refunds.rs",
        0,
    ),
    ("lago-webhooks check --spec lago-webhooks.json", 0),
    ("lago-webhooks check delivery.json", 0),
    // The old spec lacks a value of an enumeration: a breaking change.
    ("lago-webhooks diff old/lago-webhooks.json lago-webhooks.json", 1),
    ("lago-webhooks import-openapi lago-openapi/openapi.yaml > upstream.json", 0),
    // Drift to decide, until the next line merges it.
    ("lago-webhooks import-openapi lago-openapi/src/openapi.yaml --into lago-webhooks.json", 1),
    ("lago-webhooks import-openapi lago-openapi/src/openapi.yaml --into lago-webhooks.json --write", 0),
    ("lago-webhooks import-docs messages.md --into lago-webhooks.json --write", 0),
    ("lago-webhooks export --json-schema --out schemas", 0),
    ("lago-webhooks export --asyncapi --out lago-webhooks.asyncapi.json", 0),
    // The CI step, after the merge above: nothing left to decide.
    ("lago-webhooks import-openapi lago-openapi/src/openapi.yaml --into lago-webhooks.json", 0),
    ("lago-webhooks check --spec upstream.json delivery.json", 0),
    ("lago-webhooks listen --spec lago-webhooks.json", 0),
];

/// README lines that are not `lago-webhooks` commands (by their start), and where each
/// is run instead.
const NOT_RUN_HERE: &[(&str, &str)] = &[
    ("cargo run --example demo", "the suite runs the demo and checks its summary (example_receiver.rs)"),
    ("cargo test --workspace", "this is the test suite"),
    ("cargo install ", "builds, in release mode, the binary these tests run"),
    (
        "LAGO_INBOX_URL=postgres://postgres@127.0.0.1:5432/test LAGO_HMAC_KEY=my-key cargo run --example receiver",
        "the suite runs the example receiver with an inbox in PostgreSQL (example_receiver.rs); here a listener with its key stands in for it",
    ),
    (
        "git clone --depth 1 https://github.com/getlago/lago-openapi",
        "GitHub is out of a test's reach; the folder is laid out from the command's OpenAPI fixtures",
    ),
    ("cd fuzz && cargo +nightly fuzz run", "fuzzing runs for as long as it is given, on a nightly toolchain"),
    ("export LAGO_HMAC_KEY=", "sets the environment of the lines after it, as here"),
];

/// The README's `sh` lines, in order, without comment lines and blank ones.
fn readme_lines() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let mut lines = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        match line {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            _ if in_sh && !line.trim().is_empty() && !line.trim_start().starts_with('#') => {
                lines.push(line.to_owned())
            }
            _ => {}
        }
    }
    lines
}

/// A free port of 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The folder the examples run in: the bundled spec, an older copy of it, a delivery, a
/// docs page, Lago's OpenAPI description (bundled and split), a key pair.
fn lay_out() -> PathBuf {
    let dir = scratch("readme");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("old")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let spec = bundled();
    std::fs::write(dir.join("lago-webhooks.json"), serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    // An older spec: one enumeration value fewer.
    let mut old = spec.clone();
    let values = old["enums"][0]["values"].as_array_mut().unwrap();
    values.pop();
    std::fs::write(dir.join("old/lago-webhooks.json"), serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let invoice = lago_webhooks::WebhookType::InvoiceCreated.example();
    std::fs::write(dir.join("delivery.json"), invoice).unwrap();
    std::fs::write(dir.join("captured.json"), lago_webhooks::WebhookType::FeeCreated.example()).unwrap();
    let page = format!(
        "# Webhooks\n\n## A fee is created\n\n```json\n{}\n```\n",
        lago_webhooks::WebhookType::FeeCreated.example()
    );
    std::fs::write(dir.join("messages.md"), page).unwrap();
    let openapi = workspace().join("cli/tests/fixtures/openapi");
    std::fs::create_dir_all(dir.join("lago-openapi")).unwrap();
    std::fs::copy(openapi.join("bundled.yaml"), dir.join("lago-openapi/openapi.yaml")).unwrap();
    copy_tree(&openapi.join("split"), &dir.join("lago-openapi/src"));
    let signing = workspace().join("tests/fixtures/signing");
    std::fs::copy(signing.join("lago-test-private.pem"), dir.join("private.pem")).unwrap();
    std::fs::copy(signing.join("lago-test-public.pem"), dir.join("public.pem")).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A server the test runs for the length of some lines: killed when dropped.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_command_example_of_the_readme_works_as_written() {
    let lines = readme_lines();
    let dir = lay_out();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let inbox_url = service_url("LAGO_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test");
    let inbox_name = inbox_name("lago_readme_");
    let _inbox = InboxCleanup(inbox_url.clone(), inbox_name.clone());
    let mut env: BTreeMap<String, String> = BTreeMap::from([
        ("PATH".to_owned(), path),
        ("LAGO_INBOX_URL".to_owned(), inbox_url.clone()),
        ("LAGO_INBOX_NAME".to_owned(), inbox_name.clone()),
        ("NO_COLOR".to_owned(), "1".to_owned()),
    ]);
    // Servers take a free port (0) and say which; the lines after one reach it there.
    // Nothing listens on the app's port (no delivery is forwarded): any port will do.
    let app_port = free_port().to_string();
    let mut endpoint_port = String::from("3000");
    let localize = |line: &str, endpoint_port: &str| {
        let mut line = line.replace("postgres://postgres@127.0.0.1:5432/test", &inbox_url);
        line = line.replace("127.0.0.1:3000", &format!("127.0.0.1:{endpoint_port}"));
        line = line.replace("127.0.0.1:8080", &format!("127.0.0.1:{app_port}"));
        if line.starts_with("lago-webhooks listen") {
            line = line.replace("--port 3000", "--port 0").replace("--ui-port 3001", "--ui-port 0");
            if !line.contains("--port ") {
                line = line.replacen("lago-webhooks listen", "lago-webhooks listen --port 0", 1);
            }
        }
        line
    };

    let mut expected: Vec<(&str, i32)> = EXPECTED.to_vec();
    let mut server: Option<Background> = None;
    let mut ran = Vec::new();
    for line in &lines {
        if let Some(assignment) = line.strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').unwrap();
            let value = value.split(" #").next().unwrap_or_default().trim();
            env.insert(name.to_owned(), value.trim_matches('"').to_owned());
        }
        if !line.starts_with("lago-webhooks ") {
            let known = NOT_RUN_HERE.iter().find(|(start, _)| line.starts_with(start));
            let (start, _) = known.unwrap_or_else(|| panic!("a README line this test does not know: {line}"));
            if start.contains("--example receiver") {
                // A listener with the example's key stands for the example receiver.
                stop(server.take());
                let started = start_listen("lago-webhooks listen --port 0 --hmac-key my-key", &dir, &env);
                endpoint_port = started.1;
                server = Some(started.0);
            }
            continue;
        }
        let position = expected.iter().position(|(known, _)| known == line);
        let (_, status) = expected
            .remove(position.unwrap_or_else(|| panic!("a README command this test does not expect: {line}")));
        let command = localize(line, &endpoint_port);
        if line.starts_with("lago-webhooks listen") {
            // A server: started, and the lines after it talk to it until the next one.
            assert_eq!(status, 0, "a listen line runs until stopped");
            stop(server.take());
            let started = start_listen(&command, &dir, &env);
            endpoint_port = started.1;
            server = Some(started.0);
            ran.push(line.clone());
            continue;
        }
        let output = shell(&command, &dir, &env).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(status),
            "`{command}` in {}:\n{}{}",
            dir.display(),
            stdout(&output),
            stderr(&output)
        );
        ran.push(line.clone());
    }
    stop(server);
    assert!(expected.is_empty(), "README commands this test expects and the README lacks: {expected:#?}");
    assert_eq!(ran.len(), EXPECTED.len());
    // What the lines made is there.
    assert!(dir.join("src/lago.rs").is_file() && dir.join("src/refunds.rs").is_file());
    assert!(dir.join("schemas/invoice.created.json").is_file());
    assert!(dir.join("lago-webhooks.asyncapi.json").is_file());
}

/// Stops a server the lines talked to, once it is seen still running: a listener that
/// died after saying where it listens fails the test.
fn stop(server: Option<Background>) {
    let Some(mut server) = server else { return };
    assert!(matches!(server.0.try_wait(), Ok(None)), "a listener stopped before its lines were done");
}

/// This run's inbox, deleted when the test ends, however it ends.
struct InboxCleanup(String, String);

impl Drop for InboxCleanup {
    fn drop(&mut self) {
        use lago_webhooks::inbox::{Options, open};
        let Ok(runtime) = tokio::runtime::Runtime::new() else { return };
        runtime.block_on(async {
            if let Ok(inbox) = open(&self.0, &Options::default().with_name(self.1.clone())).await {
                let _ = inbox.delete().await;
            }
        });
    }
}

/// `line` run by `sh` in `dir` with `env`, and none of the key variables of the shell
/// that runs the test.
fn shell(line: &str, dir: &Path, env: &BTreeMap<String, String>) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(line).current_dir(dir);
    for variable in KEY_VARIABLES.iter().chain(&["LAGO_INBOX_URL", "LAGO_INBOX_NAME"]) {
        shell.env_remove(variable);
    }
    shell.envs(env);
    shell
}

/// `command` (a `listen` line) started in `dir`, once it says where it listens: the
/// process and the endpoint's port.
fn start_listen(command: &str, dir: &Path, env: &BTreeMap<String, String>) -> (Background, String) {
    let mut child = shell(&format!("exec {command}"), dir, env).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let port = first
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("`{command}` printed {first:?}"))
        .to_owned();
    // The rest is read and dropped, so that the listener never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Background(child), port)
}
