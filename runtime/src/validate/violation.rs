//! What validation reports.

use std::fmt;

use serde_json::Value;

/// One value that breaks a constraint of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pointer: String,
    rule: &'static str,
    value: Value,
    message: String,
}

impl Violation {
    /// A violation of `rule` by `value`, found at `pointer`.
    pub fn new(pointer: String, rule: &'static str, value: Value, message: String) -> Self {
        Violation { pointer, rule, value, message }
    }

    /// JSON Pointer of the offending value, such as `/invoice/fees/0/total_amount_currency`.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Stable identifier of the broken rule, such as `format.currency` or `same_currency`;
    /// `spec/README.md` lists them all.
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// The offending value, as JSON.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Every violation found in one value, in the order found.
///
/// Displays as one `pointer: message` line per violation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// Adds a violation.
    pub fn push(&mut self, violation: Violation) {
        self.0.push(violation);
    }

    /// Whether a violation of `rule` is already reported at `pointer`.
    pub(crate) fn has(&self, rule: &str, pointer: &str) -> bool {
        self.0.iter().any(|v| v.rule == rule && v.pointer == pointer)
    }

    /// `Ok` when there is none.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The violations, owned.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }
}

lago_webhooks_core::problem_list!(Violations, Violation, "\n");
