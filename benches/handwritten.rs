//! The serde model a careful user would write for three bundled examples without this
//! crate: the baseline `WebhookEvent::from_slice` is measured against.
//!
//! It types every key the examples carry, in the plain types such a user would pick:
//! `String` for ids, dates, currencies, enumerations and decimals, `i64`, `f64` and
//! `bool` for numbers and flags, `Option` for every key that is null in the example or
//! optional or nullable in the spec, `Vec` for arrays, nested structs (not boxed) for
//! objects, and `serde_json::Value` only where the spec says `json`. Keys the spec
//! declares but the examples lack (the legacy `vat_*` amounts, for instance) are left
//! out, as a user writing from the examples would; serde ignores them if they come.
//! Objects that are null or empty arrays in the examples take their fields from the spec.
//!
//! `Serialize` is derived only so that the bench can prove, before measuring, that the
//! model holds every key of the examples.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `invoice.created`.
#[derive(Deserialize, Serialize)]
pub struct InvoiceEnvelope {
    pub webhook_type: String,
    pub object_type: String,
    pub organization_id: Option<String>,
    pub invoice: Invoice,
}

/// `fee.created`.
#[derive(Deserialize, Serialize)]
pub struct FeeEnvelope {
    pub webhook_type: String,
    pub object_type: String,
    pub organization_id: Option<String>,
    pub fee: Fee,
}

/// `event.error`.
#[derive(Deserialize, Serialize)]
pub struct EventErrorEnvelope {
    pub webhook_type: String,
    pub object_type: String,
    pub organization_id: Option<String>,
    pub event_error: EventError,
}

#[derive(Deserialize, Serialize)]
pub struct Invoice {
    pub lago_id: String,
    pub billing_entity_code: Option<String>,
    pub sequential_id: Option<i64>,
    pub number: String,
    pub purchase_order_number: Option<String>,
    pub issuing_date: Option<String>,
    pub payment_due_date: Option<String>,
    pub net_payment_term: Option<i64>,
    pub invoice_type: Option<String>,
    pub status: Option<String>,
    pub payment_status: Option<String>,
    pub payment_dispute_lost_at: Option<String>,
    pub payment_overdue: Option<bool>,
    pub currency: Option<String>,
    pub fees_amount_cents: Option<i64>,
    pub taxes_amount_cents: Option<i64>,
    pub progressive_billing_credit_amount_cents: Option<i64>,
    pub coupons_amount_cents: Option<i64>,
    pub credit_notes_amount_cents: Option<i64>,
    pub sub_total_excluding_taxes_amount_cents: Option<i64>,
    pub sub_total_including_taxes_amount_cents: Option<i64>,
    pub total_amount_cents: i64,
    pub total_due_amount_cents: Option<i64>,
    pub total_paid_amount_cents: Option<i64>,
    pub total_offsetted_credit_note_amount_cents: Option<i64>,
    pub prepaid_credit_amount_cents: Option<i64>,
    pub prepaid_granted_credit_amount_cents: Option<i64>,
    pub prepaid_purchased_credit_amount_cents: Option<i64>,
    pub file_url: Option<String>,
    pub xml_url: Option<String>,
    pub web_url: Option<String>,
    pub version_number: Option<i64>,
    pub self_billed: Option<bool>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub voided_at: Option<String>,
    pub customer: Option<Customer>,
    pub subscriptions: Option<Vec<Subscription>>,
    pub billing_periods: Option<Vec<BillingPeriod>>,
    pub fees: Option<Vec<Fee>>,
    pub credits: Option<Vec<Credit>>,
    pub applied_taxes: Option<Vec<InvoiceAppliedTax>>,
    pub applied_invoice_custom_sections: Option<Vec<InvoiceAppliedCustomSection>>,
}

