//! One enum per union ("one of"): a variant per JSON kind, read by the runtime's shared
//! visitor without buffering, written back as the value it holds.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, StdDerive, doc, ident};
use crate::resolved::{JsonKind, Primitive, TypeRef, UnionIr, UnionVariantIr};

pub(super) fn emit(cx: &Context<'_>, u: &UnionIr) -> TokenStream {
    let private = cx.private();
    let builtin = [StdDerive::Debug, StdDerive::Clone, StdDerive::PartialEq].map(StdDerive::path);
    let derives = cx.derives(&builtin, &["Serialize", "Deserialize"]);
    let docs = doc(&u.description);
    let name = ident(&u.name);
    let variants = u.variants.iter().map(|v| {
        let docs = doc(&variant_doc(v));
        let variant = ident(&v.variant);
        let ty = stored_type(cx, &v.ty);
        quote!(#docs #variant(#ty),)
    });
    let accessors = u.variants.iter().map(|v| accessor(cx, u, v));
    let text = to_text(u);
    let expecting = expecting(u);
    let constructors = u.variants.iter().map(|v| constructor(cx, u, v));
    let serialize_arms = u.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        quote!(#name::#variant(value) => #private::serde::Serialize::serialize(value, serializer),)
    });
    quote! {
        #docs
        #derives
        #[allow(dead_code)]
        pub enum #name {
            #(#variants)*
        }

        #[allow(dead_code)]
        impl #name {
            #(#accessors)*
            #text
        }

        impl #private::OneOf for #name {
            const EXPECTING: &'static ::core::primitive::str = #expecting;

            #(#constructors)*
        }

        impl #private::serde::Serialize for #name {
            fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                match self {
                    #(#serialize_arms)*
                }
            }
        }

        impl<'de> #private::serde::Deserialize<'de> for #name {
            fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_one_of(deserializer)
            }
        }
    }
}

/// `a string`, `an integer`: the kind of a variant with its article.
fn kind_phrase(v: &UnionVariantIr) -> String {
    let kind = v.kind.name();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {kind}")
}

fn variant_doc(v: &UnionVariantIr) -> String {
    let kind = v.kind.name();
    match v.description.trim() {
        "" => format!("Sent as a JSON {kind}."),
        text => format!("{text}\n\nSent as a JSON {kind}."),
    }
}

