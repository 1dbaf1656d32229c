//! The zero-copy flavour: the generated types with a lifetime, their text borrowed from
//! the body they were parsed from.
//!
//! `lago_webhooks!(..., borrowed = true)` adds a `borrowed` module to the generated items
//! with the same names: `borrowed::WebhookEvent<'a>`, `borrowed::Invoice<'a>`, ...
//! Parsing one with `borrowed::WebhookEvent::from_slice(&body)` allocates only for what
//! cannot point into `body`: the payload's box, arrays, `json` values, text with escapes
//! in it, enumeration values the spec does not list, one-of values (the borrowed flavour
//! shares the owned unions), and the box of an object that holds itself. Every id,
//! amount, date and name of a Lago message is read in place. Errors, validation and
//! the rules are those of the owned types; `borrowed::WebhookHandler<'a>` routes events to
//! one method per type; `into_owned()` gives the owned value.
//!
//! The module is nested in the invoking one, so the macro with `borrowed = true` must be
//! invoked at module level (inside a `mod`, as usual), not in a function body.
//!
//! With the `borrowed` feature this module also holds the bundled types' borrowed flavour.
//!
//! ```
//! # #[cfg(all(feature = "bundled", feature = "borrowed"))] {
//! use lago_webhooks::{Validate, WebhookType, borrowed};
//!
//! let body = WebhookType::FeeCreated.example().as_bytes();
//! let event = borrowed::WebhookEvent::from_slice(body).unwrap();
//! assert!(event.validate().is_ok());
//! let borrowed::WebhookEvent::FeeCreated { fee, .. } = &event else { unreachable!() };
//! assert!(fee.lago_id.is_borrowed()); // points into `body`
//! let owned: lago_webhooks::WebhookEvent = event.into_owned();
//! assert_eq!(owned.webhook_type(), "fee.created");
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// Text as Lago sent it, borrowed from the body when it holds no escape sequence: the
/// borrowed flavour of ids, currencies, URLs, dates, timestamps and strings.
///
/// Derefs to `str` and compares with strings; [`Text::into_owned`] and the `From`
/// conversions give the owned types ([`crate::Id`], [`String`], ...). Like those, it has
/// no ordering: comparing the text would misorder the non-ISO forms Lago has sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Text<'a>(Cow<'a, str>);

impl<'a> Text<'a> {
    /// Text borrowed from elsewhere.
    pub const fn borrowed(text: &'a str) -> Self {
        Text(Cow::Borrowed(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the text points into the body it was read from (it did not need
    /// unescaping).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }

    /// The owned text type it converts into: `let id: Id = text.into_owned();`.
    pub fn into_owned<T: From<Text<'a>>>(self) -> T {
        T::from(self)
    }

    /// The same text, owned, with any lifetime.
    pub fn into_static(self) -> Text<'static> {
        Text(Cow::Owned(self.0.into_owned()))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<String> for Text<'_> {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(text: &'a str) -> Self {
        Text(Cow::Borrowed(text))
    }
}

impl From<String> for Text<'_> {
    fn from(text: String) -> Self {
        Text(Cow::Owned(text))
    }
}

impl<'a> From<Cow<'a, str>> for Text<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        Text(text)
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Borrows what the deserializer lends (`visit_borrowed_str`), copies the rest. Unlike
/// `Cow<str>` with `#[serde(borrow)]`, this borrows inside `Option` and `Vec` too.
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(text)))
    }
}

macro_rules! into_owned_text {
    ($($owned:ty),*) => {$(
        impl From<Text<'_>> for $owned {
            fn from(text: Text<'_>) -> Self {
                <$owned>::from(text.into_string())
            }
        }
    )*};
}

into_owned_text!(
    String,
    crate::Id,
    crate::Currency,
    crate::Url,
    crate::Date,
    crate::DateTime,
    crate::EncodedJson
);

/// The borrowed flavour of [`crate::Decimal`]: the digits as sent, borrowed when Lago sent
/// them as a JSON string (as it usually does).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal<'a> {
    text: Cow<'a, str>,
    quoted: bool,
}

impl<'a> Decimal<'a> {
    /// A decimal that serializes as a JSON string, as Lago usually sends them.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Decimal { text: text.into(), quoted: true }
    }

    crate::decimal::decimal_readers!();

    /// The owned decimal.
    pub fn into_owned(self) -> crate::Decimal {
        crate::Decimal::from_parts(self.text.into_owned(), self.quoted)
    }
}

impl<'a> Decimal<'a> {
    /// The decimal Lago sent as this JSON string.
    fn quoted(text: Text<'a>) -> Self {
        Decimal { text: text.0, quoted: true }
    }
}

impl fmt::Display for Decimal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Decimal<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The owned decimal writes each form back as it came; so does this one.
        crate::Decimal::serialize_parts(&self.text, self.quoted, serializer)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Decimal<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal as a string or a number")
    }

    // A quoted decimal is text, borrowed when it can be: as `Text` reads it.
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Decimal<'de>, E> {
        TextVisitor.visit_borrowed_str(text).map(Decimal::quoted)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Decimal<'de>, E> {
        TextVisitor.visit_str(text).map(Decimal::quoted)
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Decimal<'de>, E> {
        TextVisitor.visit_string(text).map(Decimal::quoted)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal<'de>, E> {
        Ok(Decimal { text: Cow::Owned(value.to_string()), quoted: false })
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal<'de>, E> {
        Ok(Decimal { text: Cow::Owned(value.to_string()), quoted: false })
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal<'de>, E> {
        Ok(Decimal { text: Cow::Owned(crate::decimal::float_text(value)), quoted: false })
    }
}

impl From<Decimal<'_>> for crate::Decimal {
    fn from(decimal: Decimal<'_>) -> Self {
        decimal.into_owned()
    }
}

#[cfg(all(feature = "bundled", feature = "borrowed"))]
pub use crate::types::borrowed::*;
