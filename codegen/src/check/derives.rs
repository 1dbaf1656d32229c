//! The extra derives, checked against every field they reach.
//!
//! A derive goes on every generated struct and enum, so it holds only when every field
//! type implements its trait: `Eq` on a struct with an `f64` fails to compile, with errors
//! that name the generated code, not the spec. The standard derives whose requirements
//! are known are checked here against the runtime's types, and each field in the way is
//! reported with its place in a message, before any code is written. Derives of other
//! paths (the user's own macros) are left to the compiler.

use std::collections::VecDeque;

use proc_macro2::{TokenStream, TokenTree};

use crate::error::{Origin, SpecError};
use crate::resolved::{Ir, Primitive, TypeRef};

/// A standard derive whose requirements on field types are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trait {
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Copy,
    Default,
}

impl Trait {
    const ALL: [(&'static str, &'static str, Trait); 6] = [
        ("Eq", "cmp", Trait::Eq),
        ("Hash", "hash", Trait::Hash),
        ("PartialOrd", "cmp", Trait::PartialOrd),
        ("Ord", "cmp", Trait::Ord),
        ("Copy", "marker", Trait::Copy),
        ("Default", "default", Trait::Default),
    ];

    /// The trait a derive path names: `Eq`, or `std::cmp::Eq` and `::core::cmp::Eq`; any
    /// other path is some crate's own derive, not checked.
    fn of(path: &TokenStream) -> Option<Trait> {
        let mut idents = Vec::new();
        for token in path.clone() {
            match token {
                TokenTree::Ident(ident) => idents.push(ident.to_string()),
                TokenTree::Punct(punct) if punct.as_char() == ':' => {}
                _ => return None,
            }
        }
        let (name, module) = match idents.as_slice() {
            [name] => (name, None),
            [krate, module, name] if ["std", "core"].contains(&krate.as_str()) => (name, Some(module)),
            _ => return None,
        };
        Trait::ALL
            .iter()
            .find(|(n, m, _)| n == name && module.is_none_or(|module| module == m))
            .map(|(_, _, t)| *t)
    }

    fn name(self) -> &'static str {
        Trait::ALL.iter().find(|(_, _, t)| *t == self).map_or("?", |(n, _, _)| n)
    }

    /// Whether a value of this primitive's Rust type implements the trait, in the owned
    /// flavour and, when `borrowed`, in the borrowed one too.
    fn holds_for(self, primitive: Primitive, borrowed: bool) -> bool {
        use Primitive::*;
        match (self, primitive) {
            (Trait::Copy, Integer | Number | Boolean) => true,
            (Trait::Copy, _) => false,
            // `f64` has no total order, so no `Eq`, `Ord` or `Hash`.
            (Trait::Eq | Trait::Hash | Trait::Ord, Number) => false,
            (Trait::Eq | Trait::Hash, _) => true,
            (Trait::PartialOrd | Trait::Ord, Integer | Number | Boolean) => true,
            // The borrowed flavour holds strings as `borrowed::Text`, which has no order.
            (Trait::PartialOrd | Trait::Ord, String) => !borrowed,
            // The runtime's text types and decimals have no order on purpose (comparing
            // the text would misorder the forms Lago sends), nor has a JSON value.
            (Trait::PartialOrd | Trait::Ord, _) => false,
            (Trait::Default, Integer | Number | Boolean | String | Json) => true,
            (Trait::Default, _) => false,
        }
    }
}

/// The Rust name of a primitive's type in the generated code, for messages.
fn rust_name(primitive: Primitive) -> &'static str {
    match primitive {
        Primitive::String => "String",
        Primitive::Integer => "i64",
        Primitive::Number => "f64",
        Primitive::Boolean => "bool",
        Primitive::Decimal => "Decimal",
        Primitive::Date => "Date",
        Primitive::DateTime => "DateTime",
        Primitive::Currency => "Currency",
        Primitive::Url => "Url",
        Primitive::Id => "Id",
        Primitive::Json => "serde_json::Value",
        Primitive::EncodedJson => "EncodedJson",
    }
}

/// A generated type, as a place fields are reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Object(usize),
    Enum(usize),
    Union(usize),
}

/// Where the first message that reaches a generated type reaches it, and how many do.
#[derive(Debug, Clone)]
struct Reached {
    webhook_type: String,
    /// JSON Pointer into the envelope, `*` for any array element.
    pointer: String,
    messages: usize,
}

