//! Specs other than the bundled one, read at run time and compiled, find the same things in
//! the same bodies.
//!
//! Specs are made from the bundled one by random mutations of what validation and parsing
//! depend on: presence (`optional`, `nullable`, loosened), formats, `non_empty`, integer bounds,
//! enumeration values and rules. The code generated from each is compiled in a crate
//! outside the workspace (by `builds`, which builds such crates) into a program that
//! parses and validates bodies read from its input; every body is also parsed and
//! validated by a `DynamicSpec` of the same spec, and the two must agree: both parse it
//! and report identical violations (pointer, rule, value and message, in order), or both
//! refuse it, the spec read at run time with a parse problem where the compiled code's
//! parse error is.
//!
//! The seed is fixed so that the compiled program is the same from run to run (and built
//! once); `MUTATED_SPECS_SEED` picks another.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use lago_webhooks::Validate;
use lago_webhooks::dynamic::{DynamicSpec, PARSE_RULES, SpecSource};
use serde_json::{Value, json};

/// How many mutated specs are compiled.
const SPECS: usize = 4;

/// The messages of each spec: between them, every kind of constraint and rule of the
/// bundled spec, nested objects, arrays and unions.
const MESSAGES: &[&str] = &[
    "invoice.created",
    "fee.created",
    "credit_note.created",
    "wallet_transaction.created",
    "invoice.payment_failure",
    "subscription.started",
];

/// A small deterministic generator (xorshift64*): the mutations must be the same in the
/// test and in the program compiled from them.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// The bundled spec with random mutations of what parsing and validation read.
fn mutate(bundled: &Value, random: &mut Random) -> Value {
    let mut spec = bundled.clone();
    for object in spec["objects"].as_array_mut().into_iter().flatten() {
        for field in object["fields"].as_array_mut().into_iter().flatten() {
            let ty = field["type"].as_str().unwrap_or("").trim_end_matches("[]").to_owned();
            // Presence is only loosened: a field made required would make every body of
            // the examples that lack it refuse to parse, leaving little to compare; the
            // bodies remove keys and put nulls everywhere to test the strict side.
            if random.one_in(6) {
                field["optional"] = json!(true);
            }
            if random.one_in(6) {
                field["nullable"] = json!(true);
            }
            if ty == "string" && random.one_in(4) {
                field["format"] = json!(random.pick(&["uuid", "email", "url", "json", "currency", "none"]));
            }
            if matches!(ty.as_str(), "string" | "id" | "url" | "currency") && random.one_in(5) {
                field["non_empty"] = json!(true);
            }
            if ty == "integer" && random.one_in(3) {
                let minimum = *random.pick(&[-1_i64, 0, 1, 100]);
                field["minimum"] = json!(minimum);
                if random.one_in(2) {
                    field["maximum"] = json!(minimum + *random.pick(&[0_i64, 10, 1_000, 100_000]));
                }
            }
        }
        if let Some(rules) = object.get_mut("rules").and_then(Value::as_array_mut)
            && !rules.is_empty()
            && random.one_in(4)
        {
            let index = (random.next() % rules.len() as u64) as usize;
            rules.remove(index);
        }
    }
    for enumeration in spec["enums"].as_array_mut().into_iter().flatten() {
        if let Some(values) = enumeration["values"].as_array_mut()
            && values.len() > 1
            && random.one_in(3)
        {
            let index = (random.next() % values.len() as u64) as usize;
            values.remove(index);
        }
    }
    spec
}

