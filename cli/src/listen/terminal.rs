//! What `listen` prints of a delivery: one block, written at once so that deliveries
//! arriving together do not interleave. Every text the sender controls (the type, the
//! unique key, ids, values quoted in violations and refusals) and the app's answer go
//! through [`controls::line`], so that a delivery cannot drive the terminal.

use serde_json::Value;

use super::store::{Entry, Forward};
use crate::controls;
use crate::output::{Tone, paint};
use crate::send::delivered;

/// The most characters of a unique key printed, as the runtime's logs cut it: Lago's are
/// UUIDs, and a refused delivery's is whatever its sender put in the header, up to the
/// request head's limit (megabytes).
const MAX_KEY_CHARS: usize = 128;

/// The block of `entry` up to its answer, `payload` being the payload object of an
/// accepted delivery (for its ids and amounts).
pub fn head(entry: &Entry, payload: Option<&Value>) -> String {
    let key = unique_key(entry.unique_key.as_deref());
    if entry.event.is_none() {
        return format!(
            "{} (unique key {key})\n  refused      {}\n",
            paint("delivery", Tone::Bad),
            controls::line(&entry.outcome)
        );
    }
    let kind = controls::line(entry.webhook_type.as_deref().unwrap_or("-")).into_owned();
    let scheme = controls::line(entry.scheme.as_deref().unwrap_or("-")).into_owned();
    let mut block = format!("{} {kind} (unique key {key})\n", paint("delivery", Tone::Good));
    block.push_str(&format!("  signature    {scheme}, verified\n"));
    if let Some(organization) = &entry.organization_id {
        block.push_str(&format!("  organization {}\n", controls::line(organization)));
    }
    let (mut ids, mut amounts) = (Vec::new(), Vec::new());
    if let Some(payload) = payload {
        collect(payload, &mut ids, &mut amounts);
    }
    if !ids.is_empty() {
        block.push_str(&format!("  ids          {}\n", controls::line(&ids.join(", "))));
    }
    if !amounts.is_empty() {
        block.push_str(&format!("  amounts      {}\n", controls::line(&amounts.join(", "))));
    }
    if entry.violations.is_empty() {
        block.push_str("  valid\n");
    }
    for violation in &entry.violations {
        let text = format!("{}: {}", violation.pointer, violation.message);
        block.push_str(&format!("  {} {}\n", paint("violation", Tone::Note), controls::line(&text)));
    }
    block
}

/// The line saying where `--record` wrote the body, or why it could not.
pub fn recorded(written: &Result<String, String>) -> String {
    match written {
        Ok(path) => format!("  recorded     {}\n", controls::line(path)),
        Err(err) => format!("  {}  {}\n", paint("not recorded", Tone::Bad), controls::line(err)),
    }
}

/// The line of the app's answer to a forwarded delivery.
pub fn forwarded(forward: &Forward) -> String {
    match forward {
        Forward::Pending => "  forwarded    (no answer yet)\n".to_owned(),
        Forward::Answered { status, body } => {
            let tone = if delivered(*status) { Tone::Good } else { Tone::Bad };
            // The first line of the answer, which is what fits a line.
            let first = body.lines().next().unwrap_or_default().trim();
            let first: String = first.chars().take(160).collect();
            format!("  forwarded    {} {}\n", paint(&status.to_string(), tone), controls::line(&first))
                .replace(" \n", "\n")
        }
        Forward::Failed { error } => {
            format!("  forwarded    {} {}\n", paint("failed", Tone::Bad), controls::line(error))
        }
    }
}

/// The line of the answer `listen` gave.
pub fn answer(status: u16, text: &str) -> String {
    let tone = if delivered(status) { Tone::Good } else { Tone::Bad };
    format!("  answer       {} {}\n", paint(&status.to_string(), tone), controls::line(text))
}

/// The unique key as printed: escaped, then cut to [`MAX_KEY_CHARS`] characters with `…`
/// saying so (cut after escaping, so that the line stays short whatever it holds).
fn unique_key(key: Option<&str>) -> String {
    let escaped = controls::line(key.unwrap_or("-"));
    match escaped.char_indices().nth(MAX_KEY_CHARS) {
        Some((end, _)) => format!("{}…", &escaped[..end]),
        None => escaped.into_owned(),
    }
}

