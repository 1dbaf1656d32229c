//! Rust identifiers for spec names.
//!
//! Every function here returns a string that `proc_macro2::Ident::new` accepts,
//! whatever the input: the generator must never panic on a spec.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot name a field or method as is (strict and reserved keywords).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual",
    "where", "while", "yield",
];

/// Keeps ASCII letters and digits; everything else separates words.
fn ascii_words(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// An UpperCamelCase type or variant name, prefixed with `prefix` when it would be empty
/// or start with a digit.
fn camel(name: &str, prefix: &str) -> String {
    let camel = ascii_words(name).to_upper_camel_case();
    let camel = match camel.chars().next() {
        None => prefix.to_owned(),
        Some(c) if c.is_ascii_digit() => format!("{prefix}{camel}"),
        Some(_) => camel,
    };
    // `Self` is the one UpperCamelCase keyword.
    if camel == "Self" { format!("{camel}_") } else { camel }
}

/// The Rust type name of an object or enumeration.
pub fn type_name(name: &str) -> String {
    camel(name, "Type")
}

/// The variant name of an enumeration value or a webhook type.
pub fn variant_name(value: &str) -> String {
    camel(value, "Value")
}

/// The Rust field name of a JSON key; keywords get a trailing underscore (`type` → `type_`).
pub fn field_name(json_name: &str) -> String {
    let snake = ascii_words(json_name).to_snake_case();
    let snake = match snake.chars().next() {
        None => "field".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("field_{snake}"),
        Some(_) => snake,
    };
    if KEYWORDS.contains(&snake.as_str()) { format!("{snake}_") } else { snake }
}

/// The handler method for a webhook type: `invoice.created` → `on_invoice_created`.
pub fn method_name(webhook_type: &str) -> String {
    format!("on_{}", ascii_words(webhook_type).to_snake_case()).trim_end_matches('_').to_owned()
}

/// Picks the first candidate not already taken, for catch-all variants; past the
/// candidates, the first one numbered (`Unknown2`, `Unknown3`, ...).
pub fn free_name(candidates: &[&str], taken: impl Fn(&str) -> bool) -> String {
    let first = candidates.first().copied().unwrap_or("Unknown");
    let numbered = (2..).map(|n| format!("{first}{n}"));
    candidates.iter().map(|c| c.to_string()).chain(numbered).find(|c| !taken(c)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each naming rule, with what it makes of spec text.
    #[test]
    fn names() {
        type Rule = fn(&str) -> String;
        let cases: &[(Rule, &str, &str)] = &[
            (type_name, "Invoice", "Invoice"),
            (type_name, "credit_note item", "CreditNoteItem"),
            (type_name, "2fa", "Type2fa"),
            (type_name, "", "Type"),
            (type_name, "self", "Self_"),
            (variant_name, "add_on", "AddOn"),
            (variant_name, "BillableMetric", "BillableMetric"),
            (variant_name, "invoice.payment_status_updated", "InvoicePaymentStatusUpdated"),
            (variant_name, "404", "Value404"),
            (variant_name, "é", "Value"),
            (field_name, "type", "type_"),
            (field_name, "lagoId", "lago_id"),
            (field_name, "provider_error[message]", "provider_error_message"),
            (field_name, "+1", "field_1"),
            (field_name, "", "field"),
            (method_name, "invoice.created", "on_invoice_created"),
            (method_name, "credit_note.refund_failure", "on_credit_note_refund_failure"),
        ];
        for (rule, text, name) in cases {
            assert_eq!(rule(text), *name, "{text:?}");
        }
    }

    #[test]
    fn free_names_are_never_taken() {
        let taken = ["Unknown", "Other", "Unknown2"];
        assert_eq!(free_name(&["Unknown", "Other"], |c| taken.contains(&c)), "Unknown3");
        assert_eq!(free_name(&["Unknown", "Other"], |_| false), "Unknown");
    }

    #[test]
    fn every_name_is_an_identifier() {
        for input in ["", "_", "__", "9", "ü", "a-b", "type", "Self", "---", "x y", "_1"] {
            for name in [type_name(input), variant_name(input), field_name(input), method_name(input)] {
                let _ = proc_macro2::Ident::new(&name, proc_macro2::Span::call_site());
            }
        }
    }
}
