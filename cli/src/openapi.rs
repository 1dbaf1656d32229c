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
//!
//! What the spec format cannot hold as written is brought to the nearest thing it can,
//! and each such place is given as a note (a warning for the user), so that the spec
//! made is always one the generator takes: a type name the generated code reserves gets a
//! number; a property that becomes the same Rust field as an earlier one, and a webhook
//! whose type is already a message or becomes the same Rust variant as one, are left out;
//! an enumeration whose values become the same variant is a plain string; a union that no
//! variant set can express, and a schema that holds itself only through arrays or
//! aliases, are `json`.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use lago_webhooks_core::{envelope, pointer};

use crate::controls;
use crate::spec_file::{
    Enum, EnumValue, Field, Message, Object, SpecFile, TypeNames, Union, UnionVariant, field_key, variant_key,
};
use crate::yaml::{self, Yaml};

/// How many `$ref`s in a row are followed before a chain is called a loop.
const MAX_REF_CHAIN: usize = 64;

/// How deep schemas may nest (an object in an object, the items of an array) before a
/// description is refused: the conversion recurses, and no real description comes near.
const MAX_NESTING: usize = 128;

/// What an import did, counted: tests check that it grows in step with the description,
/// never with its square.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Bytes of YAML scanned before reading, for collections nested too deep on a line.
    pub scanned: usize,
    /// YAML nodes built, aliases repeated included.
    pub nodes: usize,
    /// Nodes of the documents visited by the conversion.
    pub visited: usize,
    /// `$ref`s followed.
    pub references: usize,
    /// `$ref`s looked up in their documents; each is looked up once.
    pub lookups: usize,
}

thread_local! {
    /// The nodes visited, counted where they are reached (a node has no importer at hand).
    static VISITED: Cell<usize> = const { Cell::new(0) };
}

fn visit() {
    VISITED.with(|visited| visited.set(visited.get() + 1));
}

/// Where a schema is: the address of its node, the same for every reference to it. Every
/// document stays loaded for the whole import, so no two nodes share one.
type Identity = usize;

/// A JSON Pointer, its segments shared with its parent's, so that reaching a child
/// copies none of the path to it.
#[derive(Clone, Debug, Default)]
struct Pointer(Option<Rc<Segment>>);

#[derive(Debug)]
struct Segment {
    parent: Pointer,
    key: Rc<str>,
}

impl Pointer {
    fn child(&self, key: Rc<str>) -> Pointer {
        Pointer(Some(Rc::new(Segment { parent: self.clone(), key })))
    }

    /// The pointer of a `$ref`'s fragment (`/components/schemas/X`).
    fn parse(fragment: &str) -> Pointer {
        fragment
            .split('/')
            .skip(1)
            .fold(Pointer::default(), |pointer, key| pointer.child(Rc::from(pointer::unescape_token(key))))
    }

    /// The pointer as text, `/` for the root.
    fn text(&self) -> String {
        let mut keys = Vec::new();
        let mut at = &self.0;
        while let Some(segment) = at {
            keys.push(&segment.key);
            at = &segment.parent.0;
        }
        if keys.is_empty() {
            return "/".to_owned();
        }
        pointer::pointer(keys.iter().rev().map(|key| &***key))
    }
}

/// A node of one of the documents: where it is and what it holds. Cloning one copies no
/// part of the document.
#[derive(Clone, Debug)]
struct Node {
    file: Rc<PathBuf>,
    pointer: Pointer,
    value: Rc<Yaml>,
}

impl Node {
    fn place(&self) -> String {
        format!("{}: {}", self.file.display(), self.pointer.text())
    }

    fn child(&self, key: &str) -> Option<Node> {
        visit();
        self.value.get(key).map(|value| Node {
            file: Rc::clone(&self.file),
            pointer: self.pointer.child(Rc::from(key)),
            value: Rc::clone(value),
        })
    }

    fn children(&self, key: &str) -> Vec<Node> {
        visit();
        let Some(items) = self.value.get(key).and_then(|items| items.as_sequence()) else {
            return Vec::new();
        };
        let list = self.pointer.child(Rc::from(key));
        items
            .iter()
            .enumerate()
            .map(|(index, value)| {
                visit();
                Node {
                    file: Rc::clone(&self.file),
                    pointer: list.child(Rc::from(index.to_string())),
                    value: Rc::clone(value),
                }
            })
            .collect()
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(|value| value.as_str())
    }

