//! Objects are JSON objects: a positional array is a wrong type, not a payload.
//!
//! serde's derived `Deserialize` also accepts a struct written as an array of its
//! values, so `[422, "x", "code"]` would parse as an event error. Generated code reads
//! every spec object through [`DeserializeObject`], which accepts maps only.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Deserializes a value holding spec objects, accepting only JSON objects for them.
pub trait DeserializeObject<'de>: Sized {
    /// Deserializes, refusing anything but a map where an object is expected.
    fn deserialize_object<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// `#[serde(deserialize_with)]` target for fields holding spec objects.
pub fn object<'de, D: Deserializer<'de>, T: DeserializeObject<'de>>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_object(deserializer)
}

/// The body of [`DeserializeObject`] for a generated struct: its derived `Deserialize`,
/// fed from a map only.
pub fn deserialize_map_only<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(MapOnly(PhantomData))
}

struct MapOnly<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for MapOnly<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

impl<'de, T: DeserializeObject<'de>> DeserializeObject<'de> for Box<T> {
    fn deserialize_object<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_object(deserializer).map(Box::new)
    }
}

impl<'de, T: DeserializeObject<'de>> DeserializeObject<'de> for Option<T> {
    fn deserialize_object<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(OptionOf(PhantomData))
    }
}

impl<'de, T: DeserializeObject<'de>> DeserializeObject<'de> for Vec<T> {
    fn deserialize_object<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(VecOf(PhantomData))
    }
}

struct OptionOf<T>(PhantomData<T>);

impl<'de, T: DeserializeObject<'de>> Visitor<'de> for OptionOf<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        T::deserialize_object(deserializer).map(Some)
    }
}

struct VecOf<T>(PhantomData<T>);

impl<'de, T: DeserializeObject<'de>> Visitor<'de> for VecOf<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(ItemSeed(PhantomData))? {
            items.push(item);
        }
        Ok(items)
    }
}

struct ItemSeed<T>(PhantomData<T>);

impl<'de, T: DeserializeObject<'de>> DeserializeSeed<'de> for ItemSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize_object(deserializer)
    }
}
