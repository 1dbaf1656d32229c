//! Integration tests of the lago-webhooks workspace, in one binary.

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod allocations;
mod baseline;
mod builds;
mod catalogue;
mod copies;
mod crashes;
mod dispatch;
mod docs_examples;
mod durability;
mod dynamic;
mod errors;
mod example_receiver;
mod flavours;
mod inbox;
mod lago_sender;
mod leniency;
mod limits;
mod logging;
mod mutated_specs;
mod nested_cargo;
mod outage;
mod presence;
mod processes;
mod real_deliveries;
mod receiving;
mod releases;
mod robustness;
mod services;
mod shared_dedup;
mod signatures;
mod validation;

#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;
