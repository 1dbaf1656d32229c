//! The textual formats a value may be required to have: their names in a spec, their
//! rule ids and wording in violations, and how each is recognised.

/// A textual format a value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `8-4-4-4-12` hexadecimal digits.
    Uuid,
    /// `local@domain.tld`, without spaces.
    Email,
    /// An absolute `http` or `https` URL.
    Url,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An RFC 3339 timestamp with a zone: `2022-04-29T08:59:51Z`, `...+02:00`.
    DateTime,
    /// A currency code Lago accepts (ISO 4217).
    Currency,
    /// A decimal number: optional `-`, digits, optional fraction.
    Decimal,
    /// Text that is itself valid JSON.
    Json,
}

impl Format {
    /// Every format, in the order the spec format's reference lists them.
    pub const ALL: [Format; 8] = [
        Format::Uuid,
        Format::Email,
        Format::Url,
        Format::Date,
        Format::DateTime,
        Format::Currency,
        Format::Decimal,
        Format::Json,
    ];

    /// The name a spec gives it in a field's `format` (`uuid`, `datetime`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Uuid => "uuid",
            Format::Email => "email",
            Format::Url => "url",
            Format::Date => "date",
            Format::DateTime => "datetime",
            Format::Currency => "currency",
            Format::Decimal => "decimal",
            Format::Json => "json",
        }
    }

    /// The format a spec names `name`, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.name() == name)
    }

    /// The name of its variant, `Uuid`: for code generators that write
    /// `Format::Uuid`.
    pub fn variant_name(self) -> &'static str {
        match self {
            Format::Uuid => "Uuid",
            Format::Email => "Email",
            Format::Url => "Url",
            Format::Date => "Date",
            Format::DateTime => "DateTime",
            Format::Currency => "Currency",
            Format::Decimal => "Decimal",
            Format::Json => "Json",
        }
    }

    /// The stable rule id of a violation of this format: `format.` and its name.
    pub fn rule(self) -> &'static str {
        match self {
            Format::Uuid => "format.uuid",
            Format::Email => "format.email",
            Format::Url => "format.url",
            Format::Date => "format.date",
            Format::DateTime => "format.datetime",
            Format::Currency => "format.currency",
            Format::Decimal => "format.decimal",
            Format::Json => "format.json",
        }
    }

    /// What the format asks for, as violation messages say it (`a UUID`).
    pub fn describe(self) -> &'static str {
        match self {
            Format::Uuid => "a UUID",
            Format::Email => "an email address",
            Format::Url => "an absolute http(s) URL",
            Format::Date => "a YYYY-MM-DD date",
            Format::DateTime => "an RFC 3339 timestamp with a time zone",
            Format::Currency => "an ISO 4217 currency code Lago accepts",
            Format::Decimal => "a decimal number",
            Format::Json => "JSON text",
        }
    }

    /// Whether `value` has this format.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Format::Uuid => is_uuid(value),
            Format::Email => is_email(value),
            Format::Url => is_url(value),
            Format::Date => is_date(value.as_bytes()),
            Format::DateTime => is_datetime(value.as_bytes()),
            Format::Currency => is_currency(value),
            Format::Decimal => is_decimal(value),
            Format::Json => serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok(),
        }
    }
}

fn hex_run(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_hexdigit)
}

fn is_uuid(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && [&b[..8], &b[9..13], &b[14..18], &b[19..23], &b[24..]].iter().all(|run| hex_run(run))
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    if domain.contains('@') {
        return false;
    }
    let labels_ok = domain.split('.').all(|l| !l.is_empty());
    !local.is_empty() && domain.contains('.') && labels_ok && !value.contains(char::is_whitespace)
}

fn is_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // The host is what remains without user information and port.
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = host.rsplit_once(':').map_or(host, |(host, _)| host);
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && !host.is_empty()
        && !value.contains(|c: char| c.is_whitespace() || c.is_control())
}

fn digits(bytes: &[u8]) -> Option<u32> {
    (!bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit))
        .then(|| bytes.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

fn is_date(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits(&b[..4]), digits(&b[5..7]), digits(&b[8..])) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// `HH:MM` within range.
fn is_hour_minute(b: &[u8]) -> bool {
    b.len() == 5
        && b[2] == b':'
        && digits(&b[..2]).is_some_and(|h| h < 24)
        && digits(&b[3..]).is_some_and(|m| m < 60)
}

fn is_datetime(b: &[u8]) -> bool {
    if b.len() < 20 || !is_date(&b[..10]) || !matches!(b[10], b'T' | b't') {
        return false;
    }
    // Seconds may be 60 (leap second).
    let time_ok = is_hour_minute(&b[11..16]) && b[16] == b':' && digits(&b[17..19]).is_some_and(|s| s <= 60);
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if len == 0 {
            return false;
        }
        rest = &fraction[len..];
    }
    let zone_ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', offset @ ..] => is_hour_minute(offset),
        _ => false,
    };
    time_ok && zone_ok
}

