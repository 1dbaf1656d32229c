//! `--record DIR`: every verified delivery's raw body written to a file of its own,
//! exactly as it came, so that `trigger --payload FILE` sends it again; its headers
//! beside it, in a `.headers` file (not `.json`, so that a `DIR/*.json` glob picks the
//! bodies only).
//!
//! Only deliveries whose signature verified are written: anyone who can reach the port
//! can post, and what they post must not fill the disk. The files hold customers' billing
//! data and the deliveries' signatures, so on Unix the directory is made readable by its
//! owner only (0700) and the files too (0600).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;

/// Writes deliveries into a directory.
pub struct Recorder {
    dir: PathBuf,
}

impl Recorder {
    /// A recorder into `dir`, created if absent (with its parents, owner-only on Unix; a
    /// directory that exists keeps its permissions, which are its owner's choice).
    pub fn new(dir: &Path) -> Result<Self, String> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        Ok(Recorder { dir: dir.to_owned() })
    }

    /// Writes one delivery on a thread of the runtime's blocking pool, so that a slow
    /// disk holds no worker up: see [`Recorder::write`].
    pub async fn write_in_background(self: &Arc<Self>, delivery: Recorded) -> Result<PathBuf, String> {
        let recorder = Arc::clone(self);
        tokio::task::spawn_blocking(move || recorder.write(&delivery))
            .await
            .unwrap_or_else(|err| Err(format!("the recording stopped: {err}")))
    }

    /// Writes one delivery: the body as `<name>.json`, the headers as `<name>.headers`.
    /// Returns the body's path.
    pub fn write(&self, delivery: &Recorded) -> Result<PathBuf, String> {
        let stem = file_stem(delivery);
        let body = self.dir.join(format!("{stem}.json"));
        write_private(&body, &delivery.body)?;
        let mut headers = Vec::new();
        for (name, value) in &delivery.headers {
            headers.extend_from_slice(name.as_str().as_bytes());
            headers.extend_from_slice(b": ");
            headers.extend_from_slice(value.as_bytes());
            headers.push(b'\n');
        }
        write_private(&self.dir.join(format!("{stem}.headers")), &headers)?;
        Ok(body)
    }
}

/// Writes `content` to a new file at `path` (or over an old one), readable and writable
/// by its owner only on Unix.
fn write_private(path: &Path, content: &[u8]) -> Result<(), String> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(content))
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// What a file name and its content are made of: owned, to be written on another
/// thread.
pub struct Recorded {
    /// When it arrived.
    pub at: SystemTime,
    /// Its number in this run, which keeps names apart when all else is the same.
    pub id: u64,
    /// Its webhook type, when known.
    pub webhook_type: Option<String>,
    /// Its unique key, when it has one.
    pub unique_key: Option<String>,
    /// Its headers.
    pub headers: http::HeaderMap,
    /// Its raw body.
    pub body: Bytes,
}
/// `20261207T132249.123Z-0001-fee.created-trigger-123-0`: sorted by time as listed, and
/// made only of characters every file system takes, whatever the sender put in the type
/// and the key.
fn file_stem(delivery: &Recorded) -> String {
    format!(
        "{}-{:04}-{}-{}",
        utc_stamp(delivery.at),
        delivery.id,
        sanitized(delivery.webhook_type.as_deref().unwrap_or("unknown")),
        sanitized(delivery.unique_key.as_deref().unwrap_or("no-key")),
    )
}

/// The most characters a sender's text takes in a name: the whole stays under the 255
/// bytes file systems allow.
const MAX_PART: usize = 80;

/// `text` with every character but ASCII letters, digits, `.`, `_` and `-` replaced by
/// `_`, at most [`MAX_PART`] of them, and never `.` or `..`.
pub(super) fn sanitized(text: &str) -> String {
    let cut = text.char_indices().nth(MAX_PART).map_or(text, |(end, _)| &text[..end]);
    let mut part = crate::safe_name::safe_chars(cut);
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
        let delivery = |webhook_type: Option<&str>, unique_key: Option<&str>| Recorded {
            at,
            id: 7,
            webhook_type: webhook_type.map(str::to_owned),
            unique_key: unique_key.map(str::to_owned),
            headers: http::HeaderMap::new(),
            body: Bytes::from_static(b"{}"),
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
    fn writes_the_body_exactly_and_the_headers_beside_it_for_the_owner_only() {
        let root = std::env::temp_dir().join(format!("lago-record-{}", std::process::id()));
        let dir = root.join("recorded");
        let recorder = Arc::new(Recorder::new(&dir).unwrap());
        let mut headers = http::HeaderMap::new();
        headers.insert("x-lago-unique-key", "k-1".parse().unwrap());
        let body: &[u8] = b"{\"webhook_type\":\"fee.created\"} \n";
        let delivery = Recorded {
            at: UNIX_EPOCH,
            id: 1,
            webhook_type: Some("fee.created".to_owned()),
            unique_key: Some("k-1".to_owned()),
            headers,
            body: Bytes::from_static(body),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let path = runtime.block_on(recorder.write_in_background(delivery)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), body);
        let sidecar = path.with_extension("headers");
        assert_eq!(std::fs::read_to_string(&sidecar).unwrap(), "x-lago-unique-key: k-1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!((mode(&dir), mode(&path), mode(&sidecar)), (0o700, 0o600, 0o600));
        }
        std::fs::remove_dir_all(root).unwrap();
    }
}
