//! Reading an OpenAPI description of webhooks into a spec.
//!
//! Lago publishes its webhooks as OpenAPI 3.1: a root file with a `webhooks:` key, one
//! file per message and one per schema, joined by relative `$ref`s, and the same bundled
//! into one file with `#/components/schemas/...` references. Both are read the same way:
//! every `$ref` is followed, into another file when it names one.
//!
//! The conversion, schema by schema:
//! - `type: object` with `properties` (or an `allOf` of such) becomes an object;
//!   a property is `optional` unless `required` lists it;
//! - `nullable: true`, a `type` list holding `"null"`, or a `{type: "null"}` alternative
//!   makes the field `nullable`;
//! - a string `enum` becomes an enumeration, a `Currency` schema the `currency` type,
//!   string formats `uuid`, `date-time`, `date`, `uri`/`url` become `id`, `datetime`,
//!   `date`, `url`, and `email` a string with the `email` format;
//! - a `oneOf`/`anyOf` whose alternatives are of distinct JSON kinds becomes a union; one
//!   with a free-form object among them (which no union variant can hold) becomes `json`,
//!   as does an object without properties;
//! - a schema reached by `$ref` is named after the reference (`InvoiceObject.yaml` and
//!   `#/components/schemas/InvoiceObject` give `Invoice`: the word `Object` is dropped);
//!   one written inline is named after its place (`Invoice` + `error_details`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_norway::{Mapping, Value};

use crate::spec_file::{Enum, EnumValue, Field, Message, Object, SpecFile, Union, UnionVariant};

/// The envelope keys that are not the payload.
const ENVELOPE: [&str; 3] = ["webhook_type", "object_type", "organization_id"];

/// How many `$ref`s in a row are followed before a chain is called a loop.
const MAX_REF_CHAIN: usize = 64;

/// A node of one of the documents: where it is and what it holds.
#[derive(Clone, Debug)]
struct Node {
    file: PathBuf,
    pointer: String,
    value: Value,
}

impl Node {
    fn place(&self) -> String {
        format!("{}: {}", self.file.display(), if self.pointer.is_empty() { "/" } else { &self.pointer })
    }

    fn child(&self, key: &str) -> Option<Node> {
        self.value.get(key).map(|value| Node {
            file: self.file.clone(),
            pointer: format!("{}/{}", self.pointer, key.replace('~', "~0").replace('/', "~1")),
            value: value.clone(),
        })
    }

    fn children(&self, key: &str) -> Vec<Node> {
        let Some(items) = self.value.get(key).and_then(Value::as_sequence) else { return Vec::new() };
        items
            .iter()
            .enumerate()
            .map(|(index, value)| Node {
                file: self.file.clone(),
                pointer: format!("{}/{key}/{index}", self.pointer),
                value: value.clone(),
            })
            .collect()
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }
}

/// The files of a description, each read once.
struct Documents {
    // Shared, so that following a reference copies the part it names, not the file.
    files: HashMap<PathBuf, Rc<Value>>,
}

impl Documents {
    fn load(&mut self, path: &Path) -> Result<Rc<Value>, String> {
        if let Some(value) = self.files.get(path) {
            return Ok(Rc::clone(value));
        }
        let text =
            std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let value: Value = serde_norway::from_str(&text).map_err(|err| match err.location() {
            Some(at) => {
                // The place leads the message; the parser's own mention of it goes.
                let message =
                    err.to_string().replace(&format!(" at line {} column {}", at.line(), at.column()), "");
                format!("{}:{}:{}: {message}", path.display(), at.line(), at.column())
            }
            None => format!("{}: {err}", path.display()),
        })?;
        let value = Rc::new(value);
        self.files.insert(path.to_owned(), Rc::clone(&value));
        Ok(value)
    }

