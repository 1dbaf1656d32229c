//! `lago-webhooks`: generate Rust from a spec of Lago's webhook messages, check specs and
//! payloads, tell what changed between two specs, fire or receive signed deliveries
//! while developing, and look into an inbox.
//!
//! Every command exits with 0 when all is well, 1 when it found a problem in what it was
//! asked to look at (a breaking change, drift to decide, an invalid payload or example, a
//! spec with problems given to `check`), and 2 when it could not do its job (a command
//! line it cannot use, a file it cannot read or write, a spec it cannot work from, a
//! service it cannot reach). Colour is used only on a terminal.

mod check;
mod clock;
mod controls;
mod diff;
mod drift;
mod export;
mod generate;
mod history;
mod import_docs;
mod import_openapi;
mod inbox;
mod listen;
mod openapi;
mod ordered;
mod output;
mod safe_name;
mod send;
mod shape;
mod spec;
mod spec_file;
mod trigger;
mod versions;
mod yaml;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The exit statuses every command shares, for `--help`.
const EXIT_STATUS: &str = "Exit status: 0 when all is well, 1 when a command found a problem in \
what it was asked to look at, 2 when it could not run (a command line it cannot use, a file it \
cannot read or write, a spec it cannot work from, a service it cannot reach).";

/// Typed Lago webhooks: code generation, checks, diffs, and signed deliveries.
#[derive(Parser)]
#[command(name = "lago-webhooks", version, about, propagate_version = true, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the Rust code `lago_webhooks!` generates from a spec, formatted.
    Generate(generate::Args),
    /// Lint a spec (every problem at once) and validate payload files against it.
    Check(check::Args),
    /// Report what changed between two specs, each change marked breaking or not, with a
    /// semantic-versioning verdict.
    Diff(diff::Args),
    /// Find the example messages of a docs page (plain text or Markdown/MDX), report those
    /// that are not valid JSON with their lines, and what the others have that the spec
    /// lacks.
    ImportDocs(import_docs::Args),
    /// Convert an OpenAPI description of webhooks (one file, or split files joined by
    /// `$ref`s) into a spec, or report its drift from a spec, each difference marked
    /// breaking or not, and merge what is new.
    ImportOpenapi(import_openapi::Args),
    /// POST the example of webhook types (all by default) to a URL, signed as Lago signs.
    Trigger(trigger::Args),
    /// Serve a local endpoint that verifies, parses and validates each delivery, prints it,
    /// and answers as the receiver would.
    Listen(listen::Args),
    /// Look into an inbox (PostgreSQL, NATS JetStream or RabbitMQ): its status, its
    /// deliveries, and replaying or purging them.
    Inbox(inbox::Args),
    /// Read a lago-api git repository at each release tag (v1.0.0 on) and HEAD: the webhook
    /// types each release sends and the payload keys of each, with what changed from the
    /// release before (`--json` for the whole reading).
    History(history::Args),
    /// List the Lago releases the spec knows and, for each, what it added to the webhooks
    /// and what it was the last to send (breaking), from the spec's `since` and `until`.
    Versions(versions::Args),
    /// Export the spec for other languages: a JSON Schema (draft 2020-12) per message, or
    /// an AsyncAPI 3.0.0 document of every webhook with Lago's signature headers.
    Export(export::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Check(args) => check::run(args),
        Command::Diff(args) => diff::run(args),
        Command::ImportDocs(args) => import_docs::run(args),
        Command::ImportOpenapi(args) => import_openapi::run(args),
        Command::Trigger(args) => trigger::run(args),
        Command::Listen(args) => listen::run(args),
        Command::Inbox(args) => inbox::run(args),
        Command::Versions(args) => versions::run(args),
        Command::Export(args) => export::run(args),
        // Its reading prints through a path of its own; it ends the command itself.
        Command::History(args) => return history::main(args),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // Not 1: a script must tell "found a problem" from "could not look".
        Err(message) => {
            output::error(&message);
            ExitCode::from(2)
        }
    }
}
