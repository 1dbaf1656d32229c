//! Lago releases as a spec, the generator and the command name them: `1.9.0` (a leading
//! `v`, as Lago's tags write it, is accepted), ordered by number; and ranges of them, as
//! a version pin writes them: `1.40` (every `1.40.x`), `1.30..` (1.30.0 and later,
//! including what no release has sent yet), `1.8..1.30` (both ends included).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// One Lago release, such as `1.9.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LagoVersion {
    /// The major number.
    pub major: u32,
    /// The minor number.
    pub minor: u32,
    /// The patch number.
    pub patch: u32,
}

impl LagoVersion {
    /// The release `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        LagoVersion { major, minor, patch }
    }
}

impl fmt::Display for LagoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a text is not a release or a range of releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError(String);

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VersionError {}

/// The numbers of `text` (`1.9.0`, `v1.9`, `1`): one to three, each a plain number.
fn numbers(text: &str) -> Result<Vec<u32>, VersionError> {
    let refused =
        || VersionError(format!("`{text}` is not a Lago release: expected numbers such as `1.9.0`"));
    let digits = text.strip_prefix('v').unwrap_or(text);
    let numbers: Vec<u32> = digits
        .split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refused());
            }
            part.parse().map_err(|_| refused())
        })
        .collect::<Result<_, _>>()?;
    if numbers.is_empty() || numbers.len() > 3 {
        return Err(refused());
    }
    Ok(numbers)
}

impl FromStr for LagoVersion {
    type Err = VersionError;

    /// A whole release, `1.9.0` or `v1.9.0`.
    fn from_str(text: &str) -> Result<Self, VersionError> {
        match numbers(text)?[..] {
            [major, minor, patch] => Ok(LagoVersion { major, minor, patch }),
            _ => Err(VersionError(format!(
                "`{text}` is not a whole Lago release: expected `major.minor.patch`"
            ))),
        }
    }
}

/// A range of releases, both ends included; no end means "and later", up to what no
/// release has sent yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// The first release of the range.
    pub from: LagoVersion,
    /// The last release of the range, if it has one.
    pub to: Option<LagoVersion>,
}

impl VersionRange {
    /// Whether `version` is in the range.
    pub fn contains(&self, version: LagoVersion) -> bool {
        self.from <= version && self.to.is_none_or(|to| version <= to)
    }

    /// Whether the range reaches past every release: to what only the development head
    /// sends.
    pub fn is_open(&self) -> bool {
        self.to.is_none()
    }

    /// Whether something sent from `since` until `until` (or still, when `None`) is sent
    /// by at least one release of the range. What no release has sent yet
    /// ([`Since::Unreleased`]) only an open range reaches.
    pub fn reaches(&self, since: Since, until: Option<LagoVersion>) -> bool {
        let after_start = until.is_none_or(|until| self.from <= until);
        let before_end = match since {
            Since::Always => true,
            Since::Release(since) => self.to.is_none_or(|to| since <= to),
            Since::Unreleased => self.is_open(),
        };
        after_start && before_end
    }

    /// Whether every release of the range sends what is sent from `since` until `until`.
    pub fn always(&self, since: Since, until: Option<LagoVersion>) -> bool {
        let from_start = match since {
            Since::Always => true,
            Since::Release(since) => since <= self.from,
            Since::Unreleased => false,
        };
        // An open range runs on past every release: only what is still sent is sent there.
        let to_end = match (until, self.to) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(until), Some(to)) => to <= until,
        };
        from_start && to_end
    }
}

/// The last release `to` as its short form wrote it: `1.40` for every 1.40.x.
fn end(to: LagoVersion) -> String {
    match to {
        LagoVersion { minor: u32::MAX, .. } => to.major.to_string(),
        LagoVersion { patch: u32::MAX, .. } => format!("{}.{}", to.major, to.minor),
        _ => to.to_string(),
    }
}

impl fmt::Display for VersionRange {
    /// The form [`VersionRange::from_str`] reads: `1.40`, `1.30.0..`, `1.8.0..1.30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(to) = self.to else { return write!(f, "{}..", self.from) };
        let short = end(to);
        if bounds(&short).is_ok_and(|(from, _)| from == self.from) {
            f.write_str(&short)
        } else {
            write!(f, "{}..{short}", self.from)
        }
    }
}

