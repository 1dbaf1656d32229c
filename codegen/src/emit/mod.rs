//! Emission of Rust tokens from the [`Ir`].
//!
//! Each submodule emits one family of items. The generated code names nothing
//! from the call site: std items by absolute path, everything else through the
//! runtime path in [`Settings`].
//!
//! Every item a crate may leave unused (types, inherent impls, traits, functions, the
//! `borrowed` module) carries `#[allow(dead_code)]`: the code covers the whole spec, a
//! crate uses a part of it, and code written by `generate` is often kept in a private
//! module (`mod generated;`), where each unused item would warn. An outer attribute on
//! each item, not an inner one for the file, so that the macro's expansion (where inner
//! attributes cannot go) and the written file are the same code. Trait impls never warn.

mod borrowed;
mod enums;
mod event;
mod handler;
mod objects;
mod unions;
mod validate;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;

use crate::RuntimePath;
use crate::resolved::{Ir, JsonKind, ObjectId, Primitive, TypeRef};
use crate::settings::Settings;

/// Everything emitted for one spec.
pub fn emit(ir: &Ir, settings: &Settings) -> TokenStream {
    let lending = ir.lending_objects();
    let names = MessageNames::of(ir);
    let cx = Context { ir, settings, flavour: Flavour::Owned, lending: &lending, names: &names };
    let objects = ir.objects.iter().enumerate().map(|(i, o)| objects::emit(&cx, ObjectId(i), o));
    let enums = ir.enums.iter().map(|e| enums::emit(&cx, e));
    let unions = ir.unions.iter().map(|u| unions::emit(&cx, u));
    let webhook_type = event::emit_webhook_type(&cx);
    let webhook_event = event::emit_webhook_event(&cx);
    let handlers = handler::emit(&cx);
    let validation = settings.validate.then(|| validate::emit(&cx));
    let borrowed = settings.borrowed.then(|| borrowed::emit(&Context { flavour: Flavour::Borrowed, ..cx }));
    let tracking = settings.track.iter().map(|path| {
        quote! {
            // Makes the compiler treat the spec as an input: editing it rebuilds this crate.
            const _: &[::core::primitive::u8] = ::core::include_bytes!(#path);
        }
    });
    quote! {
        #(#tracking)*
        #webhook_type
        #webhook_event
        #handlers
        #(#objects)*
        #(#enums)*
        #(#unions)*
        #validation
        #borrowed
    }
}

/// Which set of types is being emitted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// The owned types at the top of the expansion.
    Owned,
    /// The `borrowed` module: the objects and the event with a lifetime `'a`, their text
    /// borrowed from the body; enumerations and unions are the owned ones.
    Borrowed,
}

