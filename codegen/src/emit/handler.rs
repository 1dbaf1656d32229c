//! `WebhookHandler` and `AsyncWebhookHandler`: one method per message, each with a
//! default body, and a dispatching `handle`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, doc, ident};
use crate::ir::MessageIr;

pub(super) fn emit(cx: &Context<'_>) -> TokenStream {
    let krate = cx.krate();
    let messages = &cx.ir.messages;
    let variants: Vec<_> = messages.iter().map(|m| ident(&m.variant)).collect();
    let methods: Vec<_> = messages.iter().map(|m| ident(&m.method)).collect();
    let params: Vec<_> = messages.iter().map(|m| ident(&m.param)).collect();
    let unknown = ident(&cx.ir.unknown_event_variant);
    let sync_methods = messages.iter().map(|m| sync_method(cx, m));
    let async_methods = messages.iter().map(|m| async_method(cx, m));
    quote! {
        /// Receives parsed webhooks, one method per webhook type.
        ///
        /// Every method has a default body that accepts the webhook and does nothing, so an
        /// implementation overrides only the types it cares about. [`WebhookHandler::handle`]
        /// routes a [`WebhookEvent`] to its method.
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

        /// The asynchronous flavour of [`WebhookHandler`]: methods take `&self` and return
        /// `Send` futures, so a handler can be shared across tasks (in an axum state, say).
        pub trait AsyncWebhookHandler: ::core::marker::Send + ::core::marker::Sync {
            #(#async_methods)*

            /// Called for a webhook type the spec does not know.
            fn on_unknown(
                &self,
                event: #krate::UnknownEvent,
            ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
                let _ = event;
                ::core::future::ready(::core::result::Result::Ok(()))
            }

            /// Routes `event` to the method for its webhook type.
            fn handle(
                &self,
                event: WebhookEvent,
            ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
                async move {
                    match event {
                        #(WebhookEvent::#variants { #params: payload, .. } => self.#methods(*payload).await,)*
                        WebhookEvent::#unknown(event) => self.on_unknown(event).await,
                    }
                }
            }
        }
    }
}

fn method_doc(m: &MessageIr) -> TokenStream {
    let note = super::event::status_note(m);
    doc(&format!("Called for `{}`: {}\n\n{}{note}", m.webhook_type, m.title, m.description))
}

fn sync_method(cx: &Context<'_>, m: &MessageIr) -> TokenStream {
    let krate = cx.krate();
    let docs = method_doc(m);
    let method = ident(&m.method);
    let param = ident(&m.param);
    let payload = ident(&cx.ir.objects[m.payload].name);
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
    let docs = method_doc(m);
    let method = ident(&m.method);
    let param = ident(&m.param);
    let payload = ident(&cx.ir.objects[m.payload].name);
    quote! {
        #docs
        fn #method(
            &self,
            #param: #payload,
        ) -> impl ::core::future::Future<Output = #krate::HandlerResult> + ::core::marker::Send {
            let _ = #param;
            ::core::future::ready(::core::result::Result::Ok(()))
        }
    }
}
