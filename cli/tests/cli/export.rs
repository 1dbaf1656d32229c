//! `export`: the committed export of the bundled spec (`spec/export/`) is what the command
//! writes, and tools of other languages accept it: Python's `jsonschema` validates every
//! example against its message's schema and refuses broken ones, and AsyncAPI's own
//! parser reads the AsyncAPI document without an error.
//!
//! The tools are those `tools/export-check/` pins, installed once under the target
//! directory (a venv, `npm ci`) and again only when their manifests change. Without
//! python3 or node and npm these tests fail, saying what to install, unless
//! `LAGO_WEBHOOKS_SKIP_EXTERNAL=1`.

use std::io::Write;

use super::*;

/// Set to write the committed export instead of checking it.
const WRITE: &str = "LAGO_WEBHOOKS_WRITE_EXPORT";

/// Set to skip the checks that need python3, node and npm.
const SKIP_EXTERNAL: &str = "LAGO_WEBHOOKS_SKIP_EXTERNAL";

/// The committed export of the bundled spec.
fn committed() -> PathBuf {
    workspace().join("spec/export")
}

fn tools() -> PathBuf {
    workspace().join("tools/export-check")
}

/// Progress on the real stderr, past the test harness's capture: an install may take a
/// minute, and should not look hung.
fn progress(text: &str) {
    let _ = std::io::stderr().write_all(format!("export check: {text}\n").as_bytes());
}

