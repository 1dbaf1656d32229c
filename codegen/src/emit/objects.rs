//! One struct per object.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, doc, ident, std_derive};
use crate::ir::{FieldIr, ObjectIr, TypeRef};

pub(super) fn emit(cx: &Context<'_>, object: &ObjectIr) -> TokenStream {
    let krate = cx.krate();
    let derives = cx.derives(
        &[
            std_derive("Debug"),
            std_derive("Clone"),
            std_derive("PartialEq"),
            quote!(#krate::__private::serde::Serialize),
            quote!(#krate::__private::serde::Deserialize),
        ],
        &[],
    );
    let serde_crate = cx.serde_crate();
    let docs = doc(&object.description);
    let name = ident(&object.name);
    let fields = object.fields.iter().map(|f| field(cx, f));
    let private = cx.private();
    quote! {
        #docs
        #derives
        #serde_crate
        pub struct #name {
            #(#fields)*
        }

        impl<'de> #private::DeserializeObject<'de> for #name {
            fn deserialize_object<__D: #private::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_map_only(deserializer)
            }
        }
    }
}

fn field(cx: &Context<'_>, field: &FieldIr) -> TokenStream {
    let docs = doc(&format!("{}\n\n{}", field.description, json_note(field)));
    let name = ident(&field.rust_name);
    let ty = cx.rust_type(&field.ty);
    // Nested objects are boxed: it keeps every struct small enough for the allocator's
    // fast path when a payload is boxed (measured: a 1.4 KB invoice cost more to
    // allocate than its whole envelope to parse), and lets an object contain itself.
    let ty = match field.ty {
        TypeRef::Object(_) => quote!(::std::boxed::Box<#ty>),
        _ => ty,
    };
    let rename = (field.json_name != field.rust_name).then(|| {
        let json = &field.json_name;
        quote!(#[serde(rename = #json)])
    });
    let (ty, serde) = match (field.optional, field.nullable) {
        (false, false) => (ty, None),
        (optional, _) => {
            let skip = optional.then(|| quote!(, skip_serializing_if = "::core::option::Option::is_none"));
            (quote!(::core::option::Option<#ty>), Some(quote!(#[serde(default #skip)])))
        }
    };
    // Fields holding objects accept JSON objects only (serde alone would take arrays).
    let objects = field.ty.holds_objects().then(|| {
        let path = format!("{}::object", cx.private()).replace(' ', "");
        quote!(#[serde(deserialize_with = #path)])
    });
    quote! {
        #docs
        #rename
        #serde
        #objects
        pub #name: #ty,
    }
}

/// A line telling the JSON key, its spec type and whether it may be absent or null.
fn json_note(field: &FieldIr) -> String {
    let presence = match (field.optional, field.nullable) {
        (false, false) => "always present, never null",
        (true, false) => "may be absent",
        (false, true) => "may be null",
        (true, true) => "may be absent or null",
    };
    format!("JSON `{}`: {}, {presence}.", field.json_name, spec_type(&field.ty))
}

fn spec_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Primitive(p) => p.name().to_owned(),
        TypeRef::Object(_) => "object".to_owned(),
        TypeRef::Enum(_) => "enumeration".to_owned(),
        TypeRef::Union(_) => "one of several kinds".to_owned(),
        TypeRef::Array(inner) => format!("array of {}", spec_type(inner)),
    }
}
