//! `export`: the spec for other languages, as a JSON Schema (draft 2020-12) per message
//! or as one AsyncAPI 3.0.0 document, built from the resolved spec the generated Rust is
//! made from.

mod asyncapi;
mod json_schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lago_webhooks_codegen::resolved::Ir;
use lago_webhooks_codegen::{SpecSource, VersionRange, resolve_for};

use crate::ordered::Json;
use crate::output::out;
use crate::spec::{SpecArg, source};

/// Where the schema files say they live unless `--id-base` says otherwise: the
/// repository's committed export of the bundled spec.
const ID_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/raw/HEAD/spec/export/json-schema");

/// Arguments of `lago-webhooks export`.
#[derive(clap::Args)]
#[command(
    group = clap::ArgGroup::new("format").required(true).args(["json_schema", "asyncapi"]),
    after_help = "Examples:\n  lago-webhooks export --json-schema --out schemas/\n  \
                  lago-webhooks export --asyncapi > asyncapi.json\n\n\
                  Exits with 0, or 2 when it cannot run (a spec with problems, a file it cannot write)."
)]
pub struct Args {
    #[command(flatten)]
    spec: SpecArg,
    /// Write a JSON Schema (draft 2020-12) per message, `<webhook_type>.json`, into the
    /// directory `--out`: the whole envelope, with its own definitions.
    #[arg(long, requires = "out")]
    json_schema: bool,
    /// Print an AsyncAPI 3.0.0 document (JSON) of every message, or write it to `--out`.
    #[arg(long)]
    asyncapi: bool,
    /// The directory of the schemas (created if missing), or the file of the AsyncAPI
    /// document.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Export the types of these Lago releases (`1.40`, `1.30..`, `1.8..1.30`): without
    /// what none of them sends, with what some of them lack optional.
    #[arg(long, value_name = "VERSION")]
    lago_version: Option<VersionRange>,
    /// The URL the schemas' `$id`s start with (each ends with `/<webhook_type>.json`).
    /// Default: for the bundled spec, unpinned, the repository's committed export; for
    /// any other spec or a pin, `urn:lago-webhooks:<spec file name>[:lago-<VERSION>]`, so
    /// that schemas of different content never claim the same id.
    #[arg(long, value_name = "URL")]
    id_base: Option<String>,
}

/// Writes the export; it finds no problem of its own, so it ends with 0 or, when it
/// cannot run, an error.
pub fn run(args: Args) -> crate::output::Outcome {
    export(&args).map(|()| true)
}

/// The `$id` base when `--id-base` is not given: the committed export's only for what it
/// holds, the bundled spec unpinned.
fn default_id_base(args: &Args, spec_file: &str) -> String {
    let pin = args.lago_version.map(|range| format!(":lago-{range}"));
    match (&args.spec.spec, pin) {
        (None, None) => ID_BASE.to_owned(),
        (path, pin) => {
            let name = path.as_deref().and_then(Path::file_stem).map_or_else(
                || spec_file.split_whitespace().next().unwrap_or("spec").trim_end_matches(".json").to_owned(),
                |stem| stem.to_string_lossy().into_owned(),
            );
            format!("urn:lago-webhooks:{}{}", crate::safe_name::safe_chars(&name), pin.unwrap_or_default())
        }
    }
}

fn export(args: &Args) -> Result<(), String> {
    let source = source(args.spec.spec.as_deref())?;
    let ir = resolve_for(&source, None, args.lago_version).map_err(|errors| errors.to_string())?;
    let examples = examples(&ir, &source)?;
    if args.json_schema {
        // `requires = "out"` makes clap refuse `--json-schema` alone.
        let Some(dir) = &args.out else { return Err("--json-schema needs --out DIR".into()) };
        let id_base = args.id_base.clone().unwrap_or_else(|| default_id_base(args, &source.file));
        let count = write_schemas(&ir, examples, dir, id_base.trim_end_matches('/'))?;
        out!("{count} schemas written to {}", dir.display());
    } else {
        let description = description(&source)?;
        let document = asyncapi::document(&ir, &description, examples);
        let text = pretty(&document)?;
        match &args.out {
            Some(file) => write(file, &text)?,
            None => out!("{}", text.trim_end()),
        }
    }
    Ok(())
}

/// The spec's description, or a sentence of ours when it has none.
fn description(source: &SpecSource) -> Result<String, String> {
    let spec = source.parse().map_err(|errors| errors.to_string())?;
    Ok(match spec.description.trim() {
        "" => format!("The webhooks of {}.", spec.title),
        description => description.to_owned(),
    })
}

