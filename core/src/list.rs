//! How a list of problems is written: each item's `Display`, one after the other, with a
//! separator between them (a spec's errors are separated by a blank line, a payload's
//! violations by a line break).

use std::fmt;

/// Writes `items` to `f` with `separator` between them.
pub fn write_separated<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl IntoIterator<Item = T>,
    separator: &str,
) -> fmt::Result {
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Gives a newtype over `Vec<Item>` the reading side of a list of problems: `iter`, `len`,
/// `is_empty`, iteration by reference, `Display` (each item's, with `separator` between
/// them) and `std::error::Error`. A spec's errors and a payload's violations are both
/// such lists; this keeps the two alike by construction.
///
/// ```
/// #[derive(Debug)]
/// pub struct Problems(Vec<String>);
/// lago_webhooks_core::problem_list!(Problems, String, "; ");
///
/// let problems = Problems(vec!["a".into(), "b".into()]);
/// assert_eq!(problems.to_string(), "a; b");
/// assert_eq!(problems.len(), 2);
/// ```
#[macro_export]
macro_rules! problem_list {
    ($list:ident, $item:ty, $separator:expr) => {
        impl $list {
            /// The problems, in the order found.
            pub fn iter(&self) -> ::std::slice::Iter<'_, $item> {
                self.0.iter()
            }

            /// How many problems there are.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// True when there is none.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl ::std::fmt::Display for $list {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::list::write_separated(f, &self.0, $separator)
            }
        }

        impl ::std::error::Error for $list {}

        impl<'a> ::std::iter::IntoIterator for &'a $list {
            type Item = &'a $item;
            type IntoIter = ::std::slice::Iter<'a, $item>;

            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Three;

    impl fmt::Display for Three {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_separated(f, [1, 2, 3], ", ")
        }
    }

    #[test]
    fn separators_go_between_items_only() {
        assert_eq!(Three.to_string(), "1, 2, 3");
    }
}
