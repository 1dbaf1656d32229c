//! The shape of a payload as read from the serializers (keys, objects, arrays of objects),
//! and the key paths compared between releases.

use std::collections::{BTreeMap, BTreeSet};

/// What a value is, as far as reading the code tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A value whose structure reading cannot tell (a column, a model's `metadata`, `nil`).
    Leaf,
    /// An object with these keys (sorted, for a stable report).
    Object(BTreeMap<String, Shape>),
    /// An array whose elements have this shape.
    Array(Box<Shape>),
}

impl Shape {
    /// An object without keys.
    pub fn empty() -> Shape {
        Shape::Object(BTreeMap::new())
    }

    /// The value that may be either `self` or `other`: objects get the keys of both, and a
    /// structure wins over a leaf (a `nil` in one branch does not hide the object of the
    /// other).
    pub fn union(self, other: Shape) -> Shape {
        match (self, other) {
            (Shape::Object(mut keys), Shape::Object(more)) => {
                for (key, shape) in more {
                    let merged = match keys.remove(&key) {
                        Some(existing) => existing.union(shape),
                        None => shape,
                    };
                    keys.insert(key, merged);
                }
                Shape::Object(keys)
            }
            (Shape::Array(a), Shape::Array(b)) => Shape::Array(Box::new(a.union(*b))),
            (Shape::Leaf, other) => other,
            (this, _) => this,
        }
    }

    /// Every key path of the shape: `a`, `a.b`, `list[]`, `list[].c`. A path ending in `[]`
    /// is an array of objects; its keys follow.
    pub fn paths(&self) -> BTreeSet<String> {
        let mut paths = BTreeSet::new();
        collect(self, "", &mut paths);
        paths
    }

    /// The shape `value` writes as JSON, the inverse of [`Shape::to_json`]: an object's
    /// keys, `[shape]` for an array, anything else a leaf. For tests that write readings.
    #[cfg(test)]
    pub fn from_json(value: &serde_json::Value) -> Shape {
        match value {
            serde_json::Value::Object(keys) => Shape::Object(
                keys.iter().map(|(key, value)| (key.clone(), Shape::from_json(value))).collect(),
            ),
            serde_json::Value::Array(items) => {
                Shape::Array(Box::new(items.first().map_or(Shape::Leaf, Shape::from_json)))
            }
            _ => Shape::Leaf,
        }
    }

    /// The shape as JSON: an object maps each key to its shape, an array is `[shape]`, a
    /// leaf is `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Shape::Leaf => serde_json::Value::Null,
            Shape::Object(keys) => serde_json::Value::Object(
                keys.iter().map(|(key, shape)| (key.clone(), shape.to_json())).collect(),
            ),
            Shape::Array(item) => serde_json::Value::Array(vec![item.to_json()]),
        }
    }
}

fn collect(shape: &Shape, prefix: &str, paths: &mut BTreeSet<String>) {
    match shape {
        Shape::Leaf => {}
        Shape::Object(keys) => {
            for (key, inner) in keys {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                paths.insert(path.clone());
                collect(inner, &path, paths);
            }
        }
        Shape::Array(item) => {
            // The key of the array is already in; its elements' keys follow `[]`.
            if let Shape::Object(_) | Shape::Array(_) = **item {
                collect(item, &format!("{prefix}[]"), paths);
            }
        }
    }
}

/// The paths only in `before` (removed) and only in `after` (added).
pub fn diff(before: &BTreeSet<String>, after: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (before.difference(after).cloned().collect(), after.difference(before).cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(keys: &[(&str, Shape)]) -> Shape {
        Shape::Object(keys.iter().map(|(key, shape)| (key.to_string(), shape.clone())).collect())
    }

    #[test]
    fn paths_name_nested_objects_and_arrays() {
        let shape = object(&[
            ("id", Shape::Leaf),
            ("owner", object(&[("name", Shape::Leaf)])),
            ("lines", Shape::Array(Box::new(object(&[("total", Shape::Leaf)])))),
        ]);
        let paths: Vec<String> = shape.paths().into_iter().collect();
        assert_eq!(paths, ["id", "lines", "lines[].total", "owner", "owner.name"]);
        assert_eq!(
            shape.to_json(),
            serde_json::json!({"id": null, "owner": {"name": null}, "lines": [{"total": null}]})
        );
    }

    #[test]
    fn union_keeps_every_key_and_prefers_structure() {
        let a = object(&[("x", Shape::Leaf), ("y", Shape::Leaf)]);
        let b = object(&[("y", object(&[("z", Shape::Leaf)])), ("w", Shape::Leaf)]);
        let merged = a.union(b);
        let paths: Vec<String> = merged.paths().into_iter().collect();
        assert_eq!(paths, ["w", "x", "y", "y.z"]);
        let (removed, added) = diff(&object(&[("x", Shape::Leaf)]).paths(), &merged.paths());
        assert!(removed.is_empty());
        assert_eq!(added, ["w", "y", "y.z"]);
    }
}
