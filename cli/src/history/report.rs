//! The report: a short summary of what changed from one release to the next, or the whole
//! reading as JSON.

use std::collections::{BTreeMap, BTreeSet};

use super::ReleaseReading;
use super::read::Message;
use super::tree;
use crate::output::out;

/// The key paths of a message, under its payload key (`invoice.fees[].amount_details`).
fn paths(message: &Message) -> BTreeSet<String> {
    message.keys.paths().into_iter().map(|path| format!("{}.{path}", message.payload_key)).collect()
}

/// The key paths of all the messages of a release together.
pub fn all_paths(messages: &BTreeMap<String, Message>) -> BTreeSet<String> {
    messages.values().flat_map(paths).collect()
}

/// The summary's lines: per release, the number of types and keys, then the types added and
/// removed and the keys added and removed per type still sent.
pub fn summary_lines(readings: &[ReleaseReading]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut previous: Option<&ReleaseReading> = None;
    for reading in readings {
        let release = &reading.release;
        let messages = &reading.reading.messages;
        let short = release.commit.get(..10).unwrap_or(&release.commit);
        lines.push(format!(
            "{} ({}, {short}): {} webhook types, {} payload keys",
            release.tag,
            release.date,
            messages.len(),
            all_paths(messages).len()
        ));
        let before = previous.map(|previous| &previous.reading);
        for (name, message) in messages {
            match before.and_then(|before| before.messages.get(name)) {
                None if before.is_some() => lines.push(format!("  + {name}")),
                None => {}
                Some(old) => {
                    let (removed, added) = tree::diff(&paths(old), &paths(message));
                    if old.object_type != message.object_type {
                        lines.push(format!(
                            "  {name}: object_type {} -> {}",
                            old.object_type, message.object_type
                        ));
                    }
                    if !added.is_empty() {
                        lines.push(format!("  {name}: + {}", added.join(", ")));
                    }
                    if !removed.is_empty() {
                        lines.push(format!("  {name}: - {}", removed.join(", ")));
                    }
                }
            }
        }
        if let Some(before) = before {
            for name in before.messages.keys().filter(|name| !messages.contains_key(*name)) {
                lines.push(format!("  - {name}"));
            }
        }
        let unread = &reading.reading.unread;
        let new: Vec<&String> = match before {
            Some(before) => unread.difference(&before.unread).collect(),
            None => unread.iter().collect(),
        };
        for item in new {
            lines.push(format!("  unread: {item}"));
        }
        previous = Some(reading);
    }
    lines
}

/// Prints the summary.
pub fn summary(readings: &[ReleaseReading]) {
    for line in summary_lines(readings) {
        out!("{line}");
    }
}

/// The whole reading as JSON, keys sorted.
pub fn json_value(readings: &[ReleaseReading]) -> serde_json::Value {
    let releases: Vec<serde_json::Value> = readings
        .iter()
        .map(|reading| {
            let messages: serde_json::Map<String, serde_json::Value> = reading
                .reading
                .messages
                .iter()
                .map(|(name, message)| {
                    let value = serde_json::json!({
                        "object_type": message.object_type,
                        "payload_key": message.payload_key,
                        "keys": message.keys.to_json(),
                    });
                    (name.clone(), value)
                })
                .collect();
            serde_json::json!({
                "tag": reading.release.tag,
                "commit": reading.release.commit,
                "date": reading.release.date,
                "messages": messages,
                "unread": reading.reading.unread,
            })
        })
        .collect();
    serde_json::json!({ "releases": releases })
}

/// Prints the JSON.
pub fn json(readings: &[ReleaseReading]) {
    let value = json_value(readings);
    match serde_json::to_string_pretty(&value) {
        Ok(text) => out!("{text}"),
        Err(err) => crate::output::error(&format!("cannot write the JSON: {err}")),
    }
}
