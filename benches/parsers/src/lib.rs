//! Nothing to build: see `benches/parsers.rs`.
