//! The facts every crate of `lago-webhooks` shares, each defined once: the text formats
//! a spec can ask for and how each is recognised, JSON Pointers, the text of a
//! `serde_json` error without the location it appends, the keys of Lago's envelope, and
//! how a list of problems is written, Lago's releases and ranges of them, and which
//! characters of outside text must be escaped before a terminal or a log shows it.
//!
//! The generator (`lago-webhooks-codegen`), the runtime (`lago-webhooks`) and the command
//! (`lago-webhooks-cli`) all read them from here, so that a spec, the code generated from
//! it and a spec read at run time cannot disagree about them.

#![deny(missing_docs)]

pub mod envelope;
mod format;
pub mod json;
pub mod list;
pub mod pointer;
pub mod shown;
pub mod version;

pub use format::Format;
