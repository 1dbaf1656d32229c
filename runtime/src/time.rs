//! Dates and timestamps kept as the text Lago sent.
//!
//! Lago's examples include timestamps without a zone (`2022-10-06 09:52:00`) and
//! empty dates, so parsing must not reject them: these types keep the text, and
//! conversions or checks are left to the caller (or to validation).

use crate::text::text_type;

text_type! {
    /// A calendar date as sent, normally `YYYY-MM-DD`.
    Date
}

text_type! {
    /// A timestamp as sent, normally RFC 3339 in UTC (`2022-04-29T08:59:51Z`).
    ///
    /// Lago sends most timestamps to the second and a few to the millisecond
    /// (`2022-04-29T08:59:51.123Z`); older versions and docs also show timestamps
    /// without a zone (`2022-10-06 09:52:00`). [`DateTime::unix_millis`] reads them all.
    DateTime
}

impl DateTime {
    /// Milliseconds since the Unix epoch, or `None` when the text is not a timestamp.
    ///
    /// Accepts `YYYY-MM-DD`, then `T`, `t` or a space, then `HH:MM:SS` with an optional
    /// fraction (read to the millisecond, further digits dropped) and an optional zone
    /// (`Z` or `±HH:MM`). A timestamp without a zone is taken as UTC, which is what Lago
    /// stores.
    ///
    /// ```
    /// use lago_webhooks::DateTime;
    ///
    /// assert_eq!(DateTime::new("1970-01-01T00:00:01Z").unix_millis(), Some(1_000));
    /// assert_eq!(DateTime::new("2022-04-29T08:59:51.123Z").unix_millis(), Some(1_651_222_791_123));
    /// assert_eq!(DateTime::new("2022-04-29 10:59:51+02:00").unix_millis(), Some(1_651_222_791_000));
    /// assert_eq!(DateTime::new("2022-04-29 08:59:51").unix_millis(), Some(1_651_222_791_000));
    /// assert_eq!(DateTime::new("yesterday").unix_millis(), None);
    /// ```
    pub fn unix_millis(&self) -> Option<i64> {
        let b = self.0.as_bytes();
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let digits = b.get(range)?;
            digits.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
        };
        let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
        if b.len() < 19
            || !separators.iter().all(|(i, c)| b[*i] == *c)
            || !matches!(b[10], b'T' | b't' | b' ')
        {
            return None;
        }
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut rest = &b[19..];
        let mut millis = 0;
        if let Some(fraction) = rest.strip_prefix(b".") {
            let len = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
            if len == 0 {
                return None;
            }
            for (i, digit) in fraction[..len.min(3)].iter().enumerate() {
                millis += i64::from(digit - b'0') * [100, 10, 1][i];
            }
            rest = &fraction[len..];
        }
        let offset_minutes = match rest {
            [] | [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let part = |x: u8, y: u8| {
                    (x.is_ascii_digit() && y.is_ascii_digit())
                        .then(|| i64::from(x - b'0') * 10 + i64::from(y - b'0'))
                };
                let (h, m) = (part(*h1, *h2)?, part(*m1, *m2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                if *sign == b'+' { h * 60 + m } else { -(h * 60 + m) }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
        Some(seconds * 1_000 + millis)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_verbatim() {
        let odd: DateTime = serde_json::from_str("\"2022-10-06 09:52:00\"").unwrap();
        assert_eq!(odd.as_str(), "2022-10-06 09:52:00");
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"2022-10-06 09:52:00\"");
        let empty: Date = serde_json::from_str("\"\"").unwrap();
        assert_eq!(empty.as_str(), "");
        assert!(serde_json::from_str::<Date>("20220101").is_err());
    }

    #[test]
    fn unix_millis_reads_every_form_lago_sends() {
        let millis = |text: &str| DateTime::new(text).unix_millis();
        assert_eq!(millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(millis("1969-12-31T23:59:59Z"), Some(-1_000));
        assert_eq!(millis("2000-02-29T12:00:00Z"), Some(951_825_600_000));
        assert_eq!(millis("2025-03-14T09:30:00.5Z"), millis("2025-03-14T09:30:00Z").map(|m| m + 500));
        assert_eq!(millis("2025-03-14T09:30:00.123456Z"), millis("2025-03-14T09:30:00Z").map(|m| m + 123));
        assert_eq!(millis("2025-03-14T10:30:00+01:00"), millis("2025-03-14T09:30:00Z"));
        assert_eq!(millis("2025-03-14T08:00:00-01:30"), millis("2025-03-14T09:30:00Z"));
        assert_eq!(millis("2025-03-14 09:30:00"), millis("2025-03-14T09:30:00Z"));
        for bad in [
            "",
            "2025-03-14",
            "2025-02-30T00:00:00Z",
            "2025-03-14T24:00:00Z",
            "2025-03-14T09:30:00.Z",
            "2025-03-14T09:30:00+1:00",
            "2025-03-14T09:30:00Zjunk",
            "2025-13-01T00:00:00Z",
            "२०२५-03-14T09:30:00Z",
        ] {
            assert_eq!(millis(bad), None, "{bad}");
        }
    }
}