impl Flavour {
    /// The event type as a `Deserialize<'de>` or `Catalog<'de>` impl is for it.
    fn event_type(self) -> TokenStream {
        match self {
            Flavour::Owned => quote!(WebhookEvent),
            Flavour::Borrowed => quote!(WebhookEvent<'a>),
        }
    }

    /// The generics of those impls: the borrowed event lives no longer than the body.
    fn de_generics(self) -> TokenStream {
        match self {
            Flavour::Owned => quote!(<'de>),
            Flavour::Borrowed => quote!(<'de: 'a, 'a>),
        }
    }
}

/// What every emitter needs.
#[derive(Clone, Copy)]
struct Context<'a> {
    ir: &'a Ir,
    settings: &'a Settings,
    flavour: Flavour,
    /// Which objects hold borrowed text in the borrowed flavour ([`Ir::lending_objects`]).
    lending: &'a [bool],
    /// The identifiers of the messages, which most items list.
    names: &'a MessageNames,
}

/// The identifiers every message gets, in spec order, and the catch-all variant's.
struct MessageNames {
    /// `WebhookType` and `WebhookEvent` variants.
    variants: Vec<Ident>,
    /// Handler methods.
    methods: Vec<Ident>,
    /// Payload parameters and fields.
    params: Vec<Ident>,
    /// The `WebhookEvent` variant of types the spec does not know.
    unknown: Ident,
}

impl MessageNames {
    fn of(ir: &Ir) -> MessageNames {
        let all = |name: fn(&crate::resolved::MessageIr) -> &str| {
            ir.messages.iter().map(|m| ident(name(m))).collect()
        };
        MessageNames {
            variants: all(|m| &m.variant),
            methods: all(|m| &m.method),
            params: all(|m| &m.param),
            unknown: ident(&ir.unknown_event_variant),
        }
    }
}

impl Context<'_> {
    /// The runtime crate path.
    fn krate(&self) -> &RuntimePath {
        &self.settings.runtime
    }

    /// The runtime's private support module.
    fn private(&self) -> RuntimePath {
        self.krate().join("__private")
    }

    /// The `#[serde(crate = "...")]` attribute pointing serde's derives at the runtime's serde.
    fn serde_crate(&self) -> TokenStream {
        let path = self.private().join("serde").to_string();
        quote!(#[serde(crate = #path)])
    }

    /// `#[derive(...)]` with the given built-in derives and the user's extra ones,
    /// skipping user derives that repeat a built-in one or name a trait the generated
    /// code `implemented` by hand.
    fn derives(&self, builtin: &[TokenStream], implemented: &[&str]) -> TokenStream {
        let mut skipped: Vec<String> = builtin.iter().filter_map(last_ident).collect();
        skipped.extend(implemented.iter().map(|name| name.to_string()));
        let extra = self
            .settings
            .derives
            .iter()
            .filter(|d| last_ident(d).is_none_or(|name| !skipped.contains(&name)));
        let all = builtin.iter().chain(extra);
        quote!(#[derive(#(#all),*)])
    }

    /// A generated type as the impls of this flavour name it: `Invoice`, or `Invoice<'_>`
    /// for a borrowed type that holds borrowed text (the event always may).
    fn impl_type(&self, name: &str) -> TokenStream {
        let lends = self.flavour == Flavour::Borrowed
            && (name == "WebhookEvent"
                || self.ir.objects.iter().position(|o| o.name == name).is_some_and(|i| self.lending[i]));
        let name = ident(name);
        if lends { quote!(#name<'_>) } else { quote!(#name) }
    }

    /// Whether the type holds borrowed text in the borrowed flavour.
    fn lends(&self, ty: &TypeRef) -> bool {
        ty.lends(self.lending)
    }

    /// In the borrowed flavour of a spec without messages, `WebhookEvent<'a>` holds a
    /// variant that cannot exist, to use its lifetime; every `match` on it gets this arm.
    fn marker_arm(&self) -> Option<TokenStream> {
        (self.flavour == Flavour::Borrowed && self.ir.messages.is_empty())
            // `never` is the value in some matches and a reference in others; `Borrow`
            // gives a reference either way.
            .then(|| {
                quote! {
                    WebhookEvent::__Lifetime(never, _) => {
                        match *::core::borrow::Borrow::<::core::convert::Infallible>::borrow(&never) {}
                    }
                }
            })
    }

    /// The Rust type of a spec type.
    fn rust_type(&self, ty: &TypeRef) -> TokenStream {
        let krate = self.krate();
        if self.flavour == Flavour::Borrowed {
            match ty {
                TypeRef::Primitive(Primitive::Decimal) => return quote!(#krate::borrowed::Decimal<'a>),
                TypeRef::Primitive(p) if matches!(p.json_kind(), Some(JsonKind::String)) => {
                    return quote!(#krate::borrowed::Text<'a>);
                }
                TypeRef::Object(id) => {
                    let name = ident(&self.ir.object(*id).name);
                    return if self.lending[id.0] { quote!(#name<'a>) } else { quote!(#name) };
                }
                TypeRef::Enum(id) => {
                    let name = ident(&self.ir.enumeration(*id).name);
                    return quote!(super::#name);
                }
                TypeRef::Union(id) => {
                    let name = ident(&self.ir.union(*id).name);
                    return quote!(super::#name);
                }
                _ => {}
            }
        }
        match ty {
            TypeRef::Primitive(p) => match p {
                Primitive::String => quote!(::std::string::String),
                Primitive::Currency => quote!(#krate::Currency),
                Primitive::Url => quote!(#krate::Url),
                Primitive::Id => quote!(#krate::Id),
                Primitive::Integer => quote!(::core::primitive::i64),
                Primitive::Number => quote!(::core::primitive::f64),
                Primitive::Boolean => quote!(::core::primitive::bool),
                Primitive::Decimal => quote!(#krate::Decimal),
                Primitive::Date => quote!(#krate::Date),
                Primitive::DateTime => quote!(#krate::DateTime),
                Primitive::Json => quote!(#krate::__private::serde_json::Value),
                Primitive::EncodedJson => quote!(#krate::EncodedJson),
            },
            TypeRef::Object(id) => ident(&self.ir.object(*id).name).into_token_stream(),
            TypeRef::Enum(id) => ident(&self.ir.enumeration(*id).name).into_token_stream(),
            TypeRef::Union(id) => ident(&self.ir.union(*id).name).into_token_stream(),
            TypeRef::Array(inner) => {
                let inner = self.rust_type(inner);
                quote!(::std::vec::Vec<#inner>)
            }
        }
    }
}

use quote::ToTokens;

/// An identifier; names in the IR are valid identifiers by construction.
fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Doc attributes, one per line, so that formatted output shows `///` comments.
fn doc(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = if line.is_empty() { String::new() } else { format!(" {line}") };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The last identifier of a path such as `::serde::Serialize`.
fn last_ident(path: &TokenStream) -> Option<String> {
    path.clone()
        .into_iter()
        .filter_map(|t| match t {
            TokenTree::Ident(i) => Some(i.to_string()),
            _ => None,
        })
        .last()
}

/// A standard derive the generated types get, named by absolute path.
#[derive(Clone, Copy)]
enum StdDerive {
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
}

impl StdDerive {
    fn path(self) -> TokenStream {
        match self {
            StdDerive::Debug => quote!(::core::fmt::Debug),
            StdDerive::Clone => quote!(::core::clone::Clone),
            StdDerive::Copy => quote!(::core::marker::Copy),
            StdDerive::PartialEq => quote!(::core::cmp::PartialEq),
            StdDerive::Eq => quote!(::core::cmp::Eq),
            StdDerive::Hash => quote!(::core::hash::Hash),
            StdDerive::PartialOrd => quote!(::core::cmp::PartialOrd),
            StdDerive::Ord => quote!(::core::cmp::Ord),
        }
    }
}