#[derive(Deserialize, Serialize)]
pub struct Customer {
    pub lago_id: String,
    pub billing_entity_code: Option<String>,
    pub external_id: String,
    pub account_type: Option<String>,
    pub name: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub customer_type: Option<String>,
    pub sequential_id: Option<i64>,
    pub slug: Option<String>,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub country: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub logo_url: Option<String>,
    pub legal_name: Option<String>,
    pub legal_number: Option<String>,
    pub currency: Option<String>,
    pub tax_identification_number: Option<String>,
    pub timezone: Option<String>,
    pub applicable_timezone: Option<String>,
    pub net_payment_term: Option<i64>,
    pub external_salesforce_id: Option<String>,
    pub finalize_zero_amount_invoice: Option<String>,
    pub billing_configuration: Option<BillingConfiguration>,
    pub shipping_address: Option<ShippingAddress>,
    pub skip_invoice_custom_sections: Option<bool>,
    pub metadata: Option<Vec<CustomerMetadata>>,
}

#[derive(Deserialize, Serialize)]
pub struct BillingConfiguration {
    pub invoice_grace_period: Option<i64>,
    pub payment_provider: Option<String>,
    pub payment_provider_code: Option<String>,
    pub document_locale: Option<String>,
    pub subscription_invoice_issuing_date_anchor: Option<String>,
    pub subscription_invoice_issuing_date_adjustment: Option<String>,
    pub provider_customer_id: Option<String>,
    pub provider_payment_methods: Option<Vec<String>>,
}