fn is_decimal(value: &str) -> bool {
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

/// Position of a three-letter upper-case code among all 26³ such codes.
const fn code_index(code: &[u8]) -> Option<usize> {
    if code.len() != 3 {
        return None;
    }
    let mut index = 0;
    let mut i = 0;
    while i < 3 {
        if !code[i].is_ascii_uppercase() {
            return None;
        }
        index = index * 26 + (code[i] - b'A') as usize;
        i += 1;
    }
    Some(index)
}

/// One bit per three-letter code, set for the codes of [`CURRENCIES`]: validation looks a
/// currency up on every currency field, so the lookup is one load and a shift.
const CURRENCY_SET: [u64; 26 * 26 * 26 / 64 + 1] = {
    let mut set = [0u64; 26 * 26 * 26 / 64 + 1];
    let mut i = 0;
    while i < CURRENCIES.len() {
        if let Some(index) = code_index(CURRENCIES[i].as_bytes()) {
            set[index / 64] |= 1 << (index % 64);
        }
        i += 1;
    }
    set
};

fn is_currency(value: &str) -> bool {
    code_index(value.as_bytes()).is_some_and(|index| CURRENCY_SET[index / 64] >> (index % 64) & 1 == 1)
}

/// The currency codes Lago accepts (its API's ISO 4217 list), sorted.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLF", "CLP", "CNY", "COP",
    "CRC", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GIP",
    "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "ISK", "JMD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KRW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRO", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR",
    "SBD", "SCR", "SEK", "SGD", "SHP", "SLL", "SOS", "SRD", "STD", "SZL", "THB", "TJS", "TOP", "TRY", "TTD",
    "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER",
    "ZAR", "ZMW",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_currency_set_holds_exactly_the_listed_codes() {
        assert!(CURRENCIES.windows(2).all(|pair| pair[0] < pair[1]));
        let members = (0..26 * 26 * 26).filter(|i| CURRENCY_SET[i / 64] >> (i % 64) & 1 == 1).count();
        assert_eq!(members, CURRENCIES.len());
        assert!(CURRENCIES.iter().all(|code| is_currency(code)));
    }

    #[test]
    fn names_rules_and_variants_agree() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
            assert_eq!(format.rule(), format!("format.{}", format.name()));
            assert_eq!(format.variant_name(), format!("{format:?}"));
        }
        assert_eq!(Format::from_name("none"), None);
    }

    #[test]
    fn formats_accept_and_refuse() {
        let cases: &[(Format, &[&str], &[&str])] = &[
            (
                Format::Uuid,
                &["5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba", "5EB02857-A71E-4EA2-BCF9-57D3A41BC6BA"],
                &[
                    "10pb140c-0e7a-44dc-bdff-b683d0770et9",
                    "5eb02857a71e4ea2bcf957d3a41bc6ba",
                    "",
                    "5eb02857-a71e-4ea2-bcf9-57d3a41bc6b",
                ],
            ),
            (
                Format::Email,
                &["dinesh@piedpiper.test"],
                &["dinesh", "a@b", "a b@c.d", "@c.d", "a@.d", "a@b@c.d"],
            ),
            (
                Format::Url,
                &[
                    "http://hooli.com",
                    "https://getlago.com/invoice/file?x=1",
                    "HTTPS://getlago.com",
                    "http://u@h:80/",
                ],
                &[
                    "__CUSTOM_CHECKOUT_URL__",
                    "https://",
                    "ftp://x.y",
                    "https://a b",
                    "https://@/",
                    "https://:80",
                ],
            ),
            (
                Format::Date,
                &["2022-04-29", "2024-02-29"],
                &["", "2023-02-29", "2022-13-01", "2022-4-29", "20220429"],
            ),
            (
                Format::DateTime,
                &["2022-04-29T08:59:51Z", "2023-01-17T15:44:16.123Z", "2022-04-29T08:59:51+02:00"],
                &[
                    "2022-10-06 09:52:00",
                    "2022-04-29T08:59:51",
                    "2022-04-29T24:00:00Z",
                    "2022-04-29T08:59:51.Z",
                ],
            ),
            (Format::Currency, &["EUR", "USD"], &["", "eur", "EURO", "XXX"]),
            (Format::Decimal, &["1.0", "0.32", "-3", "12.6"], &["", "1.", ".5", "1e3", "abc"]),
            (Format::Json, &["{}", r#"{"a":["b"]}"#, "3", "null"], &["", "{", "{a}", "[1,]"]),
        ];
        for (format, good, bad) in cases {
            for value in *good {
                assert!(format.accepts(value), "{format:?} should accept {value:?}");
            }
            for value in *bad {
                assert!(!format.accepts(value), "{format:?} should refuse {value:?}");
            }
        }
    }
}
