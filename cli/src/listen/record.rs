//! `--record DIR`: every delivery's raw body written to a file of its own, exactly as it
//! came, so that `trigger --payload FILE` sends it again; its headers beside it, in a
//! `.headers` file (not `.json`, so that a `DIR/*.json` glob picks the bodies only).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Writes deliveries into a directory.
pub struct Recorder {
    dir: PathBuf,
}

impl Recorder {
    /// A recorder into `dir`, created if absent.
    pub fn new(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        Ok(Recorder { dir: dir.to_owned() })
    }

    /// Writes one delivery: the body as `<name>.json`, the headers as `<name>.headers`.
    /// Returns the body's path.
    pub fn write(&self, delivery: &Recorded<'_>) -> Result<PathBuf, String> {
        let stem = file_stem(delivery);
        let body = self.dir.join(format!("{stem}.json"));
        std::fs::write(&body, delivery.body)
            .map_err(|err| format!("cannot write {}: {err}", body.display()))?;
        let mut headers = Vec::new();
        for (name, value) in delivery.headers {
            headers.extend_from_slice(name.as_str().as_bytes());
            headers.extend_from_slice(b": ");
            headers.extend_from_slice(value.as_bytes());
            headers.push(b'\n');
        }
        let sidecar = self.dir.join(format!("{stem}.headers"));
        std::fs::write(&sidecar, headers)
            .map_err(|err| format!("cannot write {}: {err}", sidecar.display()))?;
        Ok(body)
    }
}

/// What a file name and its content are made of.
pub struct Recorded<'a> {
    /// When it arrived.
    pub at: SystemTime,
    /// Its number in this run, which keeps names apart when all else is the same.
    pub id: u64,
    /// Its webhook type, when known.
    pub webhook_type: Option<&'a str>,
    /// Its unique key, when it has one.
    pub unique_key: Option<&'a str>,
    /// Its headers.
    pub headers: &'a http::HeaderMap,
    /// Its raw body.
    pub body: &'a [u8],
}

/// `20261207T132249.123Z-0001-fee.created-trigger-123-0`: sorted by time as listed, and
/// made only of characters every file system takes, whatever the sender put in the type
/// and the key.
fn file_stem(delivery: &Recorded<'_>) -> String {
    format!(
        "{}-{:04}-{}-{}",
        utc_stamp(delivery.at),
        delivery.id,
        sanitized(delivery.webhook_type.unwrap_or("unknown")),
        sanitized(delivery.unique_key.unwrap_or("no-key")),
    )
}

/// The most characters a sender's text takes in a name: the whole stays under the 255
/// bytes file systems allow.
const MAX_PART: usize = 80;

/// `text` with every character but ASCII letters, digits, `.`, `_` and `-` replaced by
/// `_`, at most [`MAX_PART`] of them, and never `.` or `..`.
pub(super) fn sanitized(text: &str) -> String {
    let mut part: String = text
        .chars()
        .take(MAX_PART)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    if part.is_empty() || part.chars().all(|c| c == '.') {
        part = part.replace('.', "_");
        part.push('_');
    }
    part
}

/// `at` in UTC, as `YYYYMMDDTHHMMSS.mmmZ`.
fn utc_stamp(at: SystemTime) -> String {
    let crate::clock::Utc { year, month, day, hour, minute, second, millisecond } = crate::clock::Utc::of(at);
    format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}{second:02}.{millisecond:03}Z")
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn names_hold_time_number_type_and_key_in_safe_characters() {
        let at = UNIX_EPOCH + Duration::from_millis(1_796_649_769_123);
        let headers = http::HeaderMap::new();
        let delivery = |webhook_type, unique_key| Recorded {
            at,
            id: 7,
            webhook_type,
            unique_key,
            headers: &headers,
            body: b"{}",
        };
        assert_eq!(
            file_stem(&delivery(Some("fee.created"), Some("trigger-1-0"))),
            "20261207T132249.123Z-0007-fee.created-trigger-1-0"
        );
        assert_eq!(
            file_stem(&delivery(Some("../../etc/passwd"), Some("a/b\\c d\u{1b}[2J é"))),
            "20261207T132249.123Z-0007-.._.._etc_passwd-a_b_c_d__2J__"
        );
        assert_eq!(file_stem(&delivery(None, None)), "20261207T132249.123Z-0007-unknown-no-key");
        assert_eq!(sanitized(".."), "___");
        assert_eq!(sanitized(""), "_");
        assert_eq!(sanitized(&"k".repeat(500)).len(), MAX_PART);
    }

    #[test]
    fn stamps_are_utc_to_the_millisecond() {
        // The last second of 2000-02-29, a leap day of a year divisible by 400.
        assert_eq!(utc_stamp(UNIX_EPOCH + Duration::from_secs(951_868_799)), "20000229T235959.000Z");
    }

    #[test]
    fn writes_the_body_exactly_and_the_headers_beside_it() {
        let dir = std::env::temp_dir().join(format!("lago-record-{}", std::process::id()));
        let recorder = Recorder::new(&dir).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert("x-lago-unique-key", "k-1".parse().unwrap());
        let body = b"{\"webhook_type\":\"fee.created\"} \n";
        let path = recorder
            .write(&Recorded {
                at: UNIX_EPOCH,
                id: 1,
                webhook_type: Some("fee.created"),
                unique_key: Some("k-1"),
                headers: &headers,
                body,
            })
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), body);
        assert_eq!(
            std::fs::read_to_string(path.with_extension("headers")).unwrap(),
            "x-lago-unique-key: k-1\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
