//! Reading a spec: a file, or the one bundled with the command.

use std::path::Path;

use lago_webhooks_codegen::SpecSource;

/// The bundled spec, as `spec/lago-webhooks.json` of the repository.
pub const BUNDLED: &str = include_str!("../spec/lago-webhooks.json");

/// The spec at `path`, or the bundled one.
pub fn source(path: Option<&Path>) -> Result<SpecSource, String> {
    match path {
        Some(path) => SpecSource::read(path).map_err(|errors| errors.to_string()),
        None => Ok(SpecSource::new("lago-webhooks.json (bundled)", BUNDLED)),
    }
}
