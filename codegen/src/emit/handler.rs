//! `WebhookHandler` and `AsyncWebhookHandler`: one method per message, each with a
//! default body, and a dispatching `handle`; the runtime's `Webhook` and `Dispatch` for
//! `WebhookEvent`, and the `receiver` constructor that ties them to the runtime's receiver.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Context, MessageNames, doc, ident};
use crate::resolved::MessageIr;

pub(super) fn emit(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let messages = &cx.ir.messages;
    let MessageNames { variants, methods, params, unknown } = cx.names;
    let sync_methods = messages.iter().map(|m| sync_method(cx, m));
    let async_methods = messages.iter().map(|m| async_method(cx, m));
    // The runtime's own types have `Receiver::new`: a crate-root `receiver` function there
    // would clash with the `receiver` module in users' imports.
    let receiver = (!cx.krate().is_crate_root()).then(|| {
        quote! {
            /// A receiver of these webhooks for `handler`: it checks signatures with `verifier`,
            /// then parses, deduplicates in memory and dispatches each delivery (see the
            /// runtime's `Receiver` for validation, a shared deduplicator, a body limit and,
            /// with the `axum` feature, `into_router`).
            #[allow(dead_code)]
            pub fn receiver<__H: AsyncWebhookHandler>(
                verifier: #krate::verify::Verifier,
                handler: __H,
            ) -> #krate::receiver::Receiver<WebhookEvent, __H> {
                #krate::receiver::Receiver::for_events(verifier, handler)
            }
        }
    });
    let unimplemented = format!(
        "`{{Self}}` is not a handler of the webhooks of spec \"{}\": it does not implement the `AsyncWebhookHandler` generated from it",
        cx.ir.title.replace('{', "{{").replace('}', "}}")
    );
    quote! {
        /// Receives parsed webhooks, one method per webhook type.
        ///
        /// Every method has a default body that accepts the webhook and does nothing, so an
        /// implementation overrides only the types it cares about. [`WebhookHandler::handle`]
        /// routes a [`WebhookEvent`] to its method.
        #[allow(dead_code)]
        pub trait WebhookHandler {
            #(#sync_methods)*

            /// Called for a webhook type the spec does not know.
            fn on_unknown(&mut self, event: #krate::UnknownEvent) -> #krate::HandlerResult {
                let _ = event;
                ::core::result::Result::Ok(())
            }

            /// Routes `event` to the method for its webhook type.
            fn handle(&mut self, event: WebhookEvent) -> #krate::HandlerResult {
                match event {
                    #(WebhookEvent::#variants { #params: payload, .. } => self.#methods(*payload),)*
                    WebhookEvent::#unknown(event) => self.on_unknown(event),
                }
            }
        }

        /// The asynchronous flavour of [`WebhookHandler`], for receiving: methods take `&self`
        /// and return `Send` futures, so a handler can be shared across tasks, and each gets
        /// the delivery's unique key, organization and signature scheme next to the payload.
        /// The `receiver` function generated beside it serves it.
        #[diagnostic::on_unimplemented(
            message = #unimplemented,
            note = "a receiver takes a handler of the `AsyncWebhookHandler` generated beside it, from the same spec"
        )]
        #[allow(dead_code)]
        pub trait AsyncWebhookHandler: ::core::marker::Send + ::core::marker::Sync {
            #(#async_methods)*

            /// Called for a webhook type the spec does not know.
            fn on_unknown(
                &self,
                event: #krate::UnknownEvent,
                delivery: &#krate::Delivery,
            ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
                let _ = (event, delivery);
                ::core::future::ready(::core::result::Result::Ok(()))
            }

            /// Routes `event` to the method for its webhook type.
            fn handle(
                &self,
                event: WebhookEvent,
                delivery: &#krate::Delivery,
            ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
                async move {
                    match event {
                        #(WebhookEvent::#variants { #params: payload, .. } => self.#methods(*payload, delivery).await,)*
                        WebhookEvent::#unknown(event) => self.on_unknown(event, delivery).await,
                    }
                }
            }
        }

        impl #krate::FromBody for WebhookEvent {
            fn from_slice(body: &[::core::primitive::u8]) -> ::core::result::Result<Self, #krate::ParseError> {
                WebhookEvent::from_slice(body)
            }
        }

        impl #krate::Webhook for WebhookEvent {
            fn webhook_type(&self) -> &::core::primitive::str {
                WebhookEvent::webhook_type(self)
            }

            fn organization_id(&self) -> ::core::option::Option<&::core::primitive::str> {
                WebhookEvent::organization_id(self)
            }
        }

        impl<__H: AsyncWebhookHandler> #krate::Dispatch<__H> for WebhookEvent {
            fn dispatch(
                self,
                handler: &__H,
                delivery: &#krate::Delivery,
            ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
                handler.handle(self, delivery)
            }
        }

        #receiver
    }
}

fn method_doc(m: &MessageIr) -> TokenStream {
    let note = super::event::status_note(m);
    doc(&format!("Called for `{}`: {}\n\n{}{note}", m.webhook_type, m.title, m.description))
}

/// What both handler traits' method for `m` are made of: docs, name, parameter and
/// payload type.
fn method_parts(cx: &Context<'_>, m: &MessageIr) -> (TokenStream, Ident, Ident, Ident) {
    (method_doc(m), ident(&m.method), ident(&m.param), ident(&cx.ir.object(m.payload).name))
}

fn sync_method(cx: &Context<'_>, m: &MessageIr) -> TokenStream {
    let krate = cx.krate();
    let (docs, method, param, payload) = method_parts(cx, m);
    quote! {
        #docs
        fn #method(&mut self, #param: #payload) -> #krate::HandlerResult {
            let _ = #param;
            ::core::result::Result::Ok(())
        }
    }
}

fn async_method(cx: &Context<'_>, m: &MessageIr) -> TokenStream {
    let krate = cx.krate();
    let (docs, method, param, payload) = method_parts(cx, m);
    // A payload parameter may itself be called `delivery`.
    let delivery = ident(if m.param == "delivery" { "context" } else { "delivery" });
    quote! {
        #docs
        fn #method(
            &self,
            #param: #payload,
            #delivery: &#krate::Delivery,
        ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
            let _ = (#param, #delivery);
            ::core::future::ready(::core::result::Result::Ok(()))
        }
    }
}
