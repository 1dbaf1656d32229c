//! Handlers that print one line per webhook: its type, ids and amounts.
//!
//! What they print is what the sender wrote (ids, numbers, messages, an unknown webhook
//! type): every line goes through [`escaped`], so that a control character in a signed
//! field cannot clear the terminal, recolour it or forge a line of the log.

use lago_webhooks::{
    AsyncWebhookHandler, CreditNote, CreditNotePaymentProviderRefundError, Customer, Delivery, EventError,
    Fee, HandlerResult, Invoice, PaymentProviderCustomerCheckoutUrl, PaymentProviderCustomerError,
    PaymentProviderInvoicePaymentError, Subscription, UnknownEvent, WebhookEvent,
};

/// Prints what each webhook of the old docs page's types carries; accepts the others
/// silently.
pub struct Printer;

/// Prints a line for every webhook: [`Printer`]'s for the types it knows, the type and
/// ids of the payload for the others, and the attempt when it is not the first.
#[allow(dead_code)] // the demo prints with `Printer` alone
pub struct EveryType;

#[allow(dead_code)]
impl AsyncWebhookHandler for EveryType {
    async fn handle(&self, event: WebhookEvent, delivery: &Delivery) -> HandlerResult {
        if delivery.attempt > 1 {
            println!("{:<36} attempt {}", escaped(event.webhook_type()), delivery.attempt);
        }
        let printed = Printer.handle(event.clone(), delivery).await;
        if !PRINTED.contains(&event.webhook_type()) && !matches!(event, WebhookEvent::Unknown(_)) {
            let payload = serde_json::to_value(&event).unwrap_or_default();
            let ids = payload
                .as_object()
                .and_then(|envelope| envelope.values().find_map(|value| value.as_object()))
                .map(|object| {
                    let ids =
                        object.iter().filter(|(key, value)| key.starts_with("lago_") && value.is_string());
                    ids.map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            print(event.webhook_type(), if ids.is_empty() { "handled".to_owned() } else { ids.join(" ") })?;
        }
        printed
    }
}

/// The types [`Printer`] prints a line for.
#[allow(dead_code)]
const PRINTED: [&str; 16] = [
    "event.error",
    "invoice.drafted",
    "invoice.created",
    "invoice.one_off_created",
    "invoice.paid_credit_added",
    "invoice.generated",
    "invoice.payment_status_updated",
    "fee.created",
    "subscription.terminated",
    "customer.payment_provider_created",
    "customer.checkout_url_generated",
    "customer.payment_provider_error",
    "invoice.payment_failure",
    "credit_note.created",
    "credit_note.generated",
    "credit_note.refund_failure",
];

fn print(webhook_type: &str, summary: String) -> HandlerResult {
    println!("{:<36} {}", escaped(webhook_type), escaped(&summary));
    Ok(())
}

/// `text` with every character that could break or reorder a line written as `\u{1b}`,
/// as the command-line tool escapes what it prints: control characters (line breaks too:
/// one webhook, one line), line and paragraph separators, and the bidirectional
/// overrides that would show what follows them reversed.
fn escaped(text: &str) -> String {
    let escape = |c: char| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    text.chars().map(|c| if escape(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

fn invoice(invoice: &Invoice) -> String {
    let currency = invoice.currency.clone().or_else(|| invoice.total_amount_currency.clone());
    let fees = match invoice.fees.as_ref().map(Vec::len) {
        Some(1) => ", 1 fee".to_owned(),
        Some(n) => format!(", {n} fees"),
        None => String::new(),
    };
    format!(
        "invoice {} {} total {} {}{fees}, status {}",
        invoice.lago_id,
        invoice.number,
        invoice.total_amount_cents,
        currency.as_deref().unwrap_or("?"),
        invoice.status.as_ref().map_or("?", |s| s.as_str()),
    )
}

fn credit_note(note: &CreditNote) -> String {
    format!(
        "credit note {} {} for invoice {} total {} refund {} reason {}",
        note.lago_id,
        note.number,
        note.invoice_number,
        note.total_amount_cents,
        note.refund_amount_cents,
        note.reason
    )
}

impl AsyncWebhookHandler for Printer {
    async fn on_event_error(&self, error: EventError, _: &Delivery) -> HandlerResult {
        print("event.error", format!("event error {} {}: {}", error.status, error.error, error.message))
    }

    async fn on_invoice_drafted(&self, payload: Invoice, _: &Delivery) -> HandlerResult {
        print("invoice.drafted", invoice(&payload))
    }

    async fn on_invoice_created(&self, payload: Invoice, _: &Delivery) -> HandlerResult {
        print("invoice.created", invoice(&payload))
    }

    async fn on_invoice_one_off_created(&self, payload: Invoice, _: &Delivery) -> HandlerResult {
        print("invoice.one_off_created", invoice(&payload))
    }

    async fn on_invoice_paid_credit_added(&self, payload: Invoice, _: &Delivery) -> HandlerResult {
        print("invoice.paid_credit_added", invoice(&payload))
    }

    async fn on_invoice_generated(&self, payload: Invoice, _: &Delivery) -> HandlerResult {
        let file = payload.file_url.as_deref().unwrap_or("no file");
        print("invoice.generated", format!("invoice {} {} PDF at {file}", payload.lago_id, payload.number))
    }

    async fn on_invoice_payment_status_updated(&self, payload: Invoice, _: &Delivery) -> HandlerResult {
        print("invoice.payment_status_updated", invoice(&payload))
    }

    async fn on_fee_created(&self, fee: Fee, _: &Delivery) -> HandlerResult {
        let summary = format!(
            "fee {} {} x {} = {} {}",
            fee.lago_id, fee.item.code, fee.units, fee.total_amount_cents, fee.total_amount_currency
        );
        print("fee.created", summary)
    }

    async fn on_subscription_terminated(&self, subscription: Subscription, _: &Delivery) -> HandlerResult {
        let at = subscription.terminated_at.as_ref().map_or("?", |t| t.as_str());
        let summary = format!(
            "subscription {} plan {} {} at {at}",
            subscription.lago_id, subscription.plan_code, subscription.status
        );
        print("subscription.terminated", summary)
    }

    async fn on_customer_payment_provider_created(&self, customer: Customer, _: &Delivery) -> HandlerResult {
        let billing = customer.billing_configuration.as_ref();
        let id = billing.and_then(|b| b.provider_customer_id.clone());
        let summary = format!(
            "customer {} ({}) provider id {}",
            customer.lago_id,
            customer.external_id,
            id.as_deref().unwrap_or("?")
        );
        print("customer.payment_provider_created", summary)
    }

    async fn on_customer_checkout_url_generated(
        &self,
        checkout: PaymentProviderCustomerCheckoutUrl,
        _: &Delivery,
    ) -> HandlerResult {
        let summary = format!(
            "customer {} {} checkout {}",
            checkout.lago_customer_id,
            checkout.payment_provider.as_ref().map_or("?", |p| p.as_str()),
            checkout.checkout_url
        );
        print("customer.checkout_url_generated", summary)
    }

    async fn on_customer_payment_provider_error(
        &self,
        error: PaymentProviderCustomerError,
        _: &Delivery,
    ) -> HandlerResult {
        let customer = error.lago_id.clone().or(error.lago_customer_id.clone());
        let message = error.provider_error.message().unwrap_or("?");
        print(
            "customer.payment_provider_error",
            format!("customer {} provider error: {message}", customer.as_deref().unwrap_or("?")),
        )
    }

    async fn on_invoice_payment_failure(
        &self,
        error: PaymentProviderInvoicePaymentError,
        _: &Delivery,
    ) -> HandlerResult {
        let message = error.provider_error.as_ref().and_then(|e| e.message()).unwrap_or("?");
        print(
            "invoice.payment_failure",
            format!("invoice {} payment failed: {message}", error.lago_invoice_id),
        )
    }

    async fn on_credit_note_created(&self, note: CreditNote, _: &Delivery) -> HandlerResult {
        print("credit_note.created", credit_note(&note))
    }

    async fn on_credit_note_generated(&self, note: CreditNote, _: &Delivery) -> HandlerResult {
        print("credit_note.generated", credit_note(&note))
    }

    async fn on_credit_note_refund_failure(
        &self,
        error: CreditNotePaymentProviderRefundError,
        _: &Delivery,
    ) -> HandlerResult {
        let message = error.provider_error.message().unwrap_or("?");
        print(
            "credit_note.refund_failure",
            format!("credit note {} refund failed: {message}", error.lago_credit_note_id),
        )
    }

    async fn on_unknown(&self, event: UnknownEvent, _: &Delivery) -> HandlerResult {
        print(&event.webhook_type, "not in the spec; accepted".to_owned())
    }
}
