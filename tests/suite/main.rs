//! Integration tests of the lago-webhooks workspace, in one binary.

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod allocations;
mod catalogue;
mod copies;
mod crashes;
mod dispatch;
mod docs_examples;
mod durability;
mod errors;
mod example_receiver;
mod flavours;
mod inbox;
mod lago_sender;
mod leniency;
mod limits;
mod logging;
mod outage;
mod outside_crate;
mod presence;
mod processes;
mod real_deliveries;
mod receiving;
mod robustness;
mod services;
mod shared_dedup;
mod signatures;
mod snapshot_compiles;
mod validation;

#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;

/// The committed snapshot of the generated code, compiled with warnings denied. Items
/// this binary does not use are allowed: whether they are used is up to the caller.
#[deny(warnings)]
#[allow(dead_code)]
#[rustfmt::skip] // formatted by prettyplease, as the generator formats it
#[path = "../snapshots/lago-webhooks.rs"]
mod snapshot;
