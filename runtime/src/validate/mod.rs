//! Validation of parsed webhooks against the constraints of their spec.
//!
//! Parsing is lenient on purpose: Lago adds fields and values, and old payloads lack
//! new ones. Validation says what parsing lets through: values in the wrong format,
//! values outside their enumeration, currencies that differ from their invoice's,
//! amounts that do not add up. It works on the typed value (no second parse), reports
//! every violation, and allocates nothing when the payload is valid.

pub mod checks;
mod path;
mod violation;

pub use lago_webhooks_core::Format;
pub use path::Path;
pub use violation::{Violation, Violations};

/// A value that can be checked against its spec.
///
/// Implemented by every type the `lago_webhooks!` macro generates (unless validation is
/// turned off with `validate = false`) and by `WebhookEvent`.
///
/// ```
/// # #[cfg(feature = "bundled")] {
/// use lago_webhooks::{Validate, WebhookEvent};
///
/// let body = br#"{"webhook_type": "fee.created", "object_type": "fee", "fee": {
///     "lago_id": "not-a-uuid", "item": {"type": "charge", "code": "seats", "name": "Seats"},
///     "amount_cents": 100, "amount_currency": "EUR", "taxes_amount_cents": 20,
///     "total_amount_cents": 125, "total_amount_currency": "EUR", "units": "1.0", "events_count": 1}}"#;
/// let violations = WebhookEvent::from_slice(body)?.validate().unwrap_err();
/// assert_eq!(
///     violations.to_string(),
///     "/fee/lago_id: `not-a-uuid` is not a UUID\n\
///      /fee/total_amount_cents: 125 is not the sum of amount_cents + taxes_amount_cents|vat_amount_cents (120)"
/// );
/// # }
/// # Ok::<(), lago_webhooks::ParseError>(())
/// ```
pub trait Validate {
    /// Checks the value, returning every violation found.
    fn validate(&self) -> Result<(), Violations> {
        let mut violations = Violations::default();
        self.validate_at(&Path::ROOT, &mut violations);
        violations.into_result()
    }

    /// Checks the value found at `path`, adding what it finds to `out`.
    fn validate_at(&self, path: &Path<'_>, out: &mut Violations);
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Violations) {
        if let Some(value) = self {
            value.validate_at(path, out);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Violations) {
        (**self).validate_at(path, out);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Violations) {
        for (index, item) in self.iter().enumerate() {
            item.validate_at(&path.index(index), out);
        }
    }
}
