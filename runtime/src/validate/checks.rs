//! The checks of every constraint a spec can set, one function per kind: the only place
//! their violations are worded. The code `lago_webhooks!` generates calls them, and so
//! does a spec read at run time (the `dynamic` feature), so that both report the same
//! violations.
//!
//! Each adds a [`Violation`] when its value breaks the constraint and does nothing
//! (allocates nothing) otherwise.

use serde_json::Value;

use super::{Format, Path, Violation, Violations};

/// Reports `value` unless it has `format`.
pub fn check_format(value: &str, format: Format, path: &Path<'_>, out: &mut Violations) {
    if !format.accepts(value) {
        let message = format!("`{}` is not {}", value.escape_debug(), format.describe());
        out.push(Violation::new(path.pointer(), format.rule(), Value::from(value), message));
    }
}

/// Reports an empty string.
pub fn check_non_empty(value: &str, path: &Path<'_>, out: &mut Violations) {
    if value.is_empty() {
        out.push(Violation::new(path.pointer(), "non_empty", Value::from(value), "is empty".to_owned()));
    }
}

/// Reports an integer outside `minimum..=maximum`.
pub fn check_range(
    value: i64,
    minimum: Option<i64>,
    maximum: Option<i64>,
    path: &Path<'_>,
    out: &mut Violations,
) {
    let (rule, message) = match (minimum, maximum) {
        (Some(min), _) if value < min => ("minimum", format!("{value} is less than {min}")),
        (_, Some(max)) if value > max => ("maximum", format!("{value} is more than {max}")),
        _ => return,
    };
    out.push(Violation::new(path.pointer(), rule, Value::from(value), message));
}

/// Reports a value an enumeration does not list (generated code calls it for the
/// catch-all variant only).
pub fn report_unlisted(value: &str, enumeration: &str, path: &Path<'_>, out: &mut Violations) {
    let message = format!("`{}` is not a value of {enumeration}", value.escape_debug());
    out.push(Violation::new(path.pointer(), "enum", Value::from(value), message));
}

/// The first candidate that is a currency code: the root currency of an object tree.
pub fn first_currency<'a>(candidates: &[Option<&'a str>]) -> Option<&'a str> {
    candidates.iter().flatten().copied().find(|c| Format::Currency.accepts(c))
}

/// Reports a currency code that differs from its root's. A value that is not a
/// currency code at all is left to its format check, to report it once.
///
/// Nested objects may have a rule of their own that reaches the same value (a fee's
/// currencies are checked by the fee and by its invoice): a currency already reported at
/// this place is not reported again.
pub fn check_same_currency(root: &str, value: &str, owner: &str, path: &Path<'_>, out: &mut Violations) {
    if value != root && Format::Currency.accepts(value) {
        let pointer = path.pointer();
        if out.has("same_currency", &pointer) {
            return;
        }
        // Both are currency codes, so they need no escaping.
        let message = format!("`{value}` differs from `{root}`, the currency of the {owner}");
        out.push(Violation::new(pointer, "same_currency", Value::from(value), message));
    }
}

/// Reports a total that is not the sum of its parts.
pub fn check_sum(total: i64, parts: &[i64], terms: &str, path: &Path<'_>, out: &mut Violations) {
    let sum = parts.iter().try_fold(0i64, |sum, part| sum.checked_add(*part));
    if sum != Some(total) {
        let sum = sum.map_or_else(|| "out of range".to_owned(), |s| s.to_string());
        let message = format!("{total} is not the sum of {terms} ({sum})");
        out.push(Violation::new(path.pointer(), "sum", Value::from(total), message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_ranges() {
        let mut out = Violations::default();
        check_sum(120, &[100, 20], "a + b", &Path::ROOT, &mut out);
        check_range(5, Some(0), Some(10), &Path::ROOT, &mut out);
        assert!(out.is_empty());
        check_sum(121, &[100, 20], "a + b", &Path::ROOT, &mut out);
        check_sum(1, &[i64::MAX, 1], "a + b", &Path::ROOT, &mut out);
        check_range(-1, Some(0), None, &Path::ROOT, &mut out);
        let rules: Vec<&str> = out.iter().map(|v| v.rule()).collect();
        assert_eq!(rules, ["sum", "sum", "minimum"]);
        assert_eq!(out.iter().next().unwrap().message(), "121 is not the sum of a + b (120)");
    }

    #[test]
    fn a_currency_reached_by_two_rules_is_reported_once() {
        let mut out = Violations::default();
        let at = Path::ROOT.key("total_amount_currency");
        check_same_currency("EUR", "USD", "Fee", &at, &mut out);
        check_same_currency("EUR", "USD", "Invoice", &at, &mut out);
        check_same_currency("EUR", "GBP", "Fee", &Path::ROOT.key("amount_currency"), &mut out);
        let found: Vec<(String, &str)> = out.iter().map(|v| (v.pointer().to_owned(), v.message())).collect();
        assert_eq!(
            found,
            [
                ("/total_amount_currency".to_owned(), "`USD` differs from `EUR`, the currency of the Fee"),
                ("/amount_currency".to_owned(), "`GBP` differs from `EUR`, the currency of the Fee"),
            ]
        );
    }
}
