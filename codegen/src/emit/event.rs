//! `WebhookType` (the known type strings) and `WebhookEvent` (a parsed envelope).

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, doc, ident, std_derive};

pub(super) fn emit_webhook_type(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let messages = &cx.ir.messages;
    let variants: Vec<_> = messages.iter().map(|m| ident(&m.variant)).collect();
    let types: Vec<_> = messages.iter().map(|m| &m.webhook_type).collect();
    let object_types = messages.iter().map(|m| &m.object_type);
    let payload_keys = messages.iter().map(|m| &m.payload_key);
    let titles = messages.iter().map(|m| &m.title);
    let docs = messages.iter().map(|m| doc(&format!("`{}`: {}", m.webhook_type, m.title)));
    let derives = ["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash", "PartialOrd", "Ord"].map(std_derive);
    quote! {
        /// Every webhook type the spec defines.
        #[derive(#(#derives),*)]
        pub enum WebhookType {
            #(#docs #variants,)*
        }

        impl WebhookType {
            /// Every webhook type, in spec order.
            pub const ALL: &'static [WebhookType] = &[#(WebhookType::#variants),*];

            /// The `webhook_type` string Lago sends.
            pub const fn as_str(self) -> &'static ::core::primitive::str {
                match self {
                    #(WebhookType::#variants => #types,)*
                }
            }

            /// The `object_type` string Lago sends with it.
            pub const fn object_type(self) -> &'static ::core::primitive::str {
                match self {
                    #(WebhookType::#variants => #object_types,)*
                }
            }

            /// The envelope key holding the payload.
            pub const fn payload_key(self) -> &'static ::core::primitive::str {
                match self {
                    #(WebhookType::#variants => #payload_keys,)*
                }
            }

            /// A short human title.
            pub const fn title(self) -> &'static ::core::primitive::str {
                match self {
                    #(WebhookType::#variants => #titles,)*
                }
            }

            /// The webhook type named `webhook_type`, if the spec defines it.
            pub fn lookup(webhook_type: &::core::primitive::str) -> ::core::option::Option<WebhookType> {
                match webhook_type {
                    #(#types => ::core::option::Option::Some(WebhookType::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl #krate::__private::WebhookKind for WebhookType {
            fn webhook_type(self) -> &'static ::core::primitive::str {
                self.as_str()
            }

            fn object_type(self) -> &'static ::core::primitive::str {
                WebhookType::object_type(self)
            }

            fn payload_key(self) -> &'static ::core::primitive::str {
                WebhookType::payload_key(self)
            }
        }

        impl ::core::fmt::Display for WebhookType {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for WebhookType {
            type Err = #krate::UnknownWebhookType;

            fn from_str(value: &::core::primitive::str) -> ::core::result::Result<Self, Self::Err> {
                WebhookType::lookup(value).ok_or_else(|| #krate::UnknownWebhookType::new(value))
            }
        }
    }
}

pub(super) fn emit_webhook_event(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let private = cx.private();
    let messages = &cx.ir.messages;
    let variants: Vec<_> = messages.iter().map(|m| ident(&m.variant)).collect();
    let payloads: Vec<_> = messages.iter().map(|m| ident(&cx.ir.objects[m.payload].name)).collect();
    let docs =
        messages.iter().map(|m| doc(&format!("`{}`: {}\n\n{}", m.webhook_type, m.title, m.description)));
    let unknown = ident(&cx.ir.unknown_event_variant);
    // Not `cx.derives`: the extra derives are for the spec's types, and the catch-all
    // variant holds a runtime type that cannot take arbitrary derives.
    let derives = ["Debug", "Clone", "PartialEq"].map(std_derive);
    quote! {
        /// A webhook as Lago sends it: one variant per webhook type, each holding its typed payload.
        ///
        /// Parse one with [`WebhookEvent::from_slice`]; serializing it gives back the envelope.
        #[derive(#(#derives),*)]
        pub enum WebhookEvent {
            #(#docs #variants(::std::boxed::Box<#payloads>),)*
            /// A webhook type the spec does not know, kept as received.
            #unknown(#krate::UnknownEvent),
        }

        impl WebhookEvent {
            /// Parses a webhook body.
            ///
            /// Unknown fields and enumeration values are accepted; a webhook type the spec
            /// does not know becomes the catch-all variant. A known type whose payload does
            /// not match the spec is an error, with the JSON Pointer, line and column.
            pub fn from_slice(body: &[::core::primitive::u8]) -> ::core::result::Result<WebhookEvent, #krate::ParseError> {
                #private::parse_event(body)
            }

            /// Parses a webhook body held as text; see [`WebhookEvent::from_slice`].
            #[allow(clippy::should_implement_trait)]
            pub fn from_str(body: &::core::primitive::str) -> ::core::result::Result<WebhookEvent, #krate::ParseError> {
                #private::parse_event(body.as_bytes())
            }

            /// The `webhook_type` string, known to the spec or not.
            pub fn webhook_type(&self) -> &::core::primitive::str {
                match self {
                    #(WebhookEvent::#variants(_) => WebhookType::#variants.as_str(),)*
                    WebhookEvent::#unknown(event) => event.webhook_type(),
                }
            }

            /// The webhook type, when the spec defines it.
            pub fn known_type(&self) -> ::core::option::Option<WebhookType> {
                match self {
                    #(WebhookEvent::#variants(_) => ::core::option::Option::Some(WebhookType::#variants),)*
                    WebhookEvent::#unknown(_) => ::core::option::Option::None,
                }
            }
        }

        impl #private::Catalog for WebhookEvent {
            type Kind = WebhookType;

            fn lookup(webhook_type: &::core::primitive::str) -> ::core::option::Option<WebhookType> {
                WebhookType::lookup(webhook_type)
            }

            fn deserialize_payload<'de, __D: #private::serde::Deserializer<'de>>(
                kind: WebhookType,
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                match kind {
                    #(WebhookType::#variants => {
                        let payload = <#payloads as #private::DeserializeObject>::deserialize_object(deserializer)?;
                        ::core::result::Result::Ok(WebhookEvent::#variants(::std::boxed::Box::new(payload)))
                    })*
                }
            }

            fn unknown(event: #krate::UnknownEvent) -> Self {
                WebhookEvent::#unknown(event)
            }
        }

        impl #private::serde::Serialize for WebhookEvent {
            fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                match self {
                    #(WebhookEvent::#variants(payload) => #private::serialize_envelope(serializer, WebhookType::#variants, &**payload),)*
                    WebhookEvent::#unknown(event) => #private::serde::Serialize::serialize(event, serializer),
                }
            }
        }

        impl<'de> #private::serde::Deserialize<'de> for WebhookEvent {
            fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_event(deserializer)
            }
        }

        impl ::core::str::FromStr for WebhookEvent {
            type Err = #krate::ParseError;

            fn from_str(body: &::core::primitive::str) -> ::core::result::Result<Self, Self::Err> {
                #private::parse_event(body.as_bytes())
            }
        }
    }
}
