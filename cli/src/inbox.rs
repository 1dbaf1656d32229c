//! `inbox`: how an inbox stands, what it holds, and putting dead deliveries back to work,
//! on PostgreSQL, NATS JetStream or RabbitMQ.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lago_webhooks::inbox::{AnyInbox, InboxAdmin, Options, State, Status, Stored, open};
use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::ordered::Json;
use crate::output::{Tone, out, paint};

#[derive(clap::Args)]
#[command(after_help = "Exits with 0 when done, 1 when `show` or `replay KEY` finds no such \
delivery, 2 when the inbox cannot be opened or reached.")]
pub struct Args {
    /// The inbox: `postgres://...`, `nats://...` or `amqp://...` (default: the
    /// `LAGO_INBOX_URL` environment variable, as the example receiver reads it).
    #[arg(long, env = "LAGO_INBOX_URL", hide_env_values = true, global = true)]
    url: Option<String>,
    /// The inbox's table, stream or queue (default: `LAGO_INBOX_NAME`, else the engine's
    /// default).
    #[arg(long, env = "LAGO_INBOX_NAME", global = true)]
    name: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// How many deliveries are pending, in progress, retrying, dead and done, and how old
    /// the oldest waiting one is.
    Status,
    /// The deliveries of a state (all by default), oldest first, without their bodies.
    List {
        /// pending, in_progress, retrying, done or dead.
        #[arg(long, value_parser = parse_state)]
        state: Option<State>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One delivery, with its body.
    Show {
        /// Its unique key (`X-Lago-Unique-Key`).
        key: String,
    },
    /// Put a dead delivery (or, on PostgreSQL, a done one) back to pending, its attempts
    /// counted afresh; `--dead` replays every dead delivery.
    Replay {
        /// The unique key of the delivery to replay.
        #[arg(required_unless_present = "dead", conflicts_with = "dead")]
        key: Option<String>,
        /// Replay every dead delivery.
        #[arg(long)]
        dead: bool,
    },
    /// Delete the deliveries done before a time.
    Purge {
        /// A duration back from now (`30s`, `15m`, `12h`, `7d`) or an RFC 3339 time
        /// (`2026-12-01T00:00:00Z`).
        #[arg(long, value_name = "WHEN", value_parser = parse_before)]
        done_before: SystemTime,
    },
}

fn parse_state(text: &str) -> Result<State, String> {
    text.parse()
}

/// A time from `30s`, `15m`, `12h` or `7d` back from now, or an RFC 3339 timestamp.
fn parse_before(text: &str) -> Result<SystemTime, String> {
    let units = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)];
    for (unit, seconds) in units {
        if let Some(count) = text.strip_suffix(unit).and_then(|n| n.parse::<u64>().ok()) {
            let back = Duration::from_secs(count.saturating_mul(seconds));
            return Ok(SystemTime::now().checked_sub(back).unwrap_or(UNIX_EPOCH));
        }
    }
    match lago_webhooks::DateTime::new(text).unix_millis() {
        Some(millis) if millis >= 0 => Ok(UNIX_EPOCH + Duration::from_millis(millis.unsigned_abs())),
        _ => Err(format!("`{text}` is neither a duration (30s, 15m, 12h, 7d) nor an RFC 3339 time")),
    }
}

pub fn run(args: Args) -> crate::output::Outcome {
    let url = args.url.clone().ok_or("give --url, or set LAGO_INBOX_URL, to name the inbox")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| err.to_string())?;
    runtime.block_on(async move {
        let mut options = Options::default();
        if let Some(name) = &args.name {
            options = options.with_name(name.clone());
        }
        let inbox = open(&url, &options).await.map_err(|err| err.to_string())?;
        command(&inbox, args).await
    })
}

