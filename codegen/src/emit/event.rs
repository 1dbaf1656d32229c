//! `WebhookType` (the known type strings) and `WebhookEvent` (a parsed envelope).

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, Flavour, MessageNames, StdDerive, doc, ident};
use crate::resolved::{Lifecycle, MessageIr, TypeRef};

/// Paragraphs telling whether Lago still sends a message, what it needs and which
/// releases changed it, each preceded by a blank line, or "" when there is nothing to say.
pub(super) fn status_note(m: &MessageIr) -> String {
    let lifecycle = match m.lifecycle {
        Lifecycle::Current => "",
        Lifecycle::Deprecated => "Deprecated: Lago still sends it but has announced its removal.",
        Lifecycle::Retired => "Retired: current Lago no longer sends it; older versions still in use may.",
        Lifecycle::Unreleased => "Unreleased: sent by Lago's development version only, by no release yet.",
    };
    let premium = match &m.premium {
        Some(add_on) => format!("Sent only by organizations with Lago's paid add-on `{add_on}`."),
        None => String::new(),
    };
    let note = [lifecycle, premium.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
    let mut text = if note.is_empty() { String::new() } else { format!("\n\n{}", note.join(" ")) };
    for change in &m.changes {
        let breaking = if change.breaking { " (breaking)" } else { "" };
        text.push_str(&format!("\n\nChanged in Lago {}{breaking}: {}", change.release, change.description));
    }
    text
}

pub(super) fn emit_webhook_type(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let messages = &cx.ir.messages;
    let MessageNames { variants, .. } = cx.names;
    let types: Vec<_> = messages.iter().map(|m| &m.webhook_type).collect();
    let object_types = messages.iter().map(|m| &m.object_type);
    let payload_keys = messages.iter().map(|m| &m.payload_key);
    let titles = messages.iter().map(|m| &m.title);
    let examples = messages.iter().map(MessageIr::example_or_bare);
    let docs = messages.iter().map(|m| doc(&format!("`{}`: {}{}", m.webhook_type, m.title, status_note(m))));
    let lifecycle = |wanted: Lifecycle, name: &str| {
        let matching: Vec<_> =
            messages.iter().filter(|m| m.lifecycle == wanted).map(|m| ident(&m.variant)).collect();
        let variant = ident(name);
        (!matching.is_empty()).then(|| quote!(#(WebhookType::#matching)|* => #krate::Lifecycle::#variant,))
    };
    let lifecycle_arms = [
        lifecycle(Lifecycle::Current, "Current"),
        lifecycle(Lifecycle::Deprecated, "Deprecated"),
        lifecycle(Lifecycle::Retired, "Retired"),
        lifecycle(Lifecycle::Unreleased, "Unreleased"),
    ];
    // One arm per add-on, and one for the messages that need none.
    let mut premium_groups: Vec<(Option<&str>, Vec<_>)> = Vec::new();
    for m in messages {
        let key = m.premium.as_deref();
        match premium_groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(ident(&m.variant)),
            None => premium_groups.push((key, vec![ident(&m.variant)])),
        }
    }
    let premium_arms = premium_groups.iter().map(|(add_on, group)| {
        let value = match add_on {
            Some(add_on) => quote!(::core::option::Option::Some(#add_on)),
            None => quote!(::core::option::Option::None),
        };
        quote!(#(WebhookType::#group)|* => #value,)
    });
    let derives = [
        StdDerive::Debug,
        StdDerive::Clone,
        StdDerive::Copy,
        StdDerive::PartialEq,
        StdDerive::Eq,
        StdDerive::Hash,
        StdDerive::PartialOrd,
        StdDerive::Ord,
    ]
    .map(StdDerive::path);
    quote! {
        /// Every webhook type the spec defines.
        ///
        /// Non-exhaustive: a later version of the spec may add types, so a `match` on it
        /// from another crate needs a wildcard arm.
        #[derive(#(#derives),*)]
        #[non_exhaustive]
        #[allow(dead_code)]
        pub enum WebhookType {
            #(#docs #variants,)*
        }

        #[allow(dead_code)]
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

            /// The spec's example envelope of this type, as compact JSON with the envelope
            /// keys in Lago's order, for testing handlers without writing payloads; a bare
            /// envelope with an empty payload when the spec has no example.
            ///
            /// Every example of the bundled spec is realistic, parses into its own
            /// `WebhookEvent` variant and validates clean (its test suite checks it).
            pub const fn example(self) -> &'static ::core::primitive::str {
                match self {
                    #(WebhookType::#variants => #examples,)*
                }
            }

            /// Whether current Lago still sends this type.
            pub const fn lifecycle(self) -> #krate::Lifecycle {
                match self {
                    #(#lifecycle_arms)*
                }
            }

            /// The paid Lago add-on without which this type is never sent, if any.
            pub const fn premium(self) -> ::core::option::Option<&'static ::core::primitive::str> {
                match self {
                    #(#premium_arms)*
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
    let MessageNames { variants, params, unknown, .. } = cx.names;
    let payloads: Vec<_> = messages.iter().map(|m| ident(&cx.ir.object(m.payload).name)).collect();
    let docs = messages
        .iter()
        .map(|m| doc(&format!("`{}`: {}\n\n{}{}", m.webhook_type, m.title, m.description, status_note(m))));
    let payload_docs = messages.iter().map(|m| doc(&format!("The `{}` payload.", m.payload_key)));
    // One arm for every known variant (none when the spec has no message).
    let accessors = accessors(cx);
    let serde = serde_impls(cx);
    let catalog = catalog_impl(cx);
    // Not `cx.derives`: the extra derives are for the spec's types, and the catch-all
    // variant holds a runtime type that cannot take arbitrary derives.
    let derives = [StdDerive::Debug, StdDerive::Clone, StdDerive::PartialEq].map(StdDerive::path);
    quote! {
        /// A webhook as Lago sends it: one variant per webhook type, each holding its typed
        /// payload and the envelope's `organization_id`.
        ///
        /// Parse one with [`WebhookEvent::from_slice`]; serializing it gives back the envelope.
        /// Non-exhaustive: a later version of the spec may add types, so a `match` on it from
        /// another crate needs a wildcard arm.
        #[derive(#(#derives),*)]
        #[non_exhaustive]
        #[allow(dead_code)]
        pub enum WebhookEvent {
            #(#docs #variants {
                #payload_docs
                #params: ::std::boxed::Box<#payloads>,
                /// The `organization_id` of the envelope: the Lago organization the webhook
                /// is about. Lago versions before September 2025 send none.
                organization_id: ::core::option::Option<::std::string::String>,
            },)*
            /// A webhook type the spec does not know, kept as received.
            #unknown(#krate::UnknownEvent),
        }

        #[allow(dead_code)]
        impl WebhookEvent {
            /// Parses a webhook body.
            ///
            /// Unknown fields and enumeration values are accepted; a webhook type the spec
            /// does not know becomes the catch-all variant. A known type whose payload does
            /// not match the spec is an error, with the JSON Pointer, line and column.
            pub fn from_slice(body: &[::core::primitive::u8]) -> ::core::result::Result<WebhookEvent, #krate::ParseError> {
                #private::parse_event(body)
            }

            #accessors
        }

        #catalog

        #serde

        /// Parses a webhook body held as text (`body.parse::<WebhookEvent>()`); see
        /// [`WebhookEvent::from_slice`].
        impl ::core::str::FromStr for WebhookEvent {
            type Err = #krate::ParseError;

            fn from_str(body: &::core::primitive::str) -> ::core::result::Result<Self, Self::Err> {
                #private::parse_event(body.as_bytes())
            }
        }
    }
}

/// `webhook_type`, `known_type` and `organization_id`, the same in both flavours.
pub(super) fn accessors(cx: &Context<'_>) -> TokenStream {
    let marker = cx.marker_arm();
    let MessageNames { variants, unknown, .. } = cx.names;
    // One arm for every known variant (none when the spec has no message).
    let organization_arm = (!variants.is_empty())
        .then(|| quote!(#(WebhookEvent::#variants { organization_id, .. })|* => organization_id.as_deref(),));
    quote! {
        /// The `webhook_type` string, known to the spec or not.
        pub fn webhook_type(&self) -> &::core::primitive::str {
            match self {
                #(WebhookEvent::#variants { .. } => WebhookType::#variants.as_str(),)*
                WebhookEvent::#unknown(event) => event.webhook_type(),
                #marker
            }
        }

        /// The webhook type, when the spec defines it.
        pub fn known_type(&self) -> ::core::option::Option<WebhookType> {
            match self {
                #(WebhookEvent::#variants { .. } => ::core::option::Option::Some(WebhookType::#variants),)*
                WebhookEvent::#unknown(_) => ::core::option::Option::None,
                #marker
            }
        }

        /// The `organization_id` of the envelope, if it had one (Lago versions before
        /// September 2025 send none).
        pub fn organization_id(&self) -> ::core::option::Option<&::core::primitive::str> {
            match self {
                #organization_arm
                WebhookEvent::#unknown(event) => event.organization_id.as_deref(),
                #marker
            }
        }
    }
}

/// `Serialize` (the envelope, in Lago's key order) and `Deserialize` (any deserializer)
/// of the flavour's event type.
pub(super) fn serde_impls(cx: &Context<'_>) -> TokenStream {
    let (ty, de_generics, de_ty) =
        (cx.impl_type("WebhookEvent"), cx.flavour.de_generics(), cx.flavour.event_type());
    let private = cx.private();
    let MessageNames { variants, params, unknown, .. } = cx.names;
    let marker = cx.marker_arm();
    quote! {
        impl #private::serde::Serialize for #ty {
            fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                match self {
                    #(WebhookEvent::#variants { #params: payload, organization_id } => {
                        #private::serialize_envelope(serializer, WebhookType::#variants, organization_id.as_deref(), &**payload)
                    })*
                    WebhookEvent::#unknown(event) => #private::serde::Serialize::serialize(event, serializer),
                    #marker
                }
            }
        }

        impl #de_generics #private::serde::Deserialize<'de> for #de_ty {
            fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_event(deserializer)
            }
        }
    }
}