/// The mutated specs, as text.
pub fn specs(bundled: &str) -> Vec<String> {
    let seed = std::env::var("MUTATED_SPECS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_1a90);
    let mut random = Random(seed);
    let bundled: Value = serde_json::from_str(bundled).unwrap();
    (0..SPECS).map(|_| serde_json::to_string_pretty(&mutate(&bundled, &mut random)).unwrap()).collect()
}

/// The program: module `m<k>` holds the code generated from `mutated-<k>.json`; each input
/// line `k<TAB>body` is answered with one line of JSON: the violations, or the parse error.
pub fn program() -> String {
    let include = MESSAGES.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ");
    let mut code = String::new();
    for k in 0..SPECS {
        let _ = writeln!(
            code,
            "#[allow(dead_code)]\nmod m{k} {{\n    lago_webhooks::lago_webhooks!(spec = \"mutated-{k}.json\", include = [{include}]);\n}}"
        );
    }
    let arms: String =
        (0..SPECS).map(|k| format!("            \"{k}\" => answer::<m{k}::WebhookEvent>(body),\n")).collect();
    let _ = write!(
        code,
        r#"
use std::io::BufRead;

use lago_webhooks::{{FromBody, Validate}};

fn answer<E: FromBody + Validate>(body: &str) -> serde_json::Value {{
    match E::from_slice(body.as_bytes()) {{
        Ok(event) => {{
            let found = event.validate().err().map(|v| v.into_vec()).unwrap_or_default();
            let found: Vec<_> = found
                .iter()
                .map(|v| serde_json::json!([v.pointer(), v.rule(), v.value(), v.message()]))
                .collect();
            serde_json::json!({{"violations": found}})
        }}
        Err(err) => serde_json::json!({{"error": [err.pointer(), format!("{{:?}}", err.kind())]}}),
    }}
}}

fn main() {{
    for line in std::io::stdin().lock().lines() {{
        let line = line.expect("a line");
        let (k, body) = line.split_once('\t').expect("k and a body");
        let answer = match k {{
{arms}            other => panic!("no spec {{other}}"),
        }};
        println!("{{answer}}");
    }}
}}
"#
    );
    code
}

/// Pointers of every value in `value`.
pub fn nodes(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                nodes(item, format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                nodes(item, format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
    out.push(pointer);
}

/// Values to put in place of `value`: removed, `null`, another kind, and values of its
/// kind that break formats, bounds, enumerations, currencies and sums.
pub fn replacements(value: &Value) -> Vec<Option<Value>> {
    let mut out = vec![None, Some(Value::Null), Some(json!(true))];
    let more = match value {
        Value::String(_) => vec![json!(""), json!("zz"), json!("USD"), json!(7)],
        Value::Number(n) if n.is_f64() => vec![json!(3), json!("3")],
        Value::Number(_) => vec![json!(-1), json!(0), json!(250_000), json!(u64::MAX), json!(1.5)],
        Value::Bool(_) => vec![json!("true")],
        Value::Array(items) => {
            let mut out = vec![json!([Value::Null]), json!("x")];
            out.extend(items.first().map(|first| json!([first, first])));
            out
        }
        Value::Object(_) => {
            let mut extended = value.clone();
            extended["zz_unknown"] = json!({"currency": "USD"});
            vec![json!("x"), extended]
        }
        Value::Null => vec![json!("x"), json!(1)],
    };
    out.extend(more.into_iter().map(Some));
    out
}

/// `body` with the value at `pointer` replaced, or removed when `value` is `None`.
pub fn edit(mut body: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let last = last.replace("~1", "/").replace("~0", "~");
    match (body.pointer_mut(parent).unwrap(), value) {
        (Value::Object(map), Some(value)) => {
            map.insert(last, value);
        }
        (Value::Object(map), None) => {
            map.remove(&last);
        }
        (Value::Array(items), Some(value)) => items[last.parse::<usize>().unwrap()] = value,
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        (other, _) => panic!("{pointer}: {other} holds nothing"),
    }
    body
}

/// Every body of every spec: `(spec, body)`, the examples of its messages edited at each
/// place.
fn bodies(specs: &[DynamicSpec]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (k, spec) in specs.iter().enumerate() {
        for webhook_type in MESSAGES {
            let example = spec.message(webhook_type).and_then(|m| m.example.as_deref()).unwrap();
            let example: Value = serde_json::from_str(example).unwrap();
            out.push((k, example.to_string()));
            let mut pointers = Vec::new();
            nodes(&example, String::new(), &mut pointers);
            for pointer in pointers.iter().filter(|p| !p.is_empty() && *p != "/webhook_type") {
                let node = example.pointer(pointer).unwrap();
                for replacement in replacements(node) {
                    out.push((k, edit(example.clone(), pointer, replacement).to_string()));
                }
            }
        }
    }
    out
}

/// Writes the mutated specs into `dir`, where the program is built, and returns what the
/// specs read at run time make of them.
pub fn write_specs(dir: &Path, bundled: &str) -> Vec<DynamicSpec> {
    let include: Vec<String> = MESSAGES.iter().map(|m| (*m).to_owned()).collect();
    specs(bundled)
        .into_iter()
        .enumerate()
        .map(|(k, text)| {
            std::fs::write(dir.join(format!("mutated-{k}.json")), &text).unwrap();
            let source = SpecSource::new(format!("mutated-{k}.json"), text);
            let resolved = lago_webhooks_codegen::resolve(&source, Some(&include))
                .unwrap_or_else(|errors| panic!("mutated spec {k} is refused:\n{errors}"));
            DynamicSpec::from_resolved(resolved)
        })
        .collect()
}

/// The input of the program, and the comparison of what it answered with what the specs
/// read at run time find.
pub fn compare(specs: &[DynamicSpec], run: impl FnOnce(&str) -> String) {
    let bodies = bodies(specs);
    let input: String = bodies.iter().map(|(k, body)| format!("{k}\t{body}\n")).collect();
    let output = run(&input);
    let answers: Vec<Value> = output.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(answers.len(), bodies.len(), "one answer per body");
    let mut tally: HashMap<&str, usize> = HashMap::new();
    for ((k, body), compiled) in bodies.iter().zip(&answers) {
        let spec = &specs[*k];
        let context = format!("spec {k}, body {body}");
        match (spec.parse(body.as_bytes()), compiled.get("error")) {
            (Ok(event), None) => {
                let found: Vec<Value> = (event.validate().err().map(|v| v.into_vec()).unwrap_or_default())
                    .iter()
                    .map(|v| json!([v.pointer(), v.rule(), v.value(), v.message()]))
                    .collect();
                assert_eq!(Value::from(found.clone()), compiled["violations"], "{context}");
                *tally.entry(if found.is_empty() { "valid" } else { "invalid" }).or_default() += 1;
            }
            (Err(_), Some(error)) => {
                // Both refuse it; the compiled code stops at the first problem in the
                // body's order, the walk follows the spec's: the compiled error is among
                // the problems the walk finds (a missing key at its object).
                let pointer = error[0].as_str().unwrap_or("");
                let value: Value = serde_json::from_str(body).unwrap();
                let problems: Vec<(String, &str)> = (spec.inspect(&value).violations.iter())
                    .filter(|v| PARSE_RULES.contains(&v.rule()))
                    .map(|v| (v.pointer().to_owned(), v.rule()))
                    .collect();
                let at = |(p, rule): &(String, &str)| {
                    p == pointer
                        || *rule == "required"
                            && p.rsplit_once('/').is_some_and(|(parent, _)| parent == pointer)
                };
                assert!(problems.iter().any(at), "{context}: compiled {error}, run time {problems:?}");
                *tally.entry("refused").or_default() += 1;
            }
            (Ok(_), Some(error)) => {
                panic!("{context}: compiled code refuses it ({error}), the spec read at run time parses it")
            }
            (Err(err), None) => {
                panic!("{context}: the spec read at run time refuses it ({err}), compiled code parses it")
            }
        }
    }
    // Enough of each outcome for the comparison to say something.
    for outcome in ["valid", "invalid", "refused"] {
        assert!(tally.get(outcome).copied().unwrap_or(0) > 100, "{tally:?}");
    }
}
