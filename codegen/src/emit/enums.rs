//! One enum per enumeration, open to values the spec does not list.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, StdDerive, doc, ident};
use crate::resolved::EnumIr;

pub(super) fn emit(cx: &Context<'_>, e: &EnumIr) -> TokenStream {
    let private = cx.private();
    let builtin = [StdDerive::Debug, StdDerive::Clone, StdDerive::PartialEq, StdDerive::Eq, StdDerive::Hash]
        .map(StdDerive::path);
    let derives = cx.derives(&builtin, &["Serialize", "Deserialize"]);
    let docs = doc(&e.description);
    let name = ident(&e.name);
    let unknown = ident(&e.unknown_variant);
    let variants: Vec<_> = e.values.iter().map(|v| ident(&v.variant)).collect();
    let values: Vec<_> = e.values.iter().map(|v| &v.value).collect();
    let variant_docs = e.values.iter().map(|v| {
        let text = if v.description.is_empty() {
            format!("`{}`", v.value)
        } else {
            format!("`{}`: {}", v.value, v.description)
        };
        doc(&text)
    });
    let http_status = http_status(e);
    quote! {
        #docs
        #derives
        #[allow(dead_code)]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value the spec does not list, kept exactly as sent. Build values with
            /// `parse` rather than with this variant, so that a listed value gets its own.
            #unknown(::std::string::String),
        }

        #[allow(dead_code)]
        impl #name {
            /// Every value the spec lists.
            pub const KNOWN: &'static [#name] = &[#(#name::#variants),*];

            /// The value as Lago sends it.
            pub fn as_str(&self) -> &::core::primitive::str {
                match self {
                    #(#name::#variants => #values,)*
                    #name::#unknown(value) => value,
                }
            }

            /// Whether the value is one the spec lists.
            pub fn is_known(&self) -> ::core::primitive::bool {
                !::core::matches!(self, #name::#unknown(_))
            }

            #http_status
        }

        impl #private::StringEnum for #name {
            fn from_known(value: &::core::primitive::str) -> ::core::option::Option<Self> {
                match value {
                    #(#values => ::core::option::Option::Some(#name::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }

            fn from_unknown(value: ::std::string::String) -> Self {
                #name::#unknown(value)
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for #name {
            type Err = ::core::convert::Infallible;

            fn from_str(value: &::core::primitive::str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(#private::parse_string_enum(value))
            }
        }

        impl #private::serde::Serialize for #name {
            fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #private::serde::Deserialize<'de> for #name {
            fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_string_enum(deserializer)
            }
        }
    }
}

/// `http_status()`, only for enumerations whose values carry one (error codes).
fn http_status(e: &EnumIr) -> Option<TokenStream> {
    if e.values.iter().all(|v| v.http_status.is_none()) {
        return None;
    }
    let name = ident(&e.name);
    let arms = e.values.iter().filter_map(|v| {
        let variant = ident(&v.variant);
        let status = v.http_status?;
        Some(quote!(#name::#variant => ::core::option::Option::Some(#status),))
    });
    Some(quote! {
        /// The HTTP status the documentation pairs with this value, if any.
        pub fn http_status(&self) -> ::core::option::Option<::core::primitive::u16> {
            match self {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    })
}
