//! The `borrowed` module: the zero-copy flavour of the objects and the event.
//!
//! The same names with a lifetime `'a`: text (ids, dates, currencies, strings, decimals)
//! is a `Text<'a>` or `Decimal<'a>` pointing into the parsed body, nested objects are
//! held in place rather than boxed. Enumerations, unions and `WebhookType` are the owned
//! ones: known enumeration values allocate nothing, and unions are rare. The parse, the
//! errors and the validation are the owned flavour's, through the same runtime support.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, MessageNames, doc, event, ident, objects, validate};
use crate::resolved::{ObjectId, TypeRef};
use crate::settings::Settings;

pub(super) fn emit(cx: &Context<'_>) -> TokenStream {
    // The module is one level down.
    let settings = Settings { runtime: cx.settings.runtime.from_child_module(), ..cx.settings.clone() };
    let cx = &Context { settings: &settings, ..*cx };
    let private = cx.private();
    let objects = cx.ir.objects.iter().enumerate().map(|(i, o)| objects::emit(cx, ObjectId(i), o));
    let into_owned = cx.ir.objects.iter().map(|o| objects::into_owned(cx, o));
    // Types both flavours share convert to themselves.
    let shared =
        cx.ir.enums.iter().map(|e| ident(&e.name)).chain(cx.ir.unions.iter().map(|u| ident(&u.name))).map(
            |name| {
                quote! {
                    impl #private::IntoOwned<super::#name> for super::#name {
                        fn into_owned(self) -> super::#name {
                            self
                        }
                    }
                }
            },
        );
    let event = webhook_event(cx);
    let handler = handler(cx);
    let validation = cx.settings.validate.then(|| validate::emit_borrowed(cx));
    quote! {
        /// The zero-copy flavour of these types: the same names with a lifetime, their text
        /// borrowed from the body they were parsed from. Parse with
        /// [`borrowed::WebhookEvent::from_slice`](WebhookEvent::from_slice); `into_owned()`
        /// gives the owned value.
        #[allow(dead_code)]
        pub mod borrowed {
            pub use super::WebhookType;
            // Whatever names the invoking module uses (such as a `crate = ...` path of its
            // own) resolve here too.
            #[allow(unused_imports)]
            use super::*;

            #event
            #handler
            #(#objects)*
            #(#into_owned)*
            #(#shared)*
            #validation
        }
    }
}

/// `borrowed::WebhookHandler<'a>`: the owned `WebhookHandler`'s methods, taking borrowed
/// payloads. The lifetime is the trait's, so that a handler may keep what it reads.
fn handler(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let messages = &cx.ir.messages;
    let MessageNames { variants, methods, params, unknown } = cx.names;
    let marker = cx.marker_arm();
    let declarations = messages.iter().map(|m| {
        let docs = doc(&format!("Called for `{}`: {}", m.webhook_type, m.title));
        let method = ident(&m.method);
        let param = ident(&m.param);
        let payload = cx.rust_type(&TypeRef::Object(m.payload));
        quote! {
            #docs
            fn #method(&mut self, #param: #payload) -> #krate::HandlerResult {
                let _ = #param;
                ::core::result::Result::Ok(())
            }
        }
    });
    quote! {
        /// Receives webhooks parsed in the borrowed flavour, one method per webhook type,
        /// as the owned `WebhookHandler` does: every method accepts and does nothing by
        /// default, and [`WebhookHandler::handle`] routes an event to its method.
        pub trait WebhookHandler<'a> {
            #(#declarations)*

            /// Called for a webhook type the spec does not know.
            fn on_unknown(&mut self, event: #krate::UnknownEvent) -> #krate::HandlerResult {
                let _ = event;
                ::core::result::Result::Ok(())
            }

            /// Routes `event` to the method for its webhook type.
            fn handle(&mut self, event: WebhookEvent<'a>) -> #krate::HandlerResult {
                match event {
                    #(WebhookEvent::#variants { #params: payload, .. } => self.#methods(*payload),)*
                    WebhookEvent::#unknown(event) => self.on_unknown(event),
                    #marker
                }
            }
        }
    }
}

fn webhook_event(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let private = cx.private();
    let messages = &cx.ir.messages;
    let MessageNames { variants, params, unknown, .. } = cx.names;
    let payloads: Vec<_> = messages.iter().map(|m| cx.rust_type(&TypeRef::Object(m.payload))).collect();
    let docs = messages.iter().map(|m| {
        let note = event::status_note(m);
        doc(&format!("`{}`: {}\n\n{}{note}", m.webhook_type, m.title, m.description))
    });
    let marker = cx.marker_arm();
    // Without messages nothing would use the lifetime: a variant that cannot exist does.
    let marker_variant = marker.is_some().then(|| {
        quote! {
            #[doc(hidden)]
            __Lifetime(::core::convert::Infallible, ::core::marker::PhantomData<&'a ()>),
        }
    });
    let payload_docs = messages.iter().map(|m| doc(&format!("The `{}` payload.", m.payload_key)));
    let accessors = event::accessors(cx);
    let serde = event::serde_impls(cx);
    let catalog = event::catalog_impl(cx);
    quote! {
        /// A webhook as Lago sends it, borrowing from the body it was parsed from: one
        /// variant per webhook type, each holding its typed payload and the envelope's
        /// `organization_id`.
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        #[non_exhaustive]
        pub enum WebhookEvent<'a> {
            #(#docs #variants {
                #payload_docs
                #params: ::std::boxed::Box<#payloads>,
                /// The `organization_id` of the envelope, if it had one.
                organization_id: ::core::option::Option<#krate::borrowed::Text<'a>>,
            },)*
            /// A webhook type the spec does not know, kept as received (owned).
            #unknown(#krate::UnknownEvent),
            #marker_variant
        }

        impl<'a> WebhookEvent<'a> {
            /// Parses a webhook body, borrowing its text: the same acceptance and the same
            /// errors as the owned `WebhookEvent::from_slice`.
            pub fn from_slice(body: &'a [::core::primitive::u8]) -> ::core::result::Result<WebhookEvent<'a>, #krate::ParseError> {
                #private::parse_event(body)
            }

            #accessors

            /// The owned event, every text copied.
            pub fn into_owned(self) -> super::WebhookEvent {
                #private::IntoOwned::into_owned(self)
            }
        }

        impl #private::IntoOwned<super::WebhookEvent> for WebhookEvent<'_> {
            fn into_owned(self) -> super::WebhookEvent {
                match self {
                    #(WebhookEvent::#variants { #params, organization_id } => super::WebhookEvent::#variants {
                        #params: #private::IntoOwned::into_owned(#params),
                        organization_id: #private::IntoOwned::into_owned(organization_id),
                    },)*
                    WebhookEvent::#unknown(event) => super::WebhookEvent::#unknown(event),
                    #marker
                }
            }
        }

        #catalog

        #serde
    }
}