/// Each message's example, keys in the spec's order, shaped as the resolved spec's
/// releases send it (keys none of them sends left out).
fn examples(ir: &Ir, source: &SpecSource) -> Result<Vec<Option<Json>>, String> {
    let written = written_examples(source);
    ir.messages
        .iter()
        .map(|message| {
            let Some(example) = &message.example else { return Ok(None) };
            let example = crate::shape::example(ir, message, example)?;
            let shaped: Json = serde_json::from_str(&example)
                .map_err(|err| format!("the example of {} is not JSON: {err}", message.webhook_type))?;
            Ok(Some(match written.get(&message.webhook_type) {
                Some(order) => reorder(shaped, order),
                None => shaped,
            }))
        })
        .collect()
}

/// The examples as the spec's text writes them, by webhook type, for their keys' order:
/// the resolved spec's and the shaped ones went through `serde_json::Value`, which sorts
/// keys. A spec that is not JSON has none (it resolved, so it is).
fn written_examples(source: &SpecSource) -> BTreeMap<String, Json> {
    let Ok(spec) = serde_json::from_str::<Json>(&source.text) else { return BTreeMap::new() };
    let Some(Json::Array(messages)) = spec.get("messages") else { return BTreeMap::new() };
    messages
        .iter()
        .filter_map(|message| {
            let webhook_type = message.get("webhook_type")?.as_str()?;
            Some((webhook_type.to_owned(), message.get("example")?.clone()))
        })
        .collect()
}

/// `value` with the keys of each object in the order `order` has them (keys it lacks
/// last, as they are).
fn reorder(value: Json, order: &Json) -> Json {
    match (value, order) {
        (Json::Object(mut members), Json::Object(ordered)) => {
            let mut sorted = Vec::with_capacity(members.len());
            for (key, inner) in ordered {
                if let Some(place) = members.iter().position(|(name, _)| name == key) {
                    let (name, value) = members.remove(place);
                    sorted.push((name, reorder(value, inner)));
                }
            }
            sorted.extend(members);
            Json::Object(sorted)
        }
        (Json::Array(items), Json::Array(ordered)) => Json::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| match ordered.get(index) {
                    Some(order) => reorder(item, order),
                    None => item,
                })
                .collect(),
        ),
        (value, _) => value,
    }
}

/// The file name of a message's schema: its webhook type, with any character other than
/// letters, digits, `.`, `-` and `_` (and a leading `.`) made `_`, so that no spec can
/// name a file outside the directory.
fn file_name(webhook_type: &str) -> String {
    let mut name = crate::safe_name::safe_chars(webhook_type);
    if name.is_empty() || name.starts_with('.') {
        name.insert(0, '_');
    }
    name + ".json"
}

fn write_schemas(ir: &Ir, examples: Vec<Option<Json>>, dir: &Path, id_base: &str) -> Result<usize, String> {
    let mut files: BTreeMap<String, &str> = BTreeMap::new();
    for message in &ir.messages {
        let name = file_name(&message.webhook_type);
        if let Some(other) = files.insert(name.clone(), &message.webhook_type) {
            return Err(format!(
                "the webhook types `{other}` and `{}` would both be written to {name}",
                message.webhook_type
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    for (message, example) in ir.messages.iter().zip(examples) {
        let name = file_name(&message.webhook_type);
        let schema = json_schema::message_schema(ir, message, &format!("{id_base}/{name}"), example);
        write(&dir.join(&name), &pretty(&schema)?)?;
    }
    Ok(ir.messages.len())
}

/// JSON indented by two spaces, with a final line break.
fn pretty(value: &Json) -> Result<String, String> {
    let text = serde_json::to_string_pretty(value).map_err(|err| err.to_string())?;
    // A spec's text may hold DEL or C1 characters, which JSON keeps raw: escaped, for a
    // terminal may show the export.
    Ok(crate::controls::json(text) + "\n")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside_the_directory() {
        assert_eq!(file_name("fee.created"), "fee.created.json");
        assert_eq!(file_name("../etc/passwd"), "_.._etc_passwd.json");
        assert_eq!(file_name(""), "_.json");
        assert_eq!(file_name("a/b c"), "a_b_c.json");
    }

    #[test]
    fn examples_keep_the_spec_order_of_their_keys() {
        let order: Json = serde_json::from_str(r#"{"z":1,"a":{"y":1,"b":2},"m":[{"k":1,"c":2}]}"#).unwrap();
        let sorted: Json =
            serde_json::from_str(r#"{"a":{"b":2,"y":1},"m":[{"c":2,"k":1}],"new":0,"z":1}"#).unwrap();
        let text = serde_json::to_string(&reorder(sorted, &order)).unwrap();
        assert_eq!(text, r#"{"z":1,"a":{"y":1,"b":2},"m":[{"k":1,"c":2}],"new":0}"#);
    }
}