#[derive(Deserialize, Serialize)]
pub struct ShippingAddress {
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub zipcode: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct CustomerMetadata {
    pub lago_id: String,
    pub key: String,
    pub value: String,
    pub display_in_invoice: bool,
    pub created_at: String,
}

#[derive(Deserialize, Serialize)]
pub struct Subscription {
    pub lago_id: String,
    pub external_id: String,
    pub lago_customer_id: String,
    pub external_customer_id: String,
    pub name: Option<String>,
    pub plan_code: String,
    pub plan_amount_cents: Option<i64>,
    pub plan_amount_currency: Option<String>,
    pub status: String,
    pub billing_time: Option<String>,
    pub subscription_at: Option<String>,
    pub started_at: Option<String>,
    pub trial_ended_at: Option<String>,
    pub ending_at: Option<String>,
    pub terminated_at: Option<String>,
    pub canceled_at: Option<String>,
    pub created_at: String,
    pub previous_plan_code: Option<String>,
    pub next_plan_code: Option<String>,
    pub downgrade_plan_date: Option<String>,
    pub current_billing_period_started_at: Option<String>,
    pub current_billing_period_ending_at: Option<String>,
    pub on_termination_credit_note: Option<String>,
    pub on_termination_invoice: Option<String>,
    pub progressive_billing_disabled: Option<bool>,
    pub consolidate_invoice: Option<bool>,
    pub purchase_order_number: Option<String>,
    pub cancellation_reason: Option<String>,
    pub activated_at: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    pub activation_rules: Option<Vec<ActivationRule>>,
}

#[derive(Deserialize, Serialize)]
pub struct PaymentMethod {
    pub payment_method_id: Option<String>,
    pub payment_method_type: String,
}

#[derive(Deserialize, Serialize)]
pub struct ActivationRule {
    pub lago_id: String,
    pub r#type: String,
    pub timeout_hours: i64,
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Deserialize, Serialize)]
pub struct BillingPeriod {
    pub lago_subscription_id: String,
    pub external_subscription_id: Option<String>,
    pub lago_plan_id: Option<String>,
    pub subscription_from_datetime: Option<String>,
    pub subscription_to_datetime: Option<String>,
    pub charges_from_datetime: Option<String>,
    pub charges_to_datetime: Option<String>,
    pub fixed_charges_from_datetime: Option<String>,
    pub fixed_charges_to_datetime: Option<String>,
    pub invoicing_reason: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct Fee {
    pub lago_id: String,
    pub lago_charge_id: Option<String>,
    pub lago_charge_filter_id: Option<String>,
    pub lago_fixed_charge_id: Option<String>,
    pub lago_invoice_id: Option<String>,
    pub lago_true_up_fee_id: Option<String>,
    pub lago_true_up_parent_fee_id: Option<String>,
    pub lago_original_fee_id: Option<String>,
    pub lago_subscription_id: Option<String>,
    pub external_subscription_id: Option<String>,
    pub lago_customer_id: Option<String>,
    pub external_customer_id: Option<String>,
    pub item: FeeItem,
    pub pay_in_advance: Option<bool>,
    pub invoiceable: Option<bool>,
    pub amount_cents: i64,
    pub amount_currency: String,
    pub precise_amount: Option<String>,
    pub precise_total_amount: Option<String>,
    pub taxes_amount_cents: Option<i64>,
    pub taxes_precise_amount: Option<String>,
    pub taxes_rate: Option<f64>,
    pub total_aggregated_units: Option<String>,
    pub total_amount_cents: i64,
    pub total_amount_currency: String,
    pub units: String,
    pub description: Option<String>,
    pub precise_unit_amount: Option<String>,
    pub precise_coupons_amount_cents: Option<String>,
    pub sub_total_excluding_taxes_amount_cents: Option<i64>,
    pub sub_total_excluding_taxes_precise_amount_cents: Option<String>,
    pub events_count: Option<i64>,
    pub payment_status: Option<String>,
    pub created_at: Option<String>,
    pub succeeded_at: Option<String>,
    pub failed_at: Option<String>,
    pub refunded_at: Option<String>,
    pub amount_details: Option<Value>,
    pub self_billed: Option<bool>,
    pub pricing_unit_details: Option<PricingUnitDetails>,
    pub presentation_breakdowns: Option<Vec<PresentationBreakdown>>,
    pub from_date: Option<String>,
    pub to_date: Option<String>,
    pub event_transaction_id: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct FeeItem {
    pub r#type: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub invoice_display_name: Option<String>,
    pub filters: Option<Value>,
    pub filter_invoice_display_name: Option<String>,
    pub lago_item_id: Option<String>,
    pub item_type: Option<String>,
    pub grouped_by: Option<Value>,
}

#[derive(Deserialize, Serialize)]
pub struct PricingUnitDetails {
    pub lago_pricing_unit_id: Option<String>,
    pub pricing_unit_code: Option<String>,
    pub short_name: Option<String>,
    pub amount_cents: Option<i64>,
    pub precise_amount_cents: Option<String>,
    pub unit_amount_cents: Option<i64>,
    pub precise_unit_amount: Option<String>,
    pub conversion_rate: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct PresentationBreakdown {
    pub presentation_by: Option<Value>,
    pub units: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct Credit {
    pub lago_id: String,
    pub amount_cents: i64,
    pub amount_currency: String,
    pub before_taxes: Option<bool>,
    pub item: CreditItem,
    pub invoice: Option<CreditInvoice>,
}

#[derive(Deserialize, Serialize)]
pub struct CreditItem {
    pub lago_item_id: Option<String>,
    pub r#type: String,
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct CreditInvoice {
    pub lago_id: String,
    pub payment_status: String,
}

#[derive(Deserialize, Serialize)]
pub struct InvoiceAppliedTax {
    pub lago_id: String,
    pub lago_invoice_id: String,
    pub lago_tax_id: Option<String>,
    pub tax_name: String,
    pub tax_code: String,
    pub tax_rate: f64,
    pub tax_description: Option<String>,
    pub amount_cents: i64,
    pub amount_currency: String,
    pub fees_amount_cents: i64,
    pub created_at: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct InvoiceAppliedCustomSection {
    pub lago_id: String,
    pub lago_invoice_id: String,
    pub code: String,
    pub details: Option<String>,
    pub display_name: Option<String>,
    pub created_at: String,
}

#[derive(Deserialize, Serialize)]
pub struct EventError {
    pub status: i64,
    pub error: String,
    pub message: String,
    pub event: Option<RejectedEvent>,
}

#[derive(Deserialize, Serialize)]
pub struct RejectedEvent {
    pub lago_id: String,
    pub transaction_id: String,
    pub lago_customer_id: Option<String>,
    pub code: String,
    pub timestamp: String,
    pub precise_total_amount_cents: Option<String>,
    pub properties: Value,
    pub lago_subscription_id: Option<String>,
    pub external_subscription_id: Option<String>,
    pub created_at: Option<String>,
}
