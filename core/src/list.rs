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