/// The first and last release a short form names: `1.40` is 1.40.0 to every 1.40.x.
fn bounds(text: &str) -> Result<(LagoVersion, LagoVersion), VersionError> {
    const ANY: u32 = u32::MAX;
    Ok(match numbers(text)?[..] {
        [major] => (LagoVersion::new(major, 0, 0), LagoVersion::new(major, ANY, ANY)),
        [major, minor] => (LagoVersion::new(major, minor, 0), LagoVersion::new(major, minor, ANY)),
        [major, minor, patch] => {
            let version = LagoVersion::new(major, minor, patch);
            (version, version)
        }
        _ => return Err(VersionError(format!("`{text}` is not a Lago release"))),
    })
}

impl FromStr for VersionRange {
    type Err = VersionError;

    /// `1.40`, `1.40.2`, `1.30..`, `1.8..1.30`.
    fn from_str(text: &str) -> Result<Self, VersionError> {
        let range = match text.split_once("..") {
            None => {
                let (from, to) = bounds(text)?;
                VersionRange { from, to: Some(to) }
            }
            Some((from, "")) => VersionRange { from: bounds(from)?.0, to: None },
            Some((from, to)) => VersionRange { from: bounds(from)?.0, to: Some(bounds(to)?.1) },
        };
        if range.to.is_some_and(|to| to.cmp(&range.from) == Ordering::Less) {
            return Err(VersionError(format!("`{text}` ends before it starts")));
        }
        Ok(range)
    }
}

/// Since when something is sent; ordered from the earliest (`Always`) to the latest
/// (`Unreleased`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Since {
    /// By every release a spec covers, from its floor on.
    #[default]
    Always,
    /// From this release on.
    Release(LagoVersion),
    /// By no release yet: only by Lago's development head.
    Unreleased,
}

impl Since {
    /// The word a spec writes for [`Since::Unreleased`].
    pub const UNRELEASED: &'static str = "unreleased";

    /// Reads a spec's `since`: a release or `unreleased`.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        if text == Self::UNRELEASED {
            return Ok(Since::Unreleased);
        }
        text.parse().map(Since::Release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> VersionRange {
        text.parse().unwrap()
    }

    fn v(text: &str) -> LagoVersion {
        text.parse().unwrap()
    }

    #[test]
    fn releases_read_with_or_without_v_and_order_by_number() {
        assert_eq!(v("v1.9.0"), LagoVersion::new(1, 9, 0));
        assert!(v("1.10.0") > v("1.9.2"));
        for bad in ["1.9", "1..0", "1.9.0.1", "x", "", "1.-1.0", "1.9.0 "] {
            assert!(bad.parse::<LagoVersion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_take_short_forms_and_open_ends() {
        assert_eq!(range("1.40").to_string(), "1.40");
        assert_eq!(range("1.8..1.30").to_string(), "1.8.0..1.30");
        assert!(range("1.40").contains(v("1.40.3")) && !range("1.40").contains(v("1.41.0")));
        assert_eq!(range("1.30..").to_string(), "1.30.0..");
        assert!(range("1.8..1.30").contains(v("1.30.5")) && range("1.8..1.30").contains(v("1.8.0")));
        assert_eq!(range("1.9.0").to_string(), "1.9.0");
        assert!("1.30..1.8".parse::<VersionRange>().is_err());
        assert!("..1.8".parse::<VersionRange>().is_err());
    }

    #[test]
    fn a_range_reaches_what_one_of_its_releases_sends_and_always_has_what_all_do() {
        let since_1_9 = Since::Release(v("1.9.0"));
        assert!(!range("1.8").reaches(since_1_9, None));
        assert!(range("1.8..").reaches(since_1_9, None));
        assert!(range("1.51").always(since_1_9, None));
        assert!(!range("1.8..1.51").always(since_1_9, None));
        // Removed after 1.33: reached by 1.30.., never always there in an open range.
        let until = Some(v("1.33.9"));
        assert!(range("1.30..").reaches(Since::Always, until));
        assert!(!range("1.30..").always(Since::Always, until));
        assert!(range("1.30").always(Since::Always, until));
        assert!(!range("1.34..").reaches(Since::Always, until));
        // Unreleased: only an open range reaches it, none always has it.
        assert!(range("1.51..").reaches(Since::Unreleased, None));
        assert!(!range("1.51").reaches(Since::Unreleased, None));
        assert!(!range("1.51..").always(Since::Unreleased, None));
    }
}
