//! Where a value sits in a payload, kept on the stack until a violation needs it.

use std::fmt::Write;

/// The location of a value being validated: a chain of keys and indices from the root,
/// each link borrowed from the caller's stack frame, so that walking a valid payload
/// allocates nothing. [`Path::pointer`] renders it as a JSON Pointer when needed.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The root of the value being validated.
    pub const ROOT: Path<'static> = Path { parent: None, segment: Segment::Root };

    /// The member `key` of the object at this path.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Key(key) }
    }

    /// The item `index` of the array at this path.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Index(index) }
    }

    /// The path as a JSON Pointer (RFC 6901), such as `/invoice/fees/0/units`.
    pub fn pointer(&self) -> String {
        let mut segments = Vec::new();
        let mut link = Some(self);
        while let Some(path) = link {
            segments.push(path.segment);
            link = path.parent;
        }
        let mut pointer = String::new();
        for segment in segments.iter().rev() {
            match segment {
                Segment::Root => {}
                Segment::Key(key) => lago_webhooks_core::pointer::push_token(&mut pointer, key),
                Segment::Index(index) => {
                    let _ = write!(pointer, "/{index}");
                }
            }
        }
        pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_keys_and_number_indices() {
        let invoice = Path::ROOT.key("invoice");
        let fees = invoice.key("fees");
        let fee = fees.index(3);
        assert_eq!(fee.key("a/b~c").pointer(), "/invoice/fees/3/a~1b~0c");
        assert_eq!(Path::ROOT.pointer(), "");
    }
}
