//! One struct per object.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, Flavour, StdDerive, doc, ident};
use crate::resolved::{FieldIr, ObjectId, ObjectIr, Since, TypeRef};

pub(super) fn emit(cx: &Context<'_>, id: ObjectId, object: &ObjectIr) -> TokenStream {
    let krate = cx.krate();
    let derives = cx.derives(
        &[
            StdDerive::Debug.path(),
            StdDerive::Clone.path(),
            StdDerive::PartialEq.path(),
            quote!(#krate::__private::serde::Serialize),
            quote!(#krate::__private::serde::Deserialize),
        ],
        &[],
    );
    let serde_crate = cx.serde_crate();
    let docs = doc(&object.description);
    let name = ident(&object.name);
    let fields = object.fields.iter().map(|f| field(cx, id, f));
    let private = cx.private();
    let (generics, impl_generics) = match cx.flavour {
        Flavour::Borrowed if cx.lending[id.0] => (quote!(<'a>), quote!(<'de: 'a, 'a>)),
        _ => (quote!(), quote!(<'de>)),
    };
    quote! {
        #docs
        #derives
        #serde_crate
        #[allow(dead_code)]
        pub struct #name #generics {
            #(#fields)*
        }

        impl #impl_generics #private::DeserializeObject<'de> for #name #generics {
            fn deserialize_object<__D: #private::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_map_only(deserializer)
            }
        }
    }
}

fn field(cx: &Context<'_>, owner: ObjectId, field: &FieldIr) -> TokenStream {
    let docs = doc(&format!("{}\n\n{}", field.description, json_note(field)));
    let name = ident(&field.rust_name);
    let ty = cx.rust_type(&field.ty);
    // Owned nested objects are boxed: it keeps every struct small enough for the
    // allocator's fast path when a payload is boxed (measured: a 1.4 KB invoice cost more
    // to allocate than its whole envelope to parse), and lets an object contain itself.
    // Borrowed ones are held in place, to save the allocations, unless that would make
    // an object contain itself.
    let boxed = match (field.ty.clone(), cx.flavour) {
        (TypeRef::Object(_), Flavour::Owned) => true,
        (TypeRef::Object(target), Flavour::Borrowed) => cx.ir.leads_back(owner, target),
        _ => false,
    };
    let ty = if boxed { quote!(::std::boxed::Box<#ty>) } else { ty };
    // serde borrows plain `&str` fields by itself; fields of types with a lifetime must
    // say so.
    let borrow = (cx.flavour == Flavour::Borrowed && cx.lends(&field.ty)).then(|| quote!(#[serde(borrow)]));
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
        let path = cx.private().join("object").to_string();
        quote!(#[serde(deserialize_with = #path)])
    });
    quote! {
        #docs
        #rename
        #serde
        #borrow
        #objects
        pub #name: #ty,
    }
}

/// The conversions of a borrowed-flavour struct into its owned counterpart.
pub(super) fn into_owned(cx: &Context<'_>, object: &ObjectIr) -> TokenStream {
    let private = cx.private();
    let name = ident(&object.name);
    let ty = cx.impl_type(&object.name);
    let fields: Vec<_> = object.fields.iter().map(|f| ident(&f.rust_name)).collect();
    quote! {
        impl #private::IntoOwned<super::#name> for #ty {
            fn into_owned(self) -> super::#name {
                super::#name {
                    #(#fields: #private::IntoOwned::into_owned(self.#fields),)*
                }
            }
        }

        impl #private::IntoOwned<::std::boxed::Box<super::#name>> for #ty {
            fn into_owned(self) -> ::std::boxed::Box<super::#name> {
                ::std::boxed::Box::new(#private::IntoOwned::into_owned(self))
            }
        }

        impl #ty {
            /// The owned value, every text copied.
            pub fn into_owned(self) -> super::#name {
                #private::IntoOwned::into_owned(self)
            }
        }
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
    let releases = match (field.since, field.until) {
        (Since::Release(since), None) => format!(" Sent since Lago {since}."),
        (Since::Release(since), Some(until)) => format!(" Sent from Lago {since} to {until}."),
        (Since::Always, Some(until)) => format!(" Sent until Lago {until}."),
        (Since::Unreleased, _) => " Sent by no Lago release yet.".to_owned(),
        (Since::Always, None) => String::new(),
    };
    format!("JSON `{}`: {}, {presence}.{releases}", field.json_name, spec_type(&field.ty))
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
