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

/// The paths, each one whose parent is also in the list left out and counted under it
/// (`invoice.fees (+44 under it)`): a new nested object is one item, not fifty.
pub fn collapse(paths: &[String]) -> String {
    let mut shown: Vec<(String, usize)> = Vec::new();
    for path in paths {
        let under = shown.last_mut().filter(|(parent, _)| {
            path.strip_prefix(parent.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
        });
        match under {
            Some((_, count)) => *count += 1,
            None => shown.push((path.clone(), 0)),
        }
    }
    let items: Vec<String> = shown
        .into_iter()
        .map(|(path, count)| if count == 0 { path } else { format!("{path} (+{count} under it)") })
        .collect();
    items.join(", ")
}

/// The summary's lines: per release, the number of types and keys, then the types added and
/// removed, and the changes of the types still sent (keys added and removed, a new object
/// type or serializer), one line for the types that share a change.
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
        let mut changes: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (name, message) in messages {
            let Some(before) = before else { continue };
            let Some(old) = before.messages.get(name) else {
                lines.push(format!("  + {name}"));
                continue;
            };
            let mut change = |text: String| changes.entry(text).or_default().push(name.as_str());
            if old.object_type != message.object_type {
                change(format!("object_type {} -> {}", old.object_type, message.object_type));
            }
            if old.serializer != message.serializer {
                let named =
                    |serializer: &Option<String>| serializer.clone().unwrap_or_else(|| "?".to_owned());
                change(format!("serializer {} -> {}", named(&old.serializer), named(&message.serializer)));
            }
            let (removed, added) = tree::diff(&paths(old), &paths(message));
            if !added.is_empty() {
                change(format!("+ {}", collapse(&added)));
            }
            if !removed.is_empty() {
                change(format!("- {}", collapse(&removed)));
            }
        }
        if let Some(before) = before {
            for name in before.messages.keys().filter(|name| !messages.contains_key(*name)) {
                lines.push(format!("  - {name}"));
            }
        }
        let mut grouped: Vec<(Vec<&str>, String)> =
            changes.into_iter().map(|(change, names)| (names, change)).collect();
        grouped.sort();
        for (names, change) in grouped {
            lines.push(format!("  {}: {change}", names.join(", ")));
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
                        "serializer": message.serializer,
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