async fn command(inbox: &AnyInbox, args: Args) -> crate::output::Outcome {
    let error = |err: lago_webhooks::inbox::InboxError| err.to_string();
    match args.command {
        Command::Status => {
            let status = inbox.status().await.map_err(error)?;
            print_status(inbox.engine(), &status, args.json);
        }
        Command::List { state, limit } => {
            let listed = inbox.list(state, limit).await.map_err(error)?;
            if args.json {
                let rows: Vec<Value> = listed.iter().map(|stored| stored_json(stored, false)).collect();
                out!("{}", Value::Array(rows));
            } else if listed.is_empty() {
                let which = state.map(|s| format!("{} ", s.as_str().replace('_', " "))).unwrap_or_default();
                out!("no {which}deliveries");
            } else {
                for stored in &listed {
                    out!("{}", list_line(stored));
                }
            }
        }
        Command::Show { key } => match inbox.show(&key).await.map_err(error)? {
            // Serialized, not through a `Value`: the body keeps its keys in the order sent.
            Some(stored) if args.json => {
                out!("{}", serde_json::to_string(&shown(&stored, true)).unwrap_or_default())
            }
            Some(stored) => print_stored(&stored),
            None => {
                if args.json {
                    out!("null");
                } else {
                    out!("no delivery with the unique key {}", printable(&key));
                }
                return Ok(false);
            }
        },
        Command::Replay { key: Some(key), .. } => {
            let replayed = inbox.replay(&key).await.map_err(error)?;
            if args.json {
                out!("{}", json!({ "replayed": u64::from(replayed) }));
            } else if replayed {
                out!("{} {} is pending again", paint("replayed", Tone::Good), printable(&key));
            } else {
                out!("no dead or done delivery with the unique key {}", printable(&key));
            }
            return Ok(replayed);
        }
        Command::Replay { key: None, .. } => {
            let replayed = inbox.replay_dead().await.map_err(error)?;
            if args.json {
                out!("{}", json!({ "replayed": replayed }));
            } else if replayed == 0 {
                out!("no dead deliveries to replay");
            } else {
                out!("{} {replayed} dead deliveries: pending again", paint("replayed", Tone::Good));
            }
        }
        Command::Purge { done_before } => {
            let purged = inbox.purge_done(done_before).await.map_err(error)?;
            if args.json {
                out!("{}", json!({ "purged": purged }));
            } else {
                out!("purged {purged} deliveries done before {}", rfc3339(done_before));
            }
        }
    }
    Ok(true)
}

fn print_status(engine: &str, status: &Status, as_json: bool) {
    if as_json {
        out!(
            "{}",
            json!({
                "engine": engine,
                "pending": status.pending,
                "in_progress": status.in_progress,
                "retrying": status.retrying,
                "dead": status.dead,
                "done": status.done,
                "oldest": status.oldest.map(rfc3339),
            })
        );
        return;
    }
    let count =
        |n: Option<u64>| n.map_or_else(|| "not reported by this engine".to_owned(), |n| n.to_string());
    out!("inbox        {engine}");
    out!("pending      {}", status.pending);
    out!("in progress  {}", count(status.in_progress));
    out!("retrying     {}", count(status.retrying));
    let dead = status.dead.to_string();
    out!("dead         {}", if status.dead > 0 { paint(&dead, Tone::Bad) } else { dead });
    out!("done         {}", count(status.done));
    match status.oldest {
        Some(oldest) => out!("oldest       {} ({} ago)", rfc3339(oldest), age(oldest)),
        None => out!("oldest       -"),
    }
}

fn list_line(stored: &Stored) -> String {
    let entry = &stored.entry;
    let error = stored.last_error.as_deref().map(|e| format!("  {}", printable(e))).unwrap_or_default();
    format!(
        "{:<11} {:>2} {}  {:<36} {}{error}",
        stored.state.as_str(),
        stored.attempts,
        rfc3339(entry.received_at),
        printable(&entry.webhook_type),
        printable(&entry.unique_key),
    )
}