/// The runtime's `Catalog` for the flavour's event type: payloads by webhook type, and
/// the envelope's organization, converted from the `Cow` the envelope read into the
/// flavour's text.
pub(super) fn catalog_impl(cx: &Context<'_>) -> TokenStream {
    let (generics, ty) = (cx.flavour.de_generics(), cx.flavour.event_type());
    let krate = cx.krate();
    let private = cx.private();
    let messages = &cx.ir.messages;
    let MessageNames { variants, params, unknown, .. } = cx.names;
    let payloads: Vec<_> = messages.iter().map(|m| cx.rust_type(&TypeRef::Object(m.payload))).collect();
    let marker = cx.marker_arm();
    let organization = match cx.flavour {
        Flavour::Owned => quote!(::std::borrow::Cow::into_owned),
        Flavour::Borrowed => quote!(#krate::borrowed::Text::from),
    };
    let organization_arm = (!variants.is_empty()).then(
        || quote!(#(WebhookEvent::#variants { organization_id, .. })|* => *organization_id = id.map(#organization),),
    );
    quote! {
        impl #generics #private::Catalog<'de> for #ty {
            type Kind = WebhookType;

            fn lookup(webhook_type: &::core::primitive::str) -> ::core::option::Option<WebhookType> {
                WebhookType::lookup(webhook_type)
            }

            fn deserialize_payload<__D: #private::serde::Deserializer<'de>>(
                kind: WebhookType,
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                match kind {
                    #(WebhookType::#variants => {
                        let payload = <#payloads as #private::DeserializeObject<'de>>::deserialize_object(deserializer)?;
                        ::core::result::Result::Ok(WebhookEvent::#variants {
                            #params: ::std::boxed::Box::new(payload),
                            organization_id: ::core::option::Option::None,
                        })
                    })*
                }
            }

            fn unknown(event: #krate::UnknownEvent) -> Self {
                WebhookEvent::#unknown(event)
            }

            fn set_organization_id(&mut self, id: ::core::option::Option<::std::borrow::Cow<'de, ::core::primitive::str>>) {
                match self {
                    #organization_arm
                    // The catch-all holds the organization it was built with.
                    WebhookEvent::#unknown(_) => {}
                    #marker
                }
            }
        }
    }
}