/// The type a variant holds: objects boxed, as in struct fields, so that the union stays small.
fn stored_type(cx: &Context<'_>, ty: &TypeRef) -> TokenStream {
    let inner = cx.rust_type(ty);
    match ty {
        TypeRef::Object(_) => quote!(::std::boxed::Box<#inner>),
        _ => inner,
    }
}

/// `as_<variant>()`: the value when the union holds that variant.
fn accessor(cx: &Context<'_>, u: &UnionIr, v: &UnionVariantIr) -> TokenStream {
    let name = ident(&u.name);
    let variant = ident(&v.variant);
    let method = ident(&v.accessor);
    let docs =
        doc(&format!("The value, when it was sent as {} (`{}::{}`).", kind_phrase(v), u.name, v.variant));
    let (ty, body) = match &v.ty {
        TypeRef::Primitive(p) if p.json_kind() == Some(JsonKind::String) => {
            (quote!(&::core::primitive::str), quote!(::core::option::Option::Some(value.as_str())))
        }
        TypeRef::Primitive(Primitive::Integer | Primitive::Number | Primitive::Boolean) => {
            (cx.rust_type(&v.ty), quote!(::core::option::Option::Some(*value)))
        }
        TypeRef::Object(_) => {
            let inner = cx.rust_type(&v.ty);
            (quote!(&#inner), quote!(::core::option::Option::Some(&**value)))
        }
        ty => {
            let inner = cx.rust_type(ty);
            (quote!(&#inner), quote!(::core::option::Option::Some(value)))
        }
    };
    let other = (u.variants.len() > 1).then(|| quote!(_ => ::core::option::Option::None,));
    quote! {
        #docs
        pub fn #method(&self) -> ::core::option::Option<#ty> {
            match self {
                #name::#variant(value) => #body,
                #other
            }
        }
    }
}

/// `to_text()` for unions of scalars only: the value as text, whatever its JSON kind.
fn to_text(u: &UnionIr) -> Option<TokenStream> {
    let scalar = |v: &UnionVariantIr| matches!(v.ty, TypeRef::Primitive(_) | TypeRef::Enum(_));
    if u.variants.is_empty() || !u.variants.iter().all(scalar) {
        return None;
    }
    let name = ident(&u.name);
    let arms = u.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let text = match &v.ty {
            TypeRef::Primitive(p) if p.json_kind() == Some(JsonKind::String) => {
                quote!(::std::borrow::Cow::Borrowed(value.as_str()))
            }
            TypeRef::Enum(_) => quote!(::std::borrow::Cow::Borrowed(value.as_str())),
            _ => quote!(::std::borrow::Cow::Owned(::std::string::ToString::to_string(value))),
        };
        quote!(#name::#variant(value) => #text,)
    });
    Some(quote! {
        /// The value as text, whatever its JSON kind: a string as sent, a number or
        /// boolean as Rust's `Display` writes it (`422`, `2.5`, `true`).
        pub fn to_text(&self) -> ::std::borrow::Cow<'_, ::core::primitive::str> {
            match self {
                #(#arms)*
            }
        }
    })
}

/// `a string or an integer`.
fn expecting(u: &UnionIr) -> String {
    let kinds: Vec<String> = u.variants.iter().map(kind_phrase).collect();
    match kinds.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The `OneOf` constructor for a variant's JSON kind.
fn constructor(cx: &Context<'_>, u: &UnionIr, v: &UnionVariantIr) -> TokenStream {
    let private = cx.private();
    let name = ident(&u.name);
    let variant = ident(&v.variant);
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#name::#variant(#value)));
    match &v.ty {
        TypeRef::Primitive(p) => match p.json_kind() {
            Some(JsonKind::Integer) => {
                let body = some(quote!(value));
                quote!(fn from_integer(value: ::core::primitive::i64) -> ::core::option::Option<Self> { #body })
            }
            Some(JsonKind::Number) => {
                let body = some(quote!(value));
                quote!(fn from_float(value: ::core::primitive::f64) -> ::core::option::Option<Self> { #body })
            }
            Some(JsonKind::Boolean) => {
                let body = some(quote!(value));
                quote!(fn from_bool(value: ::core::primitive::bool) -> ::core::option::Option<Self> { #body })
            }
            _ => {
                let value = match p {
                    Primitive::String => quote!(value),
                    _ => {
                        let ty = cx.rust_type(&v.ty);
                        quote!(<#ty>::new(value))
                    }
                };
                let body = some(value);
                quote!(fn from_string(value: ::std::string::String) -> ::core::option::Option<Self> { #body })
            }
        },
        TypeRef::Enum(_) => {
            let body = some(quote!(#private::parse_string_enum(&value)));
            quote!(fn from_string(value: ::std::string::String) -> ::core::option::Option<Self> { #body })
        }
        TypeRef::Object(_) => {
            let inner = cx.rust_type(&v.ty);
            quote! {
                fn from_map<'de, __A: #private::serde::de::MapAccess<'de>>(map: __A) -> ::core::option::Option<::core::result::Result<Self, __A::Error>> {
                    let deserializer = #private::serde::de::value::MapAccessDeserializer::new(map);
                    ::core::option::Option::Some(
                        <#inner as #private::DeserializeObject>::deserialize_object(deserializer)
                            .map(|value| #name::#variant(::std::boxed::Box::new(value))),
                    )
                }
            }
        }
        TypeRef::Array(_) | TypeRef::Union(_) => {
            let ty = cx.rust_type(&v.ty);
            let read = if v.ty.holds_objects() {
                quote!(<#ty as #private::DeserializeObject>::deserialize_object(deserializer))
            } else {
                quote!(<#ty as #private::serde::Deserialize>::deserialize(deserializer))
            };
            quote! {
                fn from_seq<'de, __A: #private::serde::de::SeqAccess<'de>>(seq: __A) -> ::core::option::Option<::core::result::Result<Self, __A::Error>> {
                    let deserializer = #private::serde::de::value::SeqAccessDeserializer::new(seq);
                    ::core::option::Option::Some(#read.map(#name::#variant))
                }
            }
        }
    }
}
