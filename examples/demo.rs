//! Parses every example of Lago's webhook documentation, dispatches each to a
//! handler, and prints one line per message, with the violations of the spec's
//! constraints that validation finds in it underneath.
//!
//! Run it with `cargo run --example demo`.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use lago_webhooks::{
    CreditNote, CreditNotePaymentProviderRefundError, Customer, EventError, Fee, HandlerResult, Invoice,
    PaymentProviderCustomerCheckoutUrl, PaymentProviderCustomerError, PaymentProviderInvoicePaymentError,
    Subscription, UnknownEvent, Validate, WebhookEvent, WebhookHandler,
};

/// Prints what each webhook carries.
struct Printer {
    current: &'static str,
}

impl Printer {
    fn line(&self, summary: String) -> HandlerResult {
        println!("{:<36} {summary}", self.current);
        Ok(())
    }

    fn invoice(&self, invoice: &Invoice) -> HandlerResult {
        let currency = invoice.currency.clone().or_else(|| invoice.total_amount_currency.clone());
        let fees = match invoice.fees.as_ref().map(Vec::len) {
            Some(1) => ", 1 fee".to_owned(),
            Some(n) => format!(", {n} fees"),
            None => String::new(),
        };
        self.line(format!(
            "invoice {} {} total {} {}{fees}, status {}",
            invoice.lago_id,
            invoice.number,
            invoice.total_amount_cents,
            currency.as_deref().unwrap_or("?"),
            invoice.status.as_ref().map_or("?", |s| s.as_str()),
        ))
    }

    fn credit_note(&self, note: &CreditNote) -> HandlerResult {
        self.line(format!(
            "credit note {} {} for invoice {} total {} refund {} reason {}",
            note.lago_id,
            note.number,
            note.invoice_number,
            note.total_amount_cents,
            note.refund_amount_cents,
            note.reason
        ))
    }
}

impl WebhookHandler for Printer {
    fn on_event_error(&mut self, error: EventError) -> HandlerResult {
        self.line(format!("event error {} {}: {}", error.status, error.error, error.message))
    }

    fn on_invoice_drafted(&mut self, invoice: Invoice) -> HandlerResult {
        self.invoice(&invoice)
    }

    fn on_invoice_created(&mut self, invoice: Invoice) -> HandlerResult {
        self.invoice(&invoice)
    }

    fn on_invoice_one_off_created(&mut self, invoice: Invoice) -> HandlerResult {
        self.invoice(&invoice)
    }

    fn on_invoice_paid_credit_added(&mut self, invoice: Invoice) -> HandlerResult {
        self.invoice(&invoice)
    }

    fn on_invoice_generated(&mut self, invoice: Invoice) -> HandlerResult {
        let file = invoice.file_url.as_deref().unwrap_or("no file");
        self.line(format!("invoice {} {} PDF at {file}", invoice.lago_id, invoice.number))
    }

    fn on_invoice_payment_status_updated(&mut self, invoice: Invoice) -> HandlerResult {
        self.invoice(&invoice)
    }

    fn on_fee_created(&mut self, fee: Fee) -> HandlerResult {
        self.line(format!(
            "fee {} {} x {} = {} {}",
            fee.lago_id, fee.item.code, fee.units, fee.total_amount_cents, fee.total_amount_currency
        ))
    }

    fn on_subscription_terminated(&mut self, subscription: Subscription) -> HandlerResult {
        let at = subscription.terminated_at.as_ref().map_or("?", |t| t.as_str());
        self.line(format!(
            "subscription {} plan {} {} at {at}",
            subscription.lago_id, subscription.plan_code, subscription.status
        ))
    }

    fn on_customer_payment_provider_created(&mut self, customer: Customer) -> HandlerResult {
        let provider = customer.billing_configuration.as_ref();
        let id = provider.and_then(|b| b.provider_customer_id.clone());
        self.line(format!(
            "customer {} ({}) provider id {}",
            customer.lago_id,
            customer.external_id,
            id.as_deref().unwrap_or("?")
        ))
    }

    fn on_customer_checkout_url_generated(
        &mut self,
        checkout: PaymentProviderCustomerCheckoutUrl,
    ) -> HandlerResult {
        self.line(format!(
            "customer {} {} checkout {}",
            checkout.lago_customer_id, checkout.payment_provider, checkout.checkout_url
        ))
    }

    fn on_customer_payment_provider_error(&mut self, error: PaymentProviderCustomerError) -> HandlerResult {
        let customer = error.lago_id.clone().or(error.lago_customer_id.clone());
        self.line(format!(
            "customer {} provider error: {}",
            customer.as_deref().unwrap_or("?"),
            error.provider_error.message.as_deref().unwrap_or("?")
        ))
    }

    fn on_invoice_payment_failure(&mut self, error: PaymentProviderInvoicePaymentError) -> HandlerResult {
        self.line(format!(
            "invoice {} payment failed: {}",
            error.lago_invoice_id,
            error.provider_error.message.as_deref().unwrap_or("?")
        ))
    }

    fn on_credit_note_created(&mut self, note: CreditNote) -> HandlerResult {
        self.credit_note(&note)
    }

    fn on_credit_note_generated(&mut self, note: CreditNote) -> HandlerResult {
        self.credit_note(&note)
    }

    fn on_credit_note_refund_failure(
        &mut self,
        error: CreditNotePaymentProviderRefundError,
    ) -> HandlerResult {
        self.line(format!(
            "credit note {} refund failed: {}",
            error.lago_credit_note_id,
            error.provider_error.message.as_deref().unwrap_or("?")
        ))
    }

    fn on_unknown(&mut self, event: UnknownEvent) -> HandlerResult {
        self.line(format!("not in the spec: {}", event.webhook_type))
    }
}

fn main() {
    let mut printer = Printer { current: "" };
    let mut handled = 0;
    for fixture in fixtures::DOCS {
        printer.current = fixture.webhook_type;
        let event = match (WebhookEvent::from_str(fixture.verbatim), fixture.corrected) {
            (Ok(event), _) => event,
            (Err(err), Some(corrected)) => {
                println!(
                    "{:<36} docs example rejected: {err}; using the corrected copy",
                    fixture.webhook_type
                );
                match WebhookEvent::from_str(corrected) {
                    Ok(event) => event,
                    Err(err) => {
                        return eprintln!("corrected copy of {} failed: {err}", fixture.webhook_type);
                    }
                }
            }
            (Err(err), None) => return eprintln!("{} failed: {err}", fixture.webhook_type),
        };
        let violations = event.validate().err().map(|v| v.into_vec()).unwrap_or_default();
        match printer.handle(event) {
            Ok(()) => handled += 1,
            Err(err) => eprintln!("{}: handler failed: {err}", fixture.webhook_type),
        }
        for violation in violations {
            println!("{:<36}   ! {violation} [{}]", "", violation.rule());
        }
    }
    println!("{handled} of {} docs examples parsed and dispatched", fixtures::DOCS.len());
}
