//! Reading a spec: a file, or the one bundled with the command.

use std::path::{Path, PathBuf};

use lago_webhooks_codegen::SpecSource;

/// A spec file option: the bundled spec when absent.
#[derive(clap::Args, Clone, Debug)]
pub struct SpecArg {
    /// The spec file (default: the spec bundled with this command).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
}

/// The bundled spec, as `spec/lago-webhooks.json` of the repository.
pub const BUNDLED: &str = include_str!("../spec/lago-webhooks.json");

/// The spec at `path`, or the bundled one.
pub fn source(path: Option<&Path>) -> Result<SpecSource, String> {
    match path {
        Some(path) => SpecSource::read(path).map_err(|errors| errors.to_string()),
        None => Ok(SpecSource::new("lago-webhooks.json (bundled)", BUNDLED)),
    }
}
