//! Decimals that keep the digits Lago sent.

use std::fmt;
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer};
use serde::{Serialize, Serializer};

/// The readers the owned and the borrowed decimal share, for a struct with the fields
/// `text` (the digits, dereferencing to `str`) and `quoted`.
macro_rules! decimal_readers {
    () => {
        /// The digits as sent, such as `"10.0"` or `"12.6"`.
        pub fn as_str(&self) -> &str {
            &self.text
        }

        /// Whether Lago sent it as a JSON string (rather than a number).
        pub fn is_quoted(&self) -> bool {
            self.quoted
        }

        /// Whether the text is a plain decimal number: an optional `-`, digits, and an
        /// optional fraction (`"1.0"`, `"-3"`, `"0.32"`).
        pub fn is_well_formed(&self) -> bool {
            crate::validate::Format::Decimal.accepts(&self.text)
        }

        /// The value as a float, if the text is a number (precision may be lost).
        pub fn to_f64(&self) -> Option<f64> {
            self.text.parse().ok()
        }
    };
}
pub(crate) use decimal_readers;

/// A decimal amount exactly as Lago sent it.
///
/// Lago sends most decimals as JSON strings (`"units": "10.0"`) and some as numbers
/// (`"units": 12.6`); both parse, the digits are kept as text, and serializing writes
/// back the same form. No rounding happens unless you ask for a float.
///
/// A JSON integer is kept exactly; a JSON number with a fraction goes through `f64` on
/// its way in, which keeps up to 15 significant digits exactly and does not keep
/// trailing zeros (`12.50` reads as `12.5`, and a whole `12.0` as `12.0`); strings are
/// kept verbatim, so they are always exact.
///
/// Equality compares the text and the form, so that a round trip is exact: `"12"` and
/// `12` are different values, as are `"1.0"` and `"1"`. Compare [`Decimal::to_f64`]
/// values for numeric equality.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    // A boxed `str`: 8 bytes less than a `String` in every struct holding a decimal.
    text: Box<str>,
    quoted: bool,
}

impl Decimal {
    /// A decimal that serializes as a JSON string, as Lago usually sends them.
    pub fn new(text: impl Into<String>) -> Self {
        Decimal { text: text.into().into_boxed_str(), quoted: true }
    }

    decimal_readers!();
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Decimal {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Decimal::new(text))
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Decimal::serialize_parts(&self.text, self.quoted, serializer)
    }
}

impl Decimal {
    /// A decimal from its digits and its form; for the borrowed flavour.
    pub(crate) fn from_parts(text: String, quoted: bool) -> Decimal {
        Decimal { text: text.into_boxed_str(), quoted }
    }

    /// Writes digits back in the form they came in: a string, or the number.
    pub(crate) fn serialize_parts<S: Serializer>(
        text: &str,
        quoted: bool,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if quoted {
            return serializer.serialize_str(text);
        }
        if let Ok(int) = text.parse::<i64>() {
            return serializer.serialize_i64(int);
        }
        if let Ok(int) = text.parse::<u64>() {
            return serializer.serialize_u64(int);
        }
        match text.parse::<f64>() {
            Ok(float) => serializer.serialize_f64(float),
            // Only a hand-built value can get here; keep its text rather than fail.
            Err(_) => serializer.serialize_str(text),
        }
    }
}

/// The text of a decimal sent as a JSON number with a fraction.
///
/// `Display` for f64 prints the shortest text that reads back to the same value; a whole
/// number loses its fraction there (`100.0` prints `100`), so it gets `.0` back, and is
/// written back as the float it was sent as.
pub(crate) fn float_text(value: f64) -> String {
    let mut text = value.to_string();
    if value.is_finite() && !text.contains('.') {
        text.push_str(".0");
    }
    text
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as the borrowed flavour reads it, both forms alike, then owned: the text is
        // copied once either way.
        crate::borrowed::Decimal::deserialize(deserializer).map(crate::borrowed::Decimal::into_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(json: &str) -> (Decimal, String) {
        let decimal: Decimal = serde_json::from_str(json).unwrap();
        let back = serde_json::to_string(&decimal).unwrap();
        (decimal, back)
    }

    #[test]
    fn strings_and_numbers_keep_their_digits_and_form() {
        for (json, text, quoted) in [
            ("\"1.0\"", "1.0", true),
            ("12.6", "12.6", false),
            ("7", "7", false),
            ("100.0", "100.0", false),
            ("\"0.32\"", "0.32", true),
        ] {
            let (decimal, back) = round_trip(json);
            assert_eq!((decimal.as_str(), decimal.is_quoted()), (text, quoted));
            assert_eq!(back, json);
        }
    }

    #[test]
    fn well_formedness() {
        assert!(Decimal::new("-3.25").is_well_formed());
        assert!(!Decimal::new("").is_well_formed());
        assert!(!Decimal::new("1.").is_well_formed());
        assert!(!Decimal::new("abc").is_well_formed());
    }

    #[test]
    fn other_json_types_are_refused() {
        assert!(serde_json::from_str::<Decimal>("true").is_err());
        assert!(serde_json::from_str::<Decimal>("null").is_err());
    }
}