    /// The node a `$ref` written in `from` names.
    fn target(&mut self, from: &Node, reference: &str) -> Result<Node, String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file.is_empty() {
            from.file.clone()
        } else {
            let base = from.file.parent().unwrap_or(Path::new("."));
            normalize(&base.join(file))
        };
        let document = self.load(&file)?;
        let mut value = document.as_ref();
        for segment in fragment.split('/').skip(1) {
            let key = segment.replace("~1", "/").replace("~0", "~");
            let next = match value {
                Value::Sequence(items) => key.parse::<usize>().ok().and_then(|index| items.get(index)),
                _ => value.get(key.as_str()),
            };
            value = next.ok_or_else(|| format!("{}: `$ref: {reference}` names nothing", from.place()))?;
        }
        Ok(Node { file, pointer: fragment.to_owned(), value: value.clone() })
    }

    /// Follows `$ref`s from `node` to the schema they end at; also gives the keys written
    /// beside the first reference (OpenAPI 3.1 lets `description` and `nullable` sit there).
    fn resolve(&mut self, node: &Node) -> Result<(Node, Mapping), String> {
        let siblings = match &node.value {
            Value::Mapping(map) if map.contains_key("$ref") => map
                .iter()
                .filter(|(key, _)| key.as_str() != Some("$ref"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Mapping::new(),
        };
        let mut current = node.clone();
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = current.str("$ref").map(str::to_owned) else {
                return Ok((current, siblings));
            };
            current = self.target(&current, &reference)?;
        }
        Err(format!("{}: `$ref`s loop", node.place()))
    }
}

/// `a/./b/../c` as `a/c`, so that one file reached by two paths is read once and its
/// schemas are named once.
fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<std::path::Component<'_>> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(parts.last(), Some(std::path::Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// The properties of an object schema in order, and the names it requires.
type Properties = (Vec<(String, Node)>, HashSet<String>);

/// A converted type: its expression and whether null is allowed.
struct Ty {
    expr: String,
    nullable: bool,
}

/// The conversion of one description.
struct Importer {
    documents: Documents,
    spec: SpecFile,
    /// Names given to the schemas met so far, by file and pointer.
    named: HashMap<(PathBuf, String), String>,
    taken: HashSet<String>,
    problems: Vec<String>,
}