/// The export of the bundled spec, written by the binary into the scratch directory
/// `name`: its schema directory and its AsyncAPI file.
fn fresh(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let schemas = dir.join("json-schema");
    let _ = std::fs::remove_dir_all(&schemas);
    let output = run(&["export", "--json-schema", "--out", schemas.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout(&output).contains(&format!("{} schemas written to", lago_webhooks::WebhookType::ALL.len()))
    );
    let asyncapi = dir.join("asyncapi.json");
    let output = run(&["export", "--asyncapi", "--out", asyncapi.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (schemas, asyncapi)
}

/// The files of a directory, by name.
fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Default::default() };
    entries
        .map(|entry| entry.unwrap().path())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
        .collect()
}

#[test]
fn the_committed_export_is_what_the_command_writes() {
    let (schemas, asyncapi) = fresh("export-committed");
    let fresh_schemas = files(&schemas);
    let fresh_asyncapi = std::fs::read(&asyncapi).unwrap();
    // Without --out, the document goes to stdout, the same.
    let printed = run(&["export", "--asyncapi"]);
    assert!(printed.status.success());
    assert!(printed.stdout == fresh_asyncapi, "`export --asyncapi` prints another document than it writes");

    let committed_schemas = committed().join("json-schema");
    let committed_asyncapi = committed().join("asyncapi.json");
    if std::env::var_os(WRITE).is_some() {
        for name in files(&committed_schemas).keys().filter(|name| !fresh_schemas.contains_key(*name)) {
            std::fs::remove_file(committed_schemas.join(name)).unwrap();
        }
        std::fs::create_dir_all(&committed_schemas).unwrap();
        for (name, text) in &fresh_schemas {
            std::fs::write(committed_schemas.join(name), text).unwrap();
        }
        std::fs::write(&committed_asyncapi, &fresh_asyncapi).unwrap();
        return;
    }
    let refresh = format!("run `{WRITE}=1 cargo test -p lago-webhooks-cli --test cli export` to refresh it");
    let old = files(&committed_schemas);
    let stale: Vec<&String> = old.keys().filter(|name| !fresh_schemas.contains_key(*name)).collect();
    let differ: Vec<&String> = fresh_schemas
        .iter()
        .filter(|(name, text)| old.get(*name) != Some(text))
        .map(|(name, _)| name)
        .collect();
    assert!(
        stale.is_empty() && differ.is_empty(),
        "spec/export/json-schema differs from `lago-webhooks export --json-schema` (missing or changed: \
         {differ:?}; no longer written: {stale:?}): {refresh}"
    );
    let old = std::fs::read(&committed_asyncapi).unwrap_or_default();
    assert!(
        old == fresh_asyncapi,
        "spec/export/asyncapi.json differs from `lago-webhooks export --asyncapi`: {refresh}"
    );
}

#[test]
fn export_needs_a_format_a_directory_for_schemas_and_a_sound_spec() {
    let output = run(&["export"]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["export", "--json-schema"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--out"));

    let spec = scratch_spec("export-broken");
    let mut broken = bundled();
    broken["messages"][0]["payload"] = "NoSuchObject".into();
    std::fs::write(&spec, broken.to_string()).unwrap();
    let output = run(&["export", "--asyncapi", "--spec", spec.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("NoSuchObject"));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_version_pin_exports_what_those_releases_send() {
    let dir = scratch("export-pinned").join("json-schema");
    let _ = std::fs::remove_dir_all(&dir);
    let output = run(&["export", "--json-schema", "--out", dir.to_str().unwrap(), "--lago-version", "1.8"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pinned = files(&dir);
    assert!(!pinned.is_empty() && pinned.len() < lago_webhooks::WebhookType::ALL.len(), "{}", pinned.len());
    // Wallet transactions (since 1.3.0) are older than their `source`, which Lago 1.9.0
    // added: it is in the unpinned schema and not in the one of 1.8.
    let schema = |files: &std::collections::BTreeMap<String, Vec<u8>>| -> serde_json::Value {
        serde_json::from_slice(&files["wallet_transaction.created.json"]).unwrap()
    };
    let source = "/$defs/WalletTransaction/properties/source";
    assert!(schema(&pinned).pointer(source).is_none());
    let (unpinned, _) = fresh("export-unpinned");
    assert!(schema(&files(&unpinned)).pointer(source).is_some());
    // Schemas of different content claim different ids: the committed export's are the
    // unpinned bundled spec's alone.
    let id = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
        schema(files)["$id"].as_str().unwrap().to_owned()
    };
    assert_eq!(id(&pinned), "urn:lago-webhooks:lago-webhooks:lago-1.8/wallet_transaction.created.json");
    assert!(id(&files(&unpinned)).starts_with("https://"), "{}", id(&files(&unpinned)));
}

/// Runs `command`, panicking with its output when it fails.
fn succeed(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|err| panic!("{what}: cannot run: {err}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Whether `program --version` runs; when it does not, the test fails saying to install
/// `package`, unless the external checks are skipped (then `false`).
fn available(program: &str, package: &str) -> bool {
    if Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    if std::env::var_os(SKIP_EXTERNAL).is_some_and(|v| !v.is_empty()) {
        progress(&format!("{program} not found; skipped ({SKIP_EXTERNAL} is set)"));
        return false;
    }
    panic!(
        "this test needs `{program}`: install {package}, or set {SKIP_EXTERNAL}=1 to skip the checks by other tools"
    );
}

/// Installs what `manifest` lists into `dir` with `install`, unless `dir/.installed`
/// already holds the manifest: installs are done once per manifest.
fn install_once(dir: &Path, manifest: &Path, what: &str, install: impl FnOnce()) {
    let wanted = std::fs::read(manifest).unwrap();
    let stamp = dir.join(".installed");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == wanted) {
        return;
    }
    progress(&format!("installing {what} into {} (once)", dir.display()));
    install();
    std::fs::write(&stamp, wanted).unwrap();
    progress(&format!("installed {what}"));
}

/// A Python with `tools/export-check/requirements.txt` installed, if python3 is.
fn python() -> Option<PathBuf> {
    if !available("python3", "python3 with its venv module (Debian: python3-venv)") {
        return None;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-check/venv");
    let python = dir.join("bin/python");
    let requirements = tools().join("requirements.txt");
    install_once(&dir, &requirements, "jsonschema (tools/export-check/requirements.txt)", || {
        let _ = std::fs::remove_dir_all(&dir);
        succeed(Command::new("python3").args(["-m", "venv"]).arg(&dir), "python3 -m venv");
        succeed(
            Command::new(&python)
                .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r"])
                .arg(&requirements),
            "pip install -r tools/export-check/requirements.txt",
        );
    });
    Some(python)
}

/// A directory with `tools/export-check`'s npm packages and `parse.mjs`, if node and npm
/// are installed.
fn node_tools() -> Option<PathBuf> {
    if !available("node", "Node.js (18 or later)") || !available("npm", "npm") {
        return None;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-check/npm");
    let lock = tools().join("package-lock.json");
    install_once(&dir, &lock, "@asyncapi/parser (tools/export-check/package-lock.json)", || {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(tools().join(file), dir.join(file)).unwrap();
        }
        succeed(
            Command::new("npm")
                .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir),
            "npm ci",
        );
    });
    // The script changes more often than the packages, and must sit beside them to import
    // them.
    std::fs::copy(tools().join("parse.mjs"), dir.join("parse.mjs")).unwrap();
    Some(dir)
}

#[test]
fn jsonschema_validates_every_example_and_refuses_broken_ones() {
    let Some(python) = python() else { return };
    let (schemas, _) = fresh("export-jsonschema");
    let validate = |spec: &Path| {
        Command::new(&python).arg(tools().join("validate.py")).arg(&schemas).arg(spec).output().unwrap()
    };
    let output = validate(&workspace().join("spec/lago-webhooks.json"));
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    let count = lago_webhooks::WebhookType::ALL.len();
    assert!(text.contains(&format!("{count} schemas; {count} examples valid;")), "{text}");
    // At least one broken copy of each example, refused (validate.py fails on any accepted).
    let refused: usize = text
        .split("examples valid; ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(refused >= count, "{text}");

    // And the check fails when an example breaks its schema.
    let mut broken = bundled();
    let fee = broken["messages"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|message| message["webhook_type"] == "fee.created")
        .unwrap();
    fee["example"]["fee"].as_object_mut().unwrap().remove("lago_id");
    fee["example"]["fee"]["amount_currency"] = "EURO".into();
    let spec = scratch_spec("export-jsonschema-broken");
    std::fs::write(&spec, broken.to_string()).unwrap();
    let output = validate(&spec);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("fee.created: the example fails at /fee: 'lago_id' is a required property"),
        "{text}"
    );
    assert!(
        text.contains("fee.created: the example fails at /fee/amount_currency: 'EURO' is not one of"),
        "{text}"
    );
}

#[test]
fn the_asyncapi_parser_reads_the_document_without_an_error() {
    let Some(dir) = node_tools() else { return };
    let (_, asyncapi) = fresh("export-asyncapi");
    let parse = |file: &Path| Command::new("node").arg(dir.join("parse.mjs")).arg(file).output().unwrap();
    let output = parse(&asyncapi);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    let count = lago_webhooks::WebhookType::ALL.len();
    assert!(text.contains(&format!("{count} messages; 0 errors")), "{text}");

    // And the check fails on a document AsyncAPI refuses.
    let mut broken: serde_json::Value = serde_json::from_slice(&std::fs::read(&asyncapi).unwrap()).unwrap();
    broken["info"].as_object_mut().unwrap().remove("version");
    let file = scratch("export-asyncapi-broken").join("asyncapi.json");
    std::fs::write(&file, broken.to_string()).unwrap();
    let output = parse(&file);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("must have required property \"version\""), "{text}");
}
