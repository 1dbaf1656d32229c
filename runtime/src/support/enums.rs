//! Support for generated string enumerations with an open catch-all variant.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// Implemented by every generated enumeration.
pub trait StringEnum: Sized {
    /// The variant for a value the spec lists.
    fn from_known(value: &str) -> Option<Self>;
    /// The catch-all variant holding `value`.
    fn from_unknown(value: String) -> Self;
}

/// The variant for `value`, known or not; never fails.
pub fn parse_string_enum<T: StringEnum>(value: &str) -> T {
    T::from_known(value).unwrap_or_else(|| T::from_unknown(value.to_owned()))
}

/// Deserializes a string into a generated enumeration; any string is accepted.
pub fn deserialize_string_enum<'de, T: StringEnum, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_str(EnumVisitor(PhantomData))
}

struct EnumVisitor<T>(PhantomData<T>);

impl<T: StringEnum> Visitor<'_> for EnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Ok(parse_string_enum(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
        Ok(T::from_known(&value).unwrap_or_else(|| T::from_unknown(value)))
    }
}