/// Reads the description at `path` and converts its webhooks and every schema they reach.
/// Every problem found is returned at once.
pub fn import(path: &Path) -> Result<SpecFile, Vec<String>> {
    let mut importer = Importer {
        documents: Documents { files: HashMap::new() },
        spec: SpecFile { format_version: 1, ..SpecFile::default() },
        named: HashMap::new(),
        taken: HashSet::new(),
        problems: Vec::new(),
    };
    let path = normalize(path);
    let root = importer.documents.load(&path).map_err(|problem| vec![problem])?;
    let root = Node { file: path, pointer: String::new(), value: Value::clone(&root) };
    let title = root.child("info").and_then(|info| info.str("title").map(str::to_owned));
    let version = root.child("info").and_then(|info| info.str("version").map(str::to_owned));
    importer.spec.title = title.clone().unwrap_or_else(|| "Webhook messages".to_owned());
    importer.spec.description = format!(
        "The webhook messages of {}{}, imported from its OpenAPI description.",
        title.as_deref().unwrap_or("an API"),
        version.map(|v| format!(" {v}")).unwrap_or_default()
    );
    let Some(webhooks) = root.child("webhooks") else {
        return Err(vec![format!("{}: no `webhooks` key: this description has no webhooks", root.place())]);
    };
    let keys: Vec<String> = webhooks
        .value
        .as_mapping()
        .map(|map| map.keys().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    for key in keys {
        if let Some(node) = webhooks.child(&key)
            && let Err(problem) = importer.message(&node)
        {
            importer.problems.push(problem);
        }
    }
    if importer.problems.is_empty() { Ok(importer.spec) } else { Err(importer.problems) }
}

impl Importer {
    fn message(&mut self, node: &Node) -> Result<(), String> {
        let (item, _) = self.documents.resolve(node)?;
        let operation = item.child("post").ok_or_else(|| format!("{}: no `post` operation", item.place()))?;
        let body = operation
            .child("requestBody")
            .ok_or_else(|| format!("{}: no `requestBody`", operation.place()))?;
        let (body, _) = self.documents.resolve(&body)?;
        let schema = body
            .child("content")
            .and_then(|content| content.child("application/json"))
            .and_then(|media| media.child("schema"))
            .ok_or_else(|| format!("{}: no `content.application/json.schema`", body.place()))?;
        let (schema, _) = self.documents.resolve(&schema)?;
        let (properties, _) = self.properties(&schema)?;
        let constant = |name: &str| -> Result<String, String> {
            let (_, node) = properties
                .iter()
                .find(|(key, _)| key == name)
                .ok_or_else(|| format!("{}: no `{name}` property", schema.place()))?;
            node.str("const")
                .or_else(|| node.value.get("enum").and_then(|e| e.get(0)).and_then(Value::as_str))
                .map(str::to_owned)
                .ok_or_else(|| format!("{}: `{name}` has no `enum` or `const` value", node.place()))
        };
        let webhook_type = constant("webhook_type")?;
        let object_type = constant("object_type")?;
        let (payload_key, payload) = properties
            .iter()
            .find(|(key, _)| !ENVELOPE.contains(&key.as_str()))
            .ok_or_else(|| format!("{}: no payload property beside the envelope's", schema.place()))?;
        let payload_ty = self.ty(payload, &pascal(payload_key))?;
        if self.spec.object(&payload_ty.expr).is_none() {
            return Err(format!("{}: the payload `{payload_key}` is not an object", payload.place()));
        }
        let text = |node: &Node, key: &str| node.str(key).map(|text| text.trim().to_owned());
        self.spec.messages.push(Message {
            title: text(&operation, "summary").unwrap_or_else(|| webhook_type.clone()),
            description: text(&operation, "description")
                .or_else(|| text(&body, "description"))
                .unwrap_or_default(),
            webhook_type,
            object_type,
            payload_key: payload_key.clone(),
            payload: payload_ty.expr,
            ..Message::default()
        });
        Ok(())
    }

    /// The properties of an object schema, `allOf` members merged in order, with the
    /// names it requires.
    fn properties(&mut self, schema: &Node) -> Result<Properties, String> {
        let mut properties: Vec<(String, Node)> = Vec::new();
        let mut required = HashSet::new();
        self.collect(schema, &mut properties, &mut required, 0)?;
        Ok((properties, required))
    }

    fn collect(
        &mut self,
        schema: &Node,
        properties: &mut Vec<(String, Node)>,
        required: &mut HashSet<String>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_REF_CHAIN {
            return Err(format!("{}: `allOf`s nest too deep", schema.place()));
        }
        for member in schema.children("allOf") {
            let (member, _) = self.documents.resolve(&member)?;
            self.collect(&member, properties, required, depth + 1)?;
        }
        if let Some(names) = schema.value.get("required").and_then(Value::as_sequence) {
            required.extend(names.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        if let Some(own) = schema.child("properties") {
            for key in own.value.as_mapping().into_iter().flat_map(|m| m.keys()).filter_map(Value::as_str) {
                let Some(node) = own.child(key) else { continue };
                // A later `allOf` member redefines a property in place.
                match properties.iter_mut().find(|(name, _)| name == key) {
                    Some(slot) => slot.1 = node,
                    None => properties.push((key.to_owned(), node)),
                }
            }
        }
        Ok(())
    }

    /// The spec type of a schema, defining the objects, enumerations and unions it needs.
    /// `hint` names an inline schema after its place.
    fn ty(&mut self, node: &Node, hint: &str) -> Result<Ty, String> {
        let (schema, siblings) = self.documents.resolve(node)?;
        let beside_null = siblings.get("nullable").and_then(Value::as_bool) == Some(true);
        // Inline schemas are remembered too: the properties of an `allOf` member are read
        // once for each object that includes it, and must give the same types each time.
        let identity = (schema.file.clone(), schema.pointer.clone());
        let mut ty = match self.named.get(&identity) {
            Some(name) => Ty { expr: name.clone(), nullable: nullable(&schema) },
            None => {
                let name = node.str("$ref").map_or_else(|| hint.to_owned(), reference_name);
                self.schema(&schema, &name, Some(identity))?
            }
        };
        ty.nullable |= beside_null;
        Ok(ty)
    }

    /// The spec type of a resolved schema; `identity` is set when a reference reached it,
    /// so that it is defined once however many references reach it.
    fn schema(
        &mut self,
        schema: &Node,
        name: &str,
        identity: Option<(PathBuf, String)>,
    ) -> Result<Ty, String> {
        let null = nullable(schema);
        let alternatives: Vec<Node> = ["oneOf", "anyOf"]
            .iter()
            .flat_map(|key| schema.children(key))
            .filter(|member| member.str("type") != Some("null"))
            .collect();
        let types = kinds(&schema.value);
        let has_properties = schema.value.get("properties").is_some() || schema.value.get("allOf").is_some();
        if schema.value.get("oneOf").is_some() || schema.value.get("anyOf").is_some() {
            if let [single] = alternatives.as_slice() {
                let mut ty = self.ty(single, name)?;
                ty.nullable |= null;
                return Ok(ty);
            }
            return self.union(schema, name, identity, &alternatives).map(|expr| Ty { expr, nullable: null });
        }
        if has_properties {
            return self.object(schema, name, identity).map(|expr| Ty { expr, nullable: null });
        }
        let enumerated = schema.value.get("enum").and_then(Value::as_sequence);
        let expr = match types.as_slice() {
            ["string"] if name == "Currency" && enumerated.is_some() => "currency".to_owned(),
            ["string"] if enumerated.is_some() => self.enumeration(schema, name, identity)?,
            ["string"] => match schema.str("format") {
                Some("uuid") => "id",
                Some("date-time") => "datetime",
                Some("date") => "date",
                Some("uri" | "url") => "url",
                _ => "string",
            }
            .to_owned(),
            ["integer"] => "integer".to_owned(),
            ["number"] => "number".to_owned(),
            ["boolean"] => "boolean".to_owned(),
            ["array"] => match schema.child("items") {
                Some(items) => {
                    let element = self.ty(&items, name)?;
                    if element.expr.ends_with("[]") || element.nullable {
                        // The format has no nested arrays and no null elements.
                        "json".to_owned()
                    } else {
                        format!("{}[]", element.expr)
                    }
                }
                None => "json".to_owned(),
            },
            _ => "json".to_owned(),
        };
        Ok(Ty { expr, nullable: null })
    }

    fn object(
        &mut self,
        schema: &Node,
        name: &str,
        identity: Option<(PathBuf, String)>,
    ) -> Result<String, String> {
        let name = self.claim(name, identity);
        let text = self.object_description(schema, 0);
        // Pushed before its fields are read, so that an object that holds itself
        // refers to the name.
        let index = self.spec.objects.len();
        self.spec.objects.push(Object { name: name.clone(), description: text, ..Object::default() });
        let (properties, required) = self.properties(schema)?;
        let mut fields = Vec::new();
        for (key, node) in properties {
            let ty = self.ty(&node, &format!("{name}{}", pascal(&key)))?;
            let (resolved, siblings) = self.documents.resolve(&node)?;
            let text = siblings
                .get("description")
                .and_then(Value::as_str)
                .map(|text| text.trim().to_owned())
                .unwrap_or_else(|| description(&resolved));
            fields.push(Field {
                format: (resolved.str("format") == Some("email") && ty.expr == "string")
                    .then(|| "email".to_owned()),
                optional: !required.contains(&key),
                nullable: ty.nullable,
                name: key,
                ty: ty.expr,
                description: text,
                ..Field::default()
            });
        }
        if let Some(object) = self.spec.objects.get_mut(index) {
            object.fields = fields;
        }
        Ok(name)
    }

    /// An object's description; for an `allOf` without one, that of its first member
    /// with one, which describes the object the others extend.
    fn object_description(&mut self, schema: &Node, depth: usize) -> String {
        let own = description(schema);
        if !own.is_empty() || depth > MAX_REF_CHAIN {
            return own;
        }
        for member in schema.children("allOf") {
            if let Ok((member, _)) = self.documents.resolve(&member) {
                let text = self.object_description(&member, depth + 1);
                if !text.is_empty() {
                    return text;
                }
            }
        }
        String::new()
    }

    fn enumeration(
        &mut self,
        schema: &Node,
        name: &str,
        identity: Option<(PathBuf, String)>,
    ) -> Result<String, String> {
        let name = self.claim(name, identity);
        let values = schema
            .value
            .get("enum")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|value| EnumValue { value: value.to_owned(), ..EnumValue::default() })
            .collect();
        self.spec.enums.push(Enum { name: name.clone(), description: description(schema), values });
        Ok(name)
    }

    /// A union, or `json` when the alternatives cannot be told apart by their JSON kind.
    fn union(
        &mut self,
        schema: &Node,
        name: &str,
        identity: Option<(PathBuf, String)>,
        alternatives: &[Node],
    ) -> Result<String, String> {
        // Alternatives that are free-form objects or share a kind make the value `json`,
        // decided before anything is defined for them.
        let mut seen = HashSet::new();
        for alternative in alternatives {
            let (resolved, _) = self.documents.resolve(alternative)?;
            let kind = match kinds(&resolved.value).as_slice() {
                [kind] => (*kind).to_owned(),
                _ if resolved.value.get("properties").is_some() || resolved.value.get("allOf").is_some() => {
                    "object".to_owned()
                }
                _ => return Ok("json".to_owned()),
            };
            let free_object = kind == "object"
                && resolved.value.get("properties").is_none()
                && resolved.value.get("allOf").is_none();
            if free_object || resolved.value.get("oneOf").is_some() || !seen.insert(kind) {
                return Ok("json".to_owned());
            }
        }
        let name = self.claim(name, identity);
        let index = self.spec.unions.len();
        self.spec.unions.push(Union {
            name: name.clone(),
            description: description(schema),
            variants: Vec::new(),
        });
        let mut variants = Vec::new();
        for alternative in alternatives {
            let ty = self.ty(alternative, &format!("{name}Details"))?;
            let variant = match ty.expr.as_str() {
                "integer" => "Integer".to_owned(),
                "number" => "Number".to_owned(),
                "boolean" => "Flag".to_owned(),
                expr if expr.ends_with("[]") => "List".to_owned(),
                expr if self.spec.object(expr).is_some() => expr.to_owned(),
                _ => "Text".to_owned(),
            };
            let (resolved, _) = self.documents.resolve(alternative)?;
            variants.push(UnionVariant { name: variant, ty: ty.expr, description: description(&resolved) });
        }
        if let Some(union) = self.spec.unions.get_mut(index) {
            union.variants = variants;
        }
        Ok(name)
    }

    /// A free name for a type, remembered for the schema it names.
    fn claim(&mut self, name: &str, identity: Option<(PathBuf, String)>) -> String {
        let base = if name.is_empty() { "Unnamed".to_owned() } else { name.to_owned() };
        let mut name = base.clone();
        let mut counter = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{counter}");
            counter += 1;
        }
        self.taken.insert(name.clone());
        if let Some(identity) = identity {
            self.named.insert(identity, name.clone());
        }
        name
    }
}

/// The JSON kinds a schema's `type` names, `null` aside.
fn kinds(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(kind)) if kind != "null" => vec![kind.as_str()],
        Some(Value::Sequence(kinds)) => {
            kinds.iter().filter_map(Value::as_str).filter(|k| *k != "null").collect()
        }
        _ => Vec::new(),
    }
}

