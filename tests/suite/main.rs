//! Integration tests of the lago-webhooks workspace, in one binary.

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod dispatch;
mod docs_examples;
mod errors;
mod leniency;
mod outside_crate;
mod robustness;
