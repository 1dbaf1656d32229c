//! The generator never panics: on any spec, valid or broken, it yields code that is
//! valid Rust syntax and a list of errors.

use lago_webhooks_codegen::{Settings, SpecSource, generate_partial};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};

/// Names that stress conversion: keywords, collisions after case conversion, reserved
/// and built-in names, digits, punctuation, non-ASCII, the empty string.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Invoice",
            "invoice",
            "INVOICE",
            "Fee",
            "fee_item",
            "FeeItem",
            "type",
            "self",
            "Self",
            "crate",
            "WebhookEvent",
            "webhook_type",
            "string",
            "json",
            "Unknown",
            "unknown",
            "",
            "_",
            "123",
            "+1",
            "a b",
            "a-b",
            "é",
            "ü_ß",
            "provider_error[message]",
            "x.y",
            "on_unknown",
            "handle",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z_][a-zA-Z0-9_ .-]{0,10}",
        "\\PC{0,6}",
    ]
}

fn type_expr() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "string", "integer", "number", "boolean", "decimal", "date", "datetime", "currency", "url", "id",
            "json"
        ])
        .prop_map(str::to_owned),
        name(),
        name().prop_map(|n| format!("{n}[]")),
        name().prop_map(|n| format!("{n}[][]")),
    ]
}

fn field() -> impl Strategy<Value = Value> {
    (name(), type_expr(), any::<bool>(), any::<bool>()).prop_map(|(name, ty, optional, nullable)| {
        json!({"name": name, "type": ty, "optional": optional, "nullable": nullable, "description": "d"})
    })
}

fn object() -> impl Strategy<Value = Value> {
    (name(), prop::collection::vec(field(), 0..5))
        .prop_map(|(name, fields)| json!({"name": name, "description": "d", "fields": fields}))
}

fn enumeration() -> impl Strategy<Value = Value> {
    let value = (name(), prop::option::of(0u16..1000)).prop_map(|(value, status)| match status {
        Some(status) => json!({"value": value, "http_status": status}),
        None => json!({"value": value}),
    });
    (name(), prop::collection::vec(value, 0..5))
        .prop_map(|(name, values)| json!({"name": name, "description": "d", "values": values}))
}

fn message() -> impl Strategy<Value = Value> {
    (name(), name(), name(), any::<bool>()).prop_map(|(webhook_type, payload, key, with_example)| {
        let mut message = json!({
            "webhook_type": webhook_type, "object_type": key, "payload_key": key, "payload": payload,
            "title": "t", "description": "d",
        });
        if with_example {
            message["example"] = json!({"webhook_type": webhook_type, key.clone(): {}});
        }
        message
    })
}

fn spec() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(message(), 0..4),
        prop::collection::vec(object(), 0..5),
        prop::collection::vec(enumeration(), 0..3),
    )
        .prop_map(|(messages, objects, enums)| {
            json!({"format_version": 1, "title": "t", "messages": messages, "objects": objects, "enums": enums})
        })
}

/// Any JSON value, to put where the spec expects something else.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        name().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((name(), inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every node of a JSON tree, as paths of keys and indices.
fn paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        _ => return,
    };
    for (key, child) in children {
        prefix.push(key);
        paths(child, prefix, out);
        prefix.pop();
    }
}

/// Replaces the node at `path` with `replacement`, or removes it when `None`.
fn mutate(root: &mut Value, path: &[String], replacement: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        if let Some(value) = replacement {
            *root = value;
        }
        return;
    };
    let mut node = root;
    for key in parents {
        node = match node {
            Value::Object(map) => map.get_mut(key).unwrap(),
            Value::Array(items) => &mut items[key.parse::<usize>().unwrap()],
            _ => unreachable!("paths lead through containers"),
        };
    }
    match (node, replacement) {
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Object(map), Some(value)) => {
            map.insert(last.clone(), value);
        }
        (Value::Array(items), replacement) => {
            let index = last.parse::<usize>().unwrap();
            match replacement {
                Some(value) => items[index] = value,
                None => {
                    items.remove(index);
                }
            }
        }
        _ => unreachable!("the parent of a node is a container"),
    }
}

/// A spec with up to three nodes removed or replaced by values of another kind.
fn broken_spec() -> impl Strategy<Value = Value> {
    let edit = (any::<Index>(), prop::option::of(any_json()));
    (spec(), prop::collection::vec(edit, 0..4)).prop_map(|(mut spec, edits)| {
        for (index, replacement) in edits {
            let mut all = Vec::new();
            paths(&spec, &mut Vec::new(), &mut all);
            let path = index.get(&all).clone();
            mutate(&mut spec, &path, replacement);
        }
        spec
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    (prop::option::of(prop::collection::vec(name(), 0..3)), any::<bool>()).prop_map(|(include, derive)| {
        let mut settings = Settings::default();
        if let Some(include) = include {
            settings = settings.with_include(include);
        }
        if derive {
            settings = settings.with_derive("Eq".parse().unwrap());
        }
        settings
    })
}

/// The property: code that parses as a Rust file, whatever the input.
fn generates_valid_rust(text: String, settings: &Settings) -> Result<(), TestCaseError> {
    let (tokens, _errors) = generate_partial(&SpecSource::new("prop.json", text), settings);
    let parsed = syn::parse2::<syn::File>(tokens);
    prop_assert!(parsed.is_ok(), "generated code is not valid Rust: {:?}", parsed.err());
    Ok(())
}

/// Cases per property: `PROPTEST_CASES` when set (a long run before a release), else a
/// number that keeps the suite quick; the `spec_codegen` fuzz target searches further.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2_000), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn specs_of_random_structure_and_names(spec in spec(), settings in settings()) {
        generates_valid_rust(spec.to_string(), &settings)?;
    }

    #[test]
    fn specs_with_missing_keys_and_wrong_kinds(spec in broken_spec(), settings in settings()) {
        generates_valid_rust(serde_json::to_string_pretty(&spec).unwrap(), &settings)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1_000), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_and_text(value in any_json(), text in "\\PC{0,40}") {
        generates_valid_rust(value.to_string(), &Settings::default())?;
        generates_valid_rust(text, &Settings::default())?;
    }
}