/// The extra derives of `derives` that the generated types cannot have, each field in the
/// way reported; and the positions in `derives` of those refused, so that the code of
/// everything else is still emitted without them.
pub fn check(ir: &Ir, derives: &[TokenStream], borrowed: bool) -> (Vec<SpecError>, Vec<usize>) {
    let mut errors = Vec::new();
    let mut refused = Vec::new();
    let traits: Vec<Option<Trait>> = derives.iter().map(Trait::of).collect();
    let places = places(ir);
    for (index, t) in traits.iter().enumerate() {
        let Some(t) = *t else { continue };
        // The same derive twice is the compiler's to refuse; its fields are named once.
        if traits[..index].contains(&Some(t)) {
            continue;
        }
        let mut found = Vec::new();
        if t == Trait::Ord {
            // `Ord` needs `Eq` and `PartialOrd` on every type it is derived on; enums derive
            // `Eq` already, structs and unions do not.
            let missing: Vec<&str> = [Trait::Eq, Trait::PartialOrd]
                .into_iter()
                .filter(|needed| !traits.contains(&Some(*needed)))
                .filter(|needed| {
                    *needed == Trait::PartialOrd || !ir.objects.is_empty() || !ir.unions.is_empty()
                })
                .map(Trait::name)
                .collect();
            if !missing.is_empty() {
                found.push(format!(
                    "derive Ord needs {} on the generated types as well: add {} to the derives",
                    missing.join(" and "),
                    if missing.len() == 1 { "it" } else { "them" }
                ));
            }
        }
        found.extend(fields_in_the_way(ir, t, borrowed, &places));
        if !found.is_empty() {
            refused.push(index);
            errors.extend(
                found.into_iter().map(|message| SpecError { message, origin: Origin::Derive(index) }),
            );
        }
    }
    (errors, refused)
}

/// Why trait `t` cannot be derived, once per field (or enumeration) in the way.
fn fields_in_the_way(ir: &Ir, t: Trait, borrowed: bool, places: &Places) -> Vec<String> {
    let mut found = Vec::new();
    let name = t.name();
    for (index, object) in ir.objects.iter().enumerate() {
        for field in &object.fields {
            // Owned nested objects are boxed (see the emitter); optional ones are `Option`s.
            let boxed = matches!(field.ty, TypeRef::Object(_));
            let optional = field.optional || field.nullable;
            let Some(culprit) = culprit(t, &field.ty, boxed, optional, borrowed) else { continue };
            let ty = rust_type(ir, &field.ty, boxed, optional);
            let owner = format!("{}.{}: {ty}", object.name, field.rust_name);
            let place = places.at(Item::Object(index), Some(&field.json_name));
            found.push(format!(
                "{place}({owner}) cannot derive {name}: {culprit} is not {name}{}",
                places.also(Item::Object(index))
            ));
        }
    }
    for (index, enumeration) in ir.enums.iter().enumerate() {
        let why = match t {
            Trait::Copy => {
                format!("its `{}` variant holds a String, which is not Copy", enumeration.unknown_variant)
            }
            Trait::Default => "an enum of values has no default one".to_owned(),
            _ => continue,
        };
        let place = places.at(Item::Enum(index), None);
        found.push(format!(
            "{place}(enum {}) cannot derive {name}: {why}{}",
            enumeration.name,
            places.also(Item::Enum(index))
        ));
    }
    for (index, union) in ir.unions.iter().enumerate() {
        if t == Trait::Default {
            let place = places.at(Item::Union(index), None);
            found.push(format!(
                "{place}(enum {}) cannot derive Default: a one-of has no default kind{}",
                union.name,
                places.also(Item::Union(index))
            ));
            continue;
        }
        for variant in &union.variants {
            // Objects are boxed in unions too.
            let boxed = matches!(variant.ty, TypeRef::Object(_));
            let Some(culprit) = culprit(t, &variant.ty, boxed, false, borrowed) else { continue };
            let ty = rust_type(ir, &variant.ty, boxed, false);
            let place = places.at(Item::Union(index), None);
            found.push(format!(
                "{place}({}::{}: {ty}) cannot derive {name}: {culprit} is not {name}{}",
                union.name,
                variant.variant,
                places.also(Item::Union(index))
            ));
        }
    }
    found
}

/// The part of a field's Rust type that does not implement `t`, if one does not. Generated
/// types get the derive too, so they hold when their own fields do: those are checked
/// where they are defined.
fn culprit(t: Trait, ty: &TypeRef, boxed: bool, optional: bool, borrowed: bool) -> Option<String> {
    // `Option<T>` and `Vec<T>` are `Default` whatever `T` is.
    if t == Trait::Default && optional {
        return None;
    }
    if boxed && t == Trait::Copy {
        return Some("Box".to_owned());
    }
    match ty {
        TypeRef::Primitive(p) => (!t.holds_for(*p, borrowed)).then(|| rust_name(*p).to_owned()),
        TypeRef::Array(_) if t == Trait::Default => None,
        TypeRef::Array(_) if t == Trait::Copy => Some("Vec".to_owned()),
        TypeRef::Array(inner) => culprit(t, inner, false, false, borrowed),
        TypeRef::Object(_) | TypeRef::Enum(_) | TypeRef::Union(_) => None,
    }
}