    fn identity(&self) -> Identity {
        Rc::as_ptr(&self.value) as usize
    }
}

/// The keys written beside a `$ref` (OpenAPI 3.1 lets `description` and `nullable` sit
/// there): the mapping that holds the reference, none without one.
#[derive(Default)]
struct Siblings(Option<Rc<Yaml>>);

impl Siblings {
    fn get(&self, key: &str) -> Option<&Rc<Yaml>> {
        self.0.as_ref().and_then(|map| map.get(key))
    }
}

/// The files of a description, each read once, and the `$ref`s looked up in them.
struct Documents {
    files: HashMap<PathBuf, (Rc<PathBuf>, Rc<Yaml>)>,
    /// What is left of the nodes the files may build beyond twice their size.
    spare: usize,
    /// The node each `$ref` names, by the file it is written in (the address of its
    /// path) and its text: a schema referenced ten thousand times is looked up once.
    targets: HashMap<usize, HashMap<String, Node>>,
    work: Work,
}

impl Documents {
    fn load(&mut self, path: &Path) -> Result<(Rc<PathBuf>, Rc<Yaml>), String> {
        if let Some((file, value)) = self.files.get(path) {
            return Ok((Rc::clone(file), Rc::clone(value)));
        }
        let text =
            std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let value = yaml::read(&text, &mut self.spare, &mut self.work).map_err(|(message, at)| match at {
            Some((line, column)) => format!("{}:{line}:{column}: {message}", path.display()),
            None => format!("{}: {message}", path.display()),
        })?;
        let file = Rc::new(path.to_owned());
        self.files.insert(path.to_owned(), (Rc::clone(&file), Rc::clone(&value)));
        Ok((file, value))
    }

    /// The node a `$ref` written in `from` names.
    fn target(&mut self, from: &Node, reference: &str) -> Result<Node, String> {
        self.work.references += 1;
        let written_in = Rc::as_ptr(&from.file) as usize;
        if let Some(node) = self.targets.get(&written_in).and_then(|targets| targets.get(reference)) {
            return Ok(node.clone());
        }
        self.work.lookups += 1;
        let node = self.look_up(from, reference)?;
        self.targets.entry(written_in).or_default().insert(reference.to_owned(), node.clone());
        Ok(node)
    }