/// The ids and amounts at the top level of a payload.
fn collect(payload: &Value, ids: &mut Vec<String>, amounts: &mut Vec<String>) {
    let Value::Object(map) = payload else { return };
    for (key, value) in map {
        match value {
            Value::String(text) if key == "lago_id" || key.ends_with("_id") && key.starts_with("lago_") => {
                ids.push(format!("{key}={text}"));
            }
            // Amounts that are zero say little: left out.
            Value::Number(number) if key.ends_with("amount_cents") && number.as_f64() != Some(0.0) => {
                let currency = map
                    .get(&key.replace("amount_cents", "amount_currency"))
                    .or_else(|| map.get("currency"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                amounts.push(format!("{key}={number} {currency}").trim_end().to_owned());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;

    use super::*;
    use crate::listen::store::Violation;

    fn entry() -> Entry {
        Entry {
            id: 1,
            received_ms: 0,
            webhook_type: Some("fee.created\u{1b}[2J".to_owned()),
            unique_key: Some("key\nforged line".to_owned()),
            scheme: Some("hmac".to_owned()),
            signature: "verified",
            organization_id: Some("org\u{9b}31m".to_owned()),
            status: 200,
            outcome: "handled".to_owned(),
            event: Some(Value::Null),
            violations: vec![Violation {
                pointer: "/fee/currency".to_owned(),
                message: "`\u{1b}]0;title\u{7}` is not a currency".to_owned(),
            }],
            headers: Vec::new(),
            raw: Bytes::new(),
            body_read: true,
            replay_signature: None,
            forward: None,
            recorded: None,
        }
    }

    /// No control character of the sender's reaches the terminal, in any line: only the
    /// colours `paint` adds when the tests run on a terminal.
    fn clean(block: &str) -> bool {
        let mut plain = block.to_owned();
        for colour in ["\u{1b}[31m", "\u{1b}[32m", "\u{1b}[33m", "\u{1b}[0m"] {
            plain = plain.replace(colour, "");
        }
        plain.lines().all(|line| !line.chars().any(char::is_control))
    }

    #[test]
    fn the_sender_s_text_is_escaped_on_every_line() {
        let payload = serde_json::json!({"lago_id": "id\u{1b}[1A", "amount_cents": 5, "currency": "EU\rR"});
        let block = head(&entry(), Some(&payload));
        assert!(clean(&block), "{block:?}");
        assert!(block.contains(" fee.created\\u{1b}[2J (unique key key\\u{a}forged line)\n"));
        assert!(block.contains("  organization org\\u{9b}31m\n"));
        assert!(block.contains("  ids          lago_id=id\\u{1b}[1A\n"));
        assert!(block.contains("  amounts      amount_cents=5 EU\\u{d}R\n"));
        assert!(block.contains("/fee/currency: `\\u{1b}]0;title\\u{7}` is not a currency"));
        let mut refused = entry();
        refused.event = None;
        refused.outcome = "body refused: `\u{1b}[2J`".to_owned();
        let block = head(&refused, None);
        assert!(clean(&block) && block.contains("refused      body refused: `\\u{1b}[2J`"), "{block:?}");
        let answered = Forward::Answered { status: 500, body: "boom\u{1b}[2J\nsecond line".to_owned() };
        let line = forwarded(&answered);
        assert!(clean(&line) && line.ends_with(" boom\\u{1b}[2J\n"), "{line:?}");
        let line = forwarded(&Forward::Failed { error: "refused\u{7}".to_owned() });
        assert!(clean(&line) && line.ends_with(" refused\\u{7}\n"), "{line:?}");
        assert_eq!(recorded(&Ok("dir/a\u{1b}.json".to_owned())), "  recorded     dir/a\\u{1b}.json\n");
        let line = answer(401, "signature refused\u{1b}");
        assert!(clean(&line) && line.ends_with(" signature refused\\u{1b}\n"), "{line:?}");
    }

    #[test]
    fn a_long_unique_key_is_cut_after_escaping() {
        let mut refused = entry();
        refused.event = None;
        refused.unique_key = Some(format!("\u{1b}{}", "k".repeat(10_000)));
        let block = head(&refused, None);
        let first = block.lines().next().unwrap();
        let key = format!("\\u{{1b}}{}…", "k".repeat(MAX_KEY_CHARS - "\\u{1b}".len()));
        assert!(first.ends_with(&format!("(unique key {key})")), "{first:?}");
        assert!(clean(&block));
        assert_eq!(unique_key(Some(&"u".repeat(MAX_KEY_CHARS))), "u".repeat(MAX_KEY_CHARS));
        assert_eq!(unique_key(None), "-");
    }
}