/// A field's Rust type as the owned flavour writes it, short, for messages.
fn rust_type(ir: &Ir, ty: &TypeRef, boxed: bool, optional: bool) -> String {
    let inner = match ty {
        TypeRef::Primitive(p) => rust_name(*p).to_owned(),
        TypeRef::Object(id) => ir.object(*id).name.clone(),
        TypeRef::Enum(id) => ir.enumeration(*id).name.clone(),
        TypeRef::Union(id) => ir.union(*id).name.clone(),
        TypeRef::Array(inner) => format!("Vec<{}>", rust_type(ir, inner, false, false)),
    };
    let inner = if boxed { format!("Box<{inner}>") } else { inner };
    if optional { format!("Option<{inner}>") } else { inner }
}

/// For every generated type, where the messages reach it.
struct Places {
    objects: Vec<Option<Reached>>,
    enums: Vec<Option<Reached>>,
    unions: Vec<Option<Reached>>,
}

impl Places {
    fn get(&self, item: Item) -> Option<&Reached> {
        match item {
            Item::Object(i) => self.objects.get(i),
            Item::Enum(i) => self.enums.get(i),
            Item::Union(i) => self.unions.get(i),
        }
        .and_then(Option::as_ref)
    }

    /// `invoice.created: /invoice/fees/*/taxes_rate `: the first message that reaches the
    /// item, and where (at its key `field` when given); nothing for an item no message
    /// reaches.
    fn at(&self, item: Item, field: Option<&str>) -> String {
        let Some(reached) = self.get(item) else { return String::new() };
        let field = field.map(|name| format!("/{}", pointer_token(name))).unwrap_or_default();
        format!("{}: {}{field} ", reached.webhook_type, reached.pointer)
    }

    /// How many other messages reach the item, when any do.
    fn also(&self, item: Item) -> String {
        match self.get(item).map(|reached| reached.messages.saturating_sub(1)) {
            Some(0) | None => String::new(),
            Some(1) => "; also in 1 other webhook type".to_owned(),
            Some(n) => format!("; also in {n} other webhook types"),
        }
    }
}

/// A name as a JSON Pointer token (RFC 6901).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Where each message reaches each generated type: breadth first, so the place kept is the
/// shortest in the first message (in spec order) that reaches it.
fn places(ir: &Ir) -> Places {
    let mut places = Places {
        objects: vec![None; ir.objects.len()],
        enums: vec![None; ir.enums.len()],
        unions: vec![None; ir.unions.len()],
    };
    for message in &ir.messages {
        let mut seen =
            (vec![false; ir.objects.len()], vec![false; ir.enums.len()], vec![false; ir.unions.len()]);
        let mut queue = VecDeque::from([(
            Item::Object(message.payload.index()),
            format!("/{}", pointer_token(&message.payload_key)),
        )]);
        while let Some((item, pointer)) = queue.pop_front() {
            let (slot, seen) = match item {
                Item::Object(i) => (places.objects.get_mut(i), seen.0.get_mut(i)),
                Item::Enum(i) => (places.enums.get_mut(i), seen.1.get_mut(i)),
                Item::Union(i) => (places.unions.get_mut(i), seen.2.get_mut(i)),
            };
            let (Some(slot), Some(seen)) = (slot, seen) else { continue };
            if std::mem::replace(seen, true) {
                continue;
            }
            match slot {
                Some(reached) => reached.messages += 1,
                None => {
                    *slot = Some(Reached {
                        webhook_type: message.webhook_type.clone(),
                        pointer: pointer.clone(),
                        messages: 1,
                    })
                }
            }
            let mut next = |ty: &TypeRef, pointer: String| {
                let mut pointer = pointer;
                let mut ty = ty;
                while let TypeRef::Array(inner) = ty {
                    pointer.push_str("/*");
                    ty = inner;
                }
                match ty {
                    TypeRef::Object(id) => queue.push_back((Item::Object(id.index()), pointer)),
                    TypeRef::Enum(id) => queue.push_back((Item::Enum(id.index()), pointer)),
                    TypeRef::Union(id) => queue.push_back((Item::Union(id.index()), pointer)),
                    TypeRef::Primitive(_) | TypeRef::Array(_) => {}
                }
            };
            match item {
                Item::Object(i) => {
                    for field in ir.objects.get(i).map(|o| o.fields.as_slice()).unwrap_or_default() {
                        next(&field.ty, format!("{pointer}/{}", pointer_token(&field.json_name)));
                    }
                }
                // A union's value stands where the union does.
                Item::Union(i) => {
                    for variant in ir.unions.get(i).map(|u| u.variants.as_slice()).unwrap_or_default() {
                        next(&variant.ty, pointer.clone());
                    }
                }
                Item::Enum(_) => {}
            }
        }
    }
    places
}
