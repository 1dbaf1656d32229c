//! Tests of the code generator, in one binary.

mod checks;
mod properties;
mod snapshot;