fn print_stored(stored: &Stored) {
    let entry = &stored.entry;
    out!(
        "unique key    {}{}",
        printable(&entry.unique_key),
        if entry.key_derived { " (derived from the body)" } else { "" }
    );
    out!("webhook type  {}", printable(&entry.webhook_type));
    if let Some(organization) = &entry.organization_id {
        out!("organization  {}", printable(organization));
    }
    out!("signature     {}", entry.algorithm.map_or("-", |a| a.as_str()));
    out!("received      {}", rfc3339(entry.received_at));
    out!("state         {}", stored.state);
    out!("attempts      {}", stored.attempts);
    if let Some(due) = stored.due_at {
        out!("next attempt  {}", rfc3339(due));
    }
    if let Some(error) = &stored.last_error {
        out!("last error    {}", printable(error));
    }
    if !entry.body.is_empty() {
        // Indented in the order written, as Lago wrote it.
        let body = match serde_json::from_slice::<Json>(&entry.body) {
            Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
            Err(_) => String::from_utf8_lossy(&entry.body).into_owned(),
        };
        out!("body\n{}", printable_block(&body));
    }
}

/// A delivery as `--json` prints it.
#[derive(serde::Serialize)]
struct Shown<'a> {
    unique_key: &'a str,
    key_derived: bool,
    webhook_type: &'a str,
    organization_id: Option<&'a str>,
    algorithm: Option<&'static str>,
    received_at: String,
    state: &'static str,
    attempts: u32,
    due_at: Option<String>,
    last_error: Option<&'a str>,
    /// The body as sent: JSON as is, anything else as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Box<serde_json::value::RawValue>>,
}

fn stored_json(stored: &Stored, with_body: bool) -> Value {
    serde_json::to_value(shown(stored, with_body)).unwrap_or(Value::Null)
}

fn shown(stored: &Stored, with_body: bool) -> Shown<'_> {
    let entry = &stored.entry;
    let body = with_body.then(|| {
        let text = String::from_utf8_lossy(&entry.body);
        serde_json::value::RawValue::from_string(text.clone().into_owned()).unwrap_or_else(|_| {
            let quoted = serde_json::to_string(&text).unwrap_or_else(|_| "null".to_owned());
            serde_json::value::RawValue::from_string(quoted).unwrap_or_default()
        })
    });
    Shown {
        unique_key: &entry.unique_key,
        key_derived: entry.key_derived,
        webhook_type: &entry.webhook_type,
        organization_id: entry.organization_id.as_deref(),
        algorithm: entry.algorithm.map(|a| a.as_str()),
        received_at: rfc3339(entry.received_at),
        state: stored.state.as_str(),
        attempts: stored.attempts,
        due_at: stored.due_at.map(rfc3339),
        last_error: stored.last_error.as_deref(),
        body,
    }
}

/// `text` with control characters escaped: what a sender wrote never drives the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

/// Like [`printable`], keeping line breaks.
fn printable_block(text: &str) -> String {
    text.lines().map(printable).collect::<Vec<_>>().join("\n")
}

/// How long ago `time` was, roughly.
fn age(time: SystemTime) -> String {
    let seconds = SystemTime::now().duration_since(time).map_or(0, |d| d.as_secs());
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7199 => format!("{} min", seconds / 60),
        7200..=172_799 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_and_read_in_rfc3339() {
        let time = UNIX_EPOCH + Duration::from_secs(1_651_222_791);
        assert_eq!(rfc3339(time), "2022-04-29T08:59:51Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(parse_before("2022-04-29T08:59:51Z"), Ok(time));
        let before = parse_before("7d").unwrap();
        let week = SystemTime::now().duration_since(before).unwrap();
        assert!(week >= Duration::from_secs(7 * 86_400) && week < Duration::from_secs(7 * 86_400 + 60));
        assert!(parse_before("soon").is_err());
        assert!(parse_before("-3d").is_err());
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(printable("fee.created\u{1b}[31m\n"), "fee.created\\u{1b}[31m\\n");
        assert_eq!(printable_block("{\n  \"a\": \"\u{7}\"\n}"), "{\n  \"a\": \"\\u{7}\"\n}");
    }
}
