//! A handler gets exactly one call, on the right method, per webhook.

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use lago_webhooks::{
    AsyncWebhookHandler, CreditNote, CreditNotePaymentProviderRefundError, Customer, Delivery, EventError,
    Fee, HandlerResult, Invoice, PaymentProviderCustomerCheckoutUrl, PaymentProviderCustomerError,
    PaymentProviderInvoicePaymentError, Subscription, UnknownEvent, WebhookEvent, WebhookHandler,
};

use crate::fixtures::DOCS;

/// Records the name of every method called.
#[derive(Default)]
struct Recorder {
    calls: Vec<&'static str>,
}

impl Recorder {
    fn record(&mut self, method: &'static str) -> HandlerResult {
        self.calls.push(method);
        Ok(())
    }
}

impl WebhookHandler for Recorder {
    fn on_event_error(&mut self, _: EventError) -> HandlerResult {
        self.record("on_event_error")
    }
    fn on_invoice_drafted(&mut self, _: Invoice) -> HandlerResult {
        self.record("on_invoice_drafted")
    }
    fn on_invoice_created(&mut self, _: Invoice) -> HandlerResult {
        self.record("on_invoice_created")
    }
    fn on_invoice_one_off_created(&mut self, _: Invoice) -> HandlerResult {
        self.record("on_invoice_one_off_created")
    }
    fn on_invoice_paid_credit_added(&mut self, _: Invoice) -> HandlerResult {
        self.record("on_invoice_paid_credit_added")
    }
    fn on_invoice_generated(&mut self, _: Invoice) -> HandlerResult {
        self.record("on_invoice_generated")
    }
    fn on_invoice_payment_status_updated(&mut self, _: Invoice) -> HandlerResult {
        self.record("on_invoice_payment_status_updated")
    }
    fn on_fee_created(&mut self, _: Fee) -> HandlerResult {
        self.record("on_fee_created")
    }
    fn on_subscription_terminated(&mut self, _: Subscription) -> HandlerResult {
        self.record("on_subscription_terminated")
    }
    fn on_customer_payment_provider_created(&mut self, _: Customer) -> HandlerResult {
        self.record("on_customer_payment_provider_created")
    }
    fn on_customer_checkout_url_generated(&mut self, _: PaymentProviderCustomerCheckoutUrl) -> HandlerResult {
        self.record("on_customer_checkout_url_generated")
    }
    fn on_customer_payment_provider_error(&mut self, _: PaymentProviderCustomerError) -> HandlerResult {
        self.record("on_customer_payment_provider_error")
    }
    fn on_invoice_payment_failure(&mut self, _: PaymentProviderInvoicePaymentError) -> HandlerResult {
        self.record("on_invoice_payment_failure")
    }
    fn on_credit_note_created(&mut self, _: CreditNote) -> HandlerResult {
        self.record("on_credit_note_created")
    }
    fn on_credit_note_generated(&mut self, _: CreditNote) -> HandlerResult {
        self.record("on_credit_note_generated")
    }
    fn on_credit_note_refund_failure(&mut self, _: CreditNotePaymentProviderRefundError) -> HandlerResult {
        self.record("on_credit_note_refund_failure")
    }
    fn on_unknown(&mut self, _: UnknownEvent) -> HandlerResult {
        self.record("on_unknown")
    }
}

fn method_for(webhook_type: &str) -> String {
    format!("on_{}", webhook_type.replace('.', "_"))
}

#[test]
fn each_example_reaches_exactly_its_method() {
    for fixture in DOCS {
        let mut recorder = Recorder::default();
        recorder.handle(str::parse::<WebhookEvent>(fixture.valid()).unwrap()).unwrap();
        assert_eq!(recorder.calls, [method_for(fixture.webhook_type)]);
    }
}

#[test]
fn an_unknown_type_reaches_on_unknown() {
    let body = r#"{"webhook_type": "vault.created", "object_type": "vault", "vault": {"lago_id": "w1"}}"#;
    let mut recorder = Recorder::default();
    recorder.handle(str::parse::<WebhookEvent>(body).unwrap()).unwrap();
    assert_eq!(recorder.calls, ["on_unknown"]);
}

/// A handler that cares about one webhook type only.
#[derive(Default)]
struct OnlyFees {
    fees: Vec<String>,
}

impl WebhookHandler for OnlyFees {
    fn on_fee_created(&mut self, fee: Fee) -> HandlerResult {
        self.fees.push(fee.lago_id.into());
        Ok(())
    }
}

#[test]
fn default_methods_accept_the_rest() {
    let mut handler = OnlyFees::default();
    for fixture in DOCS {
        handler.handle(str::parse::<WebhookEvent>(fixture.valid()).unwrap()).unwrap();
    }
    assert_eq!(handler.fees, ["6be23c42-47d2-45a3-9770-5b3572f225c3"]);
}

struct Refuses;

impl WebhookHandler for Refuses {
    fn on_invoice_created(&mut self, invoice: Invoice) -> HandlerResult {
        Err(format!("cannot book {}", invoice.number).into())
    }
}

#[test]
fn handler_errors_come_back_from_handle() {
    let fixture = DOCS.iter().find(|f| f.webhook_type == "invoice.created").unwrap();
    let err = Refuses.handle(str::parse::<WebhookEvent>(fixture.valid()).unwrap()).unwrap_err();
    assert_eq!(err.to_string(), "cannot book LAG-1234-001-002");
}

/// The asynchronous flavour, sharing its state behind `&self`.
#[derive(Default)]
struct AsyncRecorder {
    calls: Mutex<Vec<String>>,
}

impl AsyncWebhookHandler for AsyncRecorder {
    async fn on_invoice_created(&self, invoice: Invoice, delivery: &Delivery) -> HandlerResult {
        let key = delivery.unique_key.as_deref().unwrap_or("-");
        self.calls.lock().unwrap().push(format!("invoice {} under {key}", invoice.number));
        Ok(())
    }

    async fn on_unknown(&self, event: UnknownEvent, _: &Delivery) -> HandlerResult {
        self.calls.lock().unwrap().push(format!("unknown {}", event.webhook_type));
        Ok(())
    }
}

/// Polls a future that never waits on anything external.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[test]
fn the_async_handler_dispatches_with_send_futures() {
    let handler = AsyncRecorder::default();
    for fixture in DOCS {
        let event = str::parse::<WebhookEvent>(fixture.valid()).unwrap();
        block_on(assert_send(handler.handle(event, &Delivery::with_unique_key("k1")))).unwrap();
    }
    let unknown =
        str::parse::<WebhookEvent>(r#"{"webhook_type": "ledger.closed", "object_type": "ledger"}"#).unwrap();
    block_on(assert_send(handler.handle(unknown, &Delivery::default()))).unwrap();
    assert_eq!(
        *handler.calls.lock().unwrap(),
        ["invoice LAG-1234-001-002 under k1", "unknown ledger.closed"]
    );
}