fn nullable(schema: &Node) -> bool {
    let flag = schema.value.get("nullable").and_then(Value::as_bool) == Some(true);
    let listed = schema
        .value
        .get("type")
        .and_then(Value::as_sequence)
        .is_some_and(|kinds| kinds.iter().any(|kind| kind.as_str() == Some("null")));
    let enumerated = schema
        .value
        .get("enum")
        .and_then(Value::as_sequence)
        .is_some_and(|values| values.iter().any(Value::is_null));
    let alternative = ["oneOf", "anyOf"]
        .iter()
        .flat_map(|key| schema.children(key))
        .any(|member| member.str("type") == Some("null"));
    flag || listed || enumerated || alternative
}

fn description(schema: &Node) -> String {
    schema.str("description").map(|text| text.trim().to_owned()).unwrap_or_default()
}

/// The type name a reference suggests: the last pointer segment, or the file's stem,
/// without the word `Object`.
fn reference_name(reference: &str) -> String {
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let last = match fragment.rsplit('/').next() {
        Some(segment) if !segment.is_empty() => segment.to_owned(),
        _ => Path::new(file).file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let name = pascal(&last);
    let stripped = name.replace("Object", "");
    if stripped.is_empty() { name } else { stripped }
}

/// `snake_case`, `kebab-case` or `camelCase` text as an UpperCamelCase name, as the
/// generator names types.
pub fn pascal(text: &str) -> String {
    lago_webhooks_codegen::vocabulary::type_name(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_names_drop_the_word_object() {
        assert_eq!(reference_name("../schemas/InvoiceObject.yaml"), "Invoice");
        assert_eq!(reference_name("./InvoiceObjectExtended.yaml"), "InvoiceExtended");
        assert_eq!(reference_name("#/components/schemas/TriggeredAlertObject"), "TriggeredAlert");
        assert_eq!(reference_name("#/components/schemas/Currency"), "Currency");
        assert_eq!(pascal("error_details"), "ErrorDetails");
    }

    #[test]
    fn paths_are_normalized_so_a_file_is_read_once() {
        assert_eq!(normalize(Path::new("a/./webhooks/../schemas/X.yaml")), PathBuf::from("a/schemas/X.yaml"));
        assert_eq!(normalize(Path::new("../x.yaml")), PathBuf::from("../x.yaml"));
    }
}
