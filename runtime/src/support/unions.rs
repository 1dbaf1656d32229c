//! Support for generated unions ("one of" types): values whose JSON kind varies, such
//! as an error code sent as a string by one payment provider and as an integer by another.
//!
//! A generated union implements [`OneOf`], one constructor per JSON kind it accepts; the
//! shared visitor here reads the value once, with no buffering, and calls the
//! constructor for the kind it finds.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};

/// Implemented by every generated union: the variant for a value of each JSON kind.
///
/// A constructor returns `None` when the union has no variant of that kind.
pub trait OneOf: Sized {
    /// What the union accepts, for error messages: `a string or an integer`.
    const EXPECTING: &'static str;

    /// The variant for a string.
    fn from_string(value: String) -> Option<Self> {
        let _ = value;
        None
    }

    /// The variant for an integer.
    fn from_integer(value: i64) -> Option<Self> {
        let _ = value;
        None
    }

    /// The variant for any number (integers too, when no variant takes integers).
    fn from_float(value: f64) -> Option<Self> {
        let _ = value;
        None
    }

    /// The variant for a boolean.
    fn from_bool(value: bool) -> Option<Self> {
        let _ = value;
        None
    }

    /// The variant for an object, read from `map`.
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Option<Result<Self, A::Error>> {
        let _ = map;
        None
    }

    /// The variant for an array, read from `seq`.
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Option<Result<Self, A::Error>> {
        let _ = seq;
        None
    }
}

/// The `Deserialize` body of a generated union.
pub fn deserialize_one_of<'de, T: OneOf, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(OneOfVisitor(PhantomData))
}

struct OneOfVisitor<T>(PhantomData<T>);

impl<T: OneOf> OneOfVisitor<T> {
    fn refuse<E: de::Error>(&self, unexpected: Unexpected<'_>) -> E {
        E::invalid_type(unexpected, self)
    }
}

impl<'de, T: OneOf> Visitor<'de> for OneOfVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        T::from_string(value.to_owned()).ok_or_else(|| self.refuse(Unexpected::Str(value)))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
        match T::from_string(value) {
            Some(v) => Ok(v),
            None => Err(self.refuse(Unexpected::Other("a string"))),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        // Precision lost by a float variant is the float type's own limit.
        #[allow(clippy::cast_precision_loss)]
        let float = value as f64;
        (T::from_integer(value).or_else(|| T::from_float(float)))
            .ok_or_else(|| self.refuse(Unexpected::Signed(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        #[allow(clippy::cast_precision_loss)]
        let float = value as f64;
        let integer = i64::try_from(value).ok().and_then(T::from_integer);
        (integer.or_else(|| T::from_float(float))).ok_or_else(|| self.refuse(Unexpected::Unsigned(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        T::from_float(value).ok_or_else(|| self.refuse(Unexpected::Float(value)))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<T, E> {
        T::from_bool(value).ok_or_else(|| self.refuse(Unexpected::Bool(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(self.refuse(Unexpected::Unit))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map).unwrap_or_else(|| Err(self.refuse(Unexpected::Map)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::from_seq(seq).unwrap_or_else(|| Err(self.refuse(Unexpected::Seq)))
    }
}
