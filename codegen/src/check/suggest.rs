//! "Did you mean" hints for names the spec or the `include` setting gets wrong.
//!
//! Separate from the checks because it is plain string matching with no knowledge of
//! the spec: the checks decide which names are candidates, this picks the likely typo.

/// The hint `; did you mean `…`?` for the candidate nearest to `name`, if one is near
/// enough to be a likely typo.
pub(super) fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates).map(|c| format!("; did you mean `{c}`?"))
}

/// The candidate nearest to `name` by edit distance, if near enough to be a likely typo.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = |c: &str| (name.len().max(c.len()) / 3).max(1);
    candidates
        // Lengths further apart than the allowed distance are too far without measuring:
        // the distance is at least their difference, and a name of a megabyte would
        // otherwise be compared character by character with every candidate.
        .filter(|c| name.len().abs_diff(c.len()) <= allowed(c))
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= allowed(c))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("invoice.created", "invoice.created"), 0);
        assert_eq!(edit_distance("invoice.creatd", "invoice.created"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_suggests_only_near_names() {
        let names = ["invoice.created", "fee.created"];
        assert_eq!(closest("invoice.create", names.into_iter()), Some("invoice.created"));
        assert_eq!(closest("wallet.terminated", names.into_iter()), None);
    }
}