    fn look_up(&mut self, from: &Node, reference: &str) -> Result<Node, String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if file.contains("://") {
            return Err(format!(
                "{}: `$ref: {reference}` names a URL; only files are followed",
                from.place()
            ));
        }
        let file = if file.is_empty() {
            from.file.as_ref().clone()
        } else {
            let base = from.file.parent().unwrap_or(Path::new("."));
            normalize(&base.join(file))
        };
        // A device or a pipe (`/dev/zero`, `/dev/stdin`) would be read forever, or wait.
        if !self.files.contains_key(&file)
            && std::fs::metadata(&file).is_ok_and(|metadata| !metadata.is_file())
        {
            return Err(format!(
                "{}: `$ref: {reference}` names {}, which is not a file",
                from.place(),
                file.display()
            ));
        }
        let (file, document) = self
            .load(&file)
            .map_err(|problem| format!("{}: `$ref: {reference}`: {problem}", from.place()))?;
        let mut value = &document;
        for segment in fragment.split('/').skip(1) {
            visit();
            let key = pointer::unescape_token(segment);
            let next = match &**value {
                Yaml::Seq(items) => key.parse::<usize>().ok().and_then(|index| items.get(index)),
                other => other.get(&key),
            };
            value = next.ok_or_else(|| format!("{}: `$ref: {reference}` names nothing", from.place()))?;
        }
        Ok(Node { file, pointer: Pointer::parse(fragment), value: Rc::clone(value) })
    }

    /// Follows `$ref`s from `node` to the schema they end at; also gives the keys written
    /// beside the first reference.
    fn resolve(&mut self, node: &Node) -> Result<(Node, Siblings), String> {
        let siblings = match node.value.get("$ref") {
            Some(_) => Siblings(Some(Rc::clone(&node.value))),
            None => Siblings::default(),
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

/// What the members of an object schema give, while they are merged.
#[derive(Default)]
struct Found {
    properties: Vec<(String, Node)>,
    /// Where each property is in `properties`: a schema may have thousands.
    places: HashMap<String, usize>,
    required: HashSet<String>,
    /// The members merged so far.
    seen: HashSet<Identity>,
}

/// Where a conversion was: how many types of each kind, schemas remembered and notes.
struct Mark {
    objects: usize,
    enums: usize,
    unions: usize,
    remembered: usize,
    notes: usize,
}

/// What a type the conversion defined is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Defined {
    Object,
    Enum,
    Union,
}

/// A converted type: its expression and whether null is allowed.
#[derive(Clone)]
struct Ty {
    expr: String,
    nullable: bool,
}

/// The conversion of one description.
struct Importer {
    documents: Documents,
    spec: SpecFile,
    /// The spec type of each schema met so far that has a name, or is `json`.
    named: HashMap<Identity, Ty>,
    /// The schemas in `named`, in the order remembered.
    remembered: Vec<Identity>,
    /// Whether each schema met allows null, as [`nullable`] says: a schema with many
    /// alternatives may be used many times.
    nulls: HashMap<Identity, bool>,
    /// The Rust names of the types defined.
    taken: TypeNames,
    /// What each type defined is, by name: a description may define thousands, each
    /// looked up as it is used.
    defined: HashMap<String, Defined>,
    /// Schemas being converted that have no name yet (arrays, aliases): met again inside
    /// themselves, they can only be `json`.
    open: HashSet<Identity>,
    /// How many schemas deep the conversion is.
    depth: usize,
    /// The messages defined so far, by their Rust variant: the webhook's place under
    /// `webhooks`.
    variants: HashMap<String, String>,
    problems: Vec<String>,
    notes: Vec<String>,
}

/// A description converted: the spec, and the places where it says less than the
/// description because the format cannot hold what is there as written.
#[derive(Debug)]
pub struct Imported {
    pub spec: SpecFile,
    pub notes: Vec<String>,
}

/// Reads the description at `path` and converts its webhooks and every schema they reach.
/// Every problem found is returned at once; `work` counts what it took either way.
pub fn import(path: &Path, work: &mut Work) -> Result<Imported, Vec<String>> {
    VISITED.with(|visited| visited.set(0));
    let mut importer = Importer {
        documents: Documents {
            files: HashMap::new(),
            spare: yaml::SPARE_NODES,
            targets: HashMap::new(),
            work: Work::default(),
        },
        spec: SpecFile { format_version: 1, ..SpecFile::default() },
        named: HashMap::new(),
        remembered: Vec::new(),
        nulls: HashMap::new(),
        taken: TypeNames::default(),
        defined: HashMap::new(),
        open: HashSet::new(),
        depth: 0,
        variants: HashMap::new(),
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let result = importer.run(&normalize(path));
    *work = Work { visited: VISITED.with(Cell::get), ..importer.documents.work };
    result.map(|()| Imported { spec: importer.spec, notes: importer.notes })
}

impl Importer {
    fn run(&mut self, path: &Path) -> Result<(), Vec<String>> {
        let (file, root) = self.documents.load(path).map_err(|problem| vec![problem])?;
        let root = Node { file, pointer: Pointer::default(), value: root };
        let info = |key: &str| root.child("info").and_then(|info| info.str(key).map(prose));
        let (title, version) = (info("title"), info("version"));
        self.spec.title = title.clone().unwrap_or_else(|| "Webhook messages".to_owned());
        self.spec.description = Some(format!(
            "The webhook messages of {}{}, imported from its OpenAPI description.",
            title.as_deref().unwrap_or("an API"),
            version.map(|v| format!(" {v}")).unwrap_or_default()
        ));
        let Some(webhooks) = root.child("webhooks") else {
            return Err(vec![format!(
                "{}: no `webhooks` key: this description has no webhooks",
                root.place()
            )]);
        };
        let Some(map) = webhooks.value.as_mapping() else {
            return Err(vec![format!("{}: not a mapping of webhooks", webhooks.place())]);
        };
        for key in map.iter().map(|(key, _)| key) {
            if let Some(node) = webhooks.child(key)
                && let Err(problem) = self.message(&node)
            {
                self.problems.push(problem);
            }
        }
        if self.problems.is_empty() { Ok(()) } else { Err(std::mem::take(&mut self.problems)) }
    }

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
                .or_else(|| {
                    node.value
                        .get("enum")
                        .and_then(|e| e.as_sequence())
                        .and_then(|e| e.first())
                        .and_then(|e| e.as_str())
                })
                .map(str::to_owned)
                .ok_or_else(|| format!("{}: `{name}` has no `enum` or `const` value", node.place()))
        };
        let webhook_type = constant(envelope::WEBHOOK_TYPE)?;
        let object_type = constant(envelope::OBJECT_TYPE)?;
        // The generated code has one variant and one handler method per message. A webhook
        // is named by its place under `webhooks`, wherever its own file is.
        let variant = variant_key(&webhook_type);
        if let Some(other) = self.variants.get(&variant) {
            let defined = self.spec.messages.iter().any(|m| m.webhook_type == webhook_type);
            let why = if defined {
                "is already the message of"
            } else {
                "becomes the same Rust variant as the message of"
            };
            self.notes
                .push(format!("{}: webhook type `{webhook_type}` {why} {other}; left out", node.place()));
            return Ok(());
        }
        if variant == "Unknown" {
            self.notes.push(format!(
                "{}: webhook type `{webhook_type}` becomes the handler method for unknown webhook types; left out",
                node.place()
            ));
            return Ok(());
        }
        // An envelope key written otherwise (`organizationId`) would name the envelope's
        // field of the generated event all the same.
        let envelope: Vec<String> = envelope::KEYS.iter().map(|key| field_key(key)).collect();
        let (payload_key, payload) =
            properties
                .iter()
                .find(|(key, _)| !envelope.contains(&field_key(key)))
                .ok_or_else(|| format!("{}: no payload property beside the envelope's", schema.place()))?;
        let payload_ty = self.ty(payload, &pascal(payload_key))?;
        if self.defined.get(&payload_ty.expr) != Some(&Defined::Object) {
            return Err(format!("{}: the payload `{payload_key}` is not an object", payload.place()));
        }
        let text = |node: &Node, key: &str| node.str(key).map(prose);
        self.variants.insert(variant, node.pointer.text());
        self.spec.messages.push(Message {
            title: text(&operation, "summary").unwrap_or_else(|| prose(&webhook_type)),
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
        let mut found = Found { seen: HashSet::from([schema.identity()]), ..Found::default() };
        self.collect(schema, &mut found, 0)?;
        Ok((found.properties, found.required))
    }

    /// Merges the properties of `schema` and of its `allOf` members. A member already
    /// merged (the schema itself, or one included twice) has nothing more to give.
    fn collect(&mut self, schema: &Node, found: &mut Found, depth: usize) -> Result<(), String> {
        if depth > MAX_REF_CHAIN {
            return Err(format!("{}: `allOf`s nest too deep", schema.place()));
        }
        for member in schema.children("allOf") {
            let (member, _) = self.documents.resolve(&member)?;
            if found.seen.insert(member.identity()) {
                self.collect(&member, found, depth + 1)?;
            }
        }
        if let Some(names) = schema.value.get("required").and_then(|names| names.as_sequence()) {
            found.required.extend(names.iter().filter_map(|name| name.as_str()).map(str::to_owned));
        }
        if let Some(own) = schema.child("properties") {
            for key in own.value.as_mapping().into_iter().flat_map(|m| m.iter()).map(|(key, _)| &**key) {
                let Some(node) = own.child(key) else { continue };
                // A later `allOf` member redefines a property in place.
                match found.places.get(key).and_then(|&place| found.properties.get_mut(place)) {
                    Some(slot) => slot.1 = node,
                    None => {
                        found.places.insert(key.to_owned(), found.properties.len());
                        found.properties.push((key.to_owned(), node));
                    }
                }
            }
        }
        Ok(())
    }

    /// The spec type of a schema, defining the objects, enumerations and unions it needs.
    /// `hint` names an inline schema after its place.
    fn ty(&mut self, node: &Node, hint: &str) -> Result<Ty, String> {
        if self.depth >= MAX_NESTING {
            return Err(format!("{}: schemas nest more than {MAX_NESTING} deep", node.place()));
        }
        self.depth += 1;
        let ty = self.nested(node, hint);
        self.depth -= 1;
        ty
    }

    fn nested(&mut self, node: &Node, hint: &str) -> Result<Ty, String> {
        let (schema, siblings) = self.documents.resolve(node)?;
        let beside_null = siblings.get("nullable").and_then(|flag| flag.as_bool()) == Some(true);
        // Inline schemas are remembered too: the properties of an `allOf` member are read
        // once for each object that includes it, and must give the same types each time.
        let identity = schema.identity();
        let mut ty = match self.named.get(&identity) {
            Some(known) => {
                let expr = known.expr.clone();
                let known_null = known.nullable;
                Ty { expr, nullable: known_null || self.null_of(&schema) }
            }
            // An array of itself, or a `oneOf` of itself: nothing but `json` holds it.
            None if self.open.contains(&identity) => {
                Ty { expr: "json".to_owned(), nullable: self.null_of(&schema) }
            }
            None => {
                let name = node.str("$ref").map_or_else(|| hint.to_owned(), reference_name);
                self.open.insert(identity);
                let ty = self.schema(&schema, &name, Some(identity));
                self.open.remove(&identity);
                let ty = ty?;
                // What made it nullable (a nullable alternative of a union) holds for
                // every use.
                if let Some(known) = self.named.get_mut(&identity) {
                    known.nullable = ty.nullable;
                }
                ty
            }
        };
        ty.nullable |= beside_null;
        Ok(ty)
    }

    /// Whether `schema` allows null by itself, looked at once.
    fn null_of(&mut self, schema: &Node) -> bool {
        *self.nulls.entry(schema.identity()).or_insert_with(|| nullable(schema))
    }

    /// The spec type of a resolved schema; `identity` is set when a reference reached it,
    /// so that it is defined once however many references reach it.
    fn schema(&mut self, schema: &Node, name: &str, identity: Option<Identity>) -> Result<Ty, String> {
        let null = self.null_of(schema);
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
            let mut ty = self.union(schema, name, identity, &alternatives)?;
            ty.nullable |= null;
            return Ok(ty);
        }
        if has_properties {
            return self.object(schema, name, identity).map(|expr| Ty { expr, nullable: null });
        }
        let enumerated = schema.value.get("enum").and_then(|values| values.as_sequence());
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

    fn object(&mut self, schema: &Node, name: &str, identity: Option<Identity>) -> Result<String, String> {
        let name = self.claim(name, identity);
        let text = self.object_description(schema, &mut HashSet::from([schema.identity()]));
        // Pushed before its fields are read, so that an object that holds itself
        // refers to the name.
        let index = self.spec.objects.len();
        self.spec.objects.push(Object { name: name.clone(), description: text, ..Object::default() });
        self.defined.insert(name.clone(), Defined::Object);
        let (properties, required) = self.properties(schema)?;
        let mut fields = Vec::new();
        let mut rust_fields: HashMap<String, String> = HashMap::new();
        for (key, node) in properties {
            if let Some(other) = rust_fields.get(&field_key(&key)) {
                self.notes.push(format!(
                    "{}: property `{key}` becomes the same Rust field as `{other}` of `{name}`; left out",
                    node.place()
                ));
                continue;
            }
            rust_fields.insert(field_key(&key), key.clone());
            let ty = self.ty(&node, &format!("{name}{}", pascal(&key)))?;
            let (resolved, siblings) = self.documents.resolve(&node)?;
            let text = siblings
                .get("description")
                .and_then(|text| text.as_str())
                .map(prose)
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
    fn object_description(&mut self, schema: &Node, seen: &mut HashSet<Identity>) -> String {
        let own = description(schema);
        if !own.is_empty() || seen.len() > MAX_REF_CHAIN {
            return own;
        }
        for member in schema.children("allOf") {
            if let Ok((member, _)) = self.documents.resolve(&member)
                && seen.insert(member.identity())
            {
                let text = self.object_description(&member, seen);
                if !text.is_empty() {
                    return text;
                }
            }
        }
        String::new()
    }

    /// An enumeration of the schema's values, or `string` when they cannot make one: none
    /// is text, or two become the same Rust variant.
    fn enumeration(
        &mut self,
        schema: &Node,
        name: &str,
        identity: Option<Identity>,
    ) -> Result<String, String> {
        let mut values: Vec<EnumValue> = Vec::new();
        let mut variants: HashMap<String, String> = HashMap::new();
        for value in schema.value.get("enum").and_then(|values| values.as_sequence()).into_iter().flatten() {
            // YAML reads `1` or `true` as a number or a boolean where a string type means
            // the text; `null` makes the value nullable, no value.
            let text = match &**value {
                Yaml::String(text) | Yaml::Number(text) => text.clone(),
                Yaml::Bool(flag) => flag.to_string(),
                _ => continue,
            };
            match variants.get(&variant_key(&text)) {
                // Listed twice: one value.
                Some(other) if *other == text => {}
                Some(other) => {
                    self.notes.push(format!(
                        "{}: values `{other}` and `{text}` become the same Rust variant; the type is a plain string",
                        schema.place()
                    ));
                    return Ok(self.remember(identity, "string"));
                }
                None => {
                    variants.insert(variant_key(&text), text.clone());
                    values.push(EnumValue { value: text, ..EnumValue::default() });
                }
            }
        }
        if values.is_empty() {
            return Ok(self.remember(identity, "string"));
        }
        let name = self.claim(name, identity);
        self.spec.enums.push(Enum { name: name.clone(), description: description(schema), values });
        self.defined.insert(name.clone(), Defined::Enum);
        Ok(name)
    }

    /// A union, or `json` when no union holds the alternatives: two of one JSON kind, a
    /// free-form object, or an alternative whose type no variant can have (`json`, a
    /// union, an array the format cannot express). A nullable alternative makes the
    /// union nullable.
    fn union(
        &mut self,
        schema: &Node,
        name: &str,
        identity: Option<Identity>,
        alternatives: &[Node],
    ) -> Result<Ty, String> {
        let json = |importer: &mut Importer, identity| Ty {
            expr: importer.remember(identity, "json"),
            nullable: false,
        };
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
                _ => return Ok(json(self, identity)),
            };
            let free_object = kind == "object"
                && resolved.value.get("properties").is_none()
                && resolved.value.get("allOf").is_none();
            if free_object || resolved.value.get("oneOf").is_some() || !seen.insert(kind) {
                return Ok(json(self, identity));
            }
        }
        // Only the types of the alternatives tell for sure; what converting them defines
        // (this union too, when an alternative holds it) is undone when they fail.
        let saved = self.mark();
        let name = self.claim(name, identity);
        let index = self.spec.unions.len();
        self.defined.insert(name.clone(), Defined::Union);
        self.spec.unions.push(Union {
            name: name.clone(),
            description: description(schema),
            variants: Vec::new(),
        });
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mut kinds_taken = HashSet::new();
        let mut nullable = false;
        for alternative in alternatives {
            let ty = self.ty(alternative, &format!("{name}Details"))?;
            nullable |= ty.nullable;
            let Some(kind) = variant_kind(&self.defined, &ty.expr).filter(|kind| kinds_taken.insert(*kind))
            else {
                self.undo(saved);
                return Ok(json(self, identity));
            };
            let base = match kind {
                "integer" => "Integer".to_owned(),
                "number" => "Number".to_owned(),
                "boolean" => "Flag".to_owned(),
                "array" => "List".to_owned(),
                "object" => ty.expr.clone(),
                _ => "Text".to_owned(),
            };
            let mut variant = base.clone();
            let mut counter = 2;
            while variants.iter().any(|v| variant_key(&v.name) == variant_key(&variant)) {
                variant = format!("{base}{counter}");
                counter += 1;
            }
            let (resolved, _) = self.documents.resolve(alternative)?;
            variants.push(UnionVariant {
                name: variant,
                ty: ty.expr,
                description: description(&resolved),
                ..Default::default()
            });
        }
        if let Some(union) = self.spec.unions.get_mut(index) {
            union.variants = variants;
        }
        Ok(Ty { expr: name, nullable })
    }

    /// A free name for a type, remembered for the schema it names: none the generated
    /// code reserves, none that becomes the Rust name of another.
    fn claim(&mut self, name: &str, identity: Option<Identity>) -> String {
        let name = self.taken.take(if name.is_empty() { "Unnamed" } else { name });
        self.remember(identity, &name)
    }

    /// Remembers the type of the schema at `identity`, so that every use of it gets the
    /// same; gives it back.
    fn remember(&mut self, identity: Option<Identity>, expr: &str) -> String {
        if let Some(identity) = identity {
            self.remembered.push(identity);
            self.named.insert(identity, Ty { expr: expr.to_owned(), nullable: false });
        }
        expr.to_owned()
    }

    /// Where the conversion is, to undo what follows. Types are only ever added, each
    /// under a name it claims, and schemas only ever remembered anew.
    fn mark(&self) -> Mark {
        Mark {
            objects: self.spec.objects.len(),
            enums: self.spec.enums.len(),
            unions: self.spec.unions.len(),
            remembered: self.remembered.len(),
            notes: self.notes.len(),
        }
    }

    /// Undoes what the conversion did since `mark`.
    fn undo(&mut self, mark: Mark) {
        let objects = self.spec.objects.drain(mark.objects.min(self.spec.objects.len())..).map(|o| o.name);
        let enums = self.spec.enums.drain(mark.enums.min(self.spec.enums.len())..).map(|e| e.name);
        let unions = self.spec.unions.drain(mark.unions.min(self.spec.unions.len())..).map(|u| u.name);
        for name in objects.chain(enums).chain(unions) {
            self.taken.release(&name);
            self.defined.remove(&name);
        }
        for identity in self.remembered.drain(mark.remembered.min(self.remembered.len())..) {
            self.named.remove(&identity);
        }
        self.notes.truncate(mark.notes);
    }
}

/// The JSON kind of the values of a type, as union variants are told apart; `None` for
/// a type no variant can have.
fn variant_kind(defined: &HashMap<String, Defined>, expr: &str) -> Option<&'static str> {
    if expr.ends_with("[]") {
        return Some("array");
    }
    match expr {
        "integer" => Some("integer"),
        "number" => Some("number"),
        "boolean" => Some("boolean"),
        "string" | "id" | "date" | "datetime" | "currency" | "url" | "encoded_json" => Some("string"),
        _ => match defined.get(expr) {
            Some(Defined::Enum) => Some("string"),
            Some(Defined::Object) => Some("object"),
            Some(Defined::Union) | None => None,
        },
    }
}

/// The JSON kinds a schema's `type` names, `null` aside.
fn kinds(schema: &Yaml) -> Vec<&str> {
    match schema.get("type").map(|kind| &**kind) {
        Some(Yaml::String(kind)) if kind != "null" => vec![kind.as_str()],
        Some(Yaml::Seq(kinds)) => {
            kinds.iter().filter_map(|kind| kind.as_str()).filter(|k| *k != "null").collect()
        }
        _ => Vec::new(),
    }
}

fn nullable(schema: &Node) -> bool {
    let list = |key: &str| schema.value.get(key).and_then(|list| list.as_sequence()).unwrap_or_default();
    let flag = schema.value.get("nullable").and_then(|flag| flag.as_bool()) == Some(true);
    let listed = list("type").iter().any(|kind| kind.as_str() == Some("null"));
    let enumerated = list("enum").iter().any(|value| value.is_null());
    let alternative = ["oneOf", "anyOf"]
        .iter()
        .flat_map(|key| list(key))
        .any(|member| member.get("type").and_then(|kind| kind.as_str()) == Some("null"));
    flag || listed || enumerated || alternative
}

fn description(schema: &Node) -> String {
    schema.str("description").map(prose).unwrap_or_default()
}

/// Text of the description that goes into the spec, and from it into doc comments:
/// trimmed, its control characters but line breaks and tabs escaped.
fn prose(text: &str) -> String {
    controls::prose(text.trim()).into_owned()
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
        for (reference, name) in [
            ("../schemas/InvoiceObject.yaml", "Invoice"),
            ("./InvoiceObjectExtended.yaml", "InvoiceExtended"),
            ("#/components/schemas/TriggeredAlertObject", "TriggeredAlert"),
            ("#/components/schemas/Currency", "Currency"),
        ] {
            assert_eq!(reference_name(reference), name);
        }
        assert_eq!(pascal("error_details"), "ErrorDetails");
    }

    #[test]
    fn paths_are_normalized_so_a_file_is_read_once() {
        assert_eq!(normalize(Path::new("a/./webhooks/../schemas/X.yaml")), PathBuf::from("a/schemas/X.yaml"));
        assert_eq!(normalize(Path::new("../x.yaml")), PathBuf::from("../x.yaml"));
    }
}
