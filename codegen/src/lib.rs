//! Spec model, checks and code generation for `lago-webhooks`.
//!
//! This crate turns a spec of Lago's webhook messages (see `spec/README.md` in the
//! repository for the format) into Rust tokens: a struct per object, an enum per
//! enumeration, `WebhookType`, `WebhookEvent` and the handler traits. It has no
//! procedural-macro dependency, so the `lago_webhooks!` macro and command-line
//! tools share it.
//!
//! The pipeline has three steps, one module each:
//! [`SpecSource::parse`] reads the text into the model, `check` resolves names and
//! types while collecting every problem, and `emit` writes the tokens.
//!
//! ```
//! use lago_webhooks_codegen::{Settings, SpecSource, generate};
//!
//! let source = SpecSource::new("inline.json", r#"{
//!     "format_version": 1,
//!     "title": "Tiny",
//!     "messages": [{
//!         "webhook_type": "thing.happened", "object_type": "thing", "payload_key": "thing",
//!         "payload": "Thing", "title": "Thing happened", "description": "A thing happened."
//!     }],
//!     "objects": [{
//!         "name": "Thing", "description": "A thing.",
//!         "fields": [{"name": "id", "type": "id", "description": "Its id."}]
//!     }]
//! }"#);
//! let tokens = generate(&source, &Settings::default()).unwrap();
//! assert!(tokens.to_string().contains("pub struct Thing"));
//! ```

#![deny(missing_docs)]

mod check;
mod constraints;
mod emit;
mod error;
mod ir;
mod load;
mod locate;
pub mod model;
mod naming;
mod settings;

use proc_macro2::TokenStream;

pub use error::{Location, Origin, SpecError, SpecErrors};

/// The spec's built-in vocabulary: its primitive types, the text formats they imply or a
/// field names, and the JSON kinds that tell union variants apart. For tools that read
/// specs at run time, so that they agree with the generator.
pub mod vocabulary {
    pub use crate::ir::{Format, JsonKind, Primitive};
    pub use crate::naming::type_name;
}
pub use load::SpecSource;
pub use settings::Settings;

/// Parses, checks and emits a spec: the code, or every problem found.
pub fn generate(source: &SpecSource, settings: &Settings) -> Result<TokenStream, SpecErrors> {
    let (tokens, errors) = generate_partial(source, settings);
    if errors.is_empty() { Ok(tokens) } else { Err(errors) }
}

/// Parses, checks and emits a spec, always returning code: the parts of the spec
/// that have no problem, with every public name the generator defines (an empty
/// `WebhookType` when the file cannot be read at all), and every problem found.
///
/// A macro emits both, so that a user sees the spec's problems and not a cascade of
/// "cannot find type" errors from code that uses the generated names.
pub fn generate_partial(source: &SpecSource, settings: &Settings) -> (TokenStream, SpecErrors) {
    let (spec, mut errors) = source.parse_partial();
    let spec = spec.unwrap_or_default();
    let (ir, check_errors) = check::check(&spec, source, settings.include.as_deref());
    errors.extend(check_errors);
    (emit::emit(&ir, settings), SpecErrors(errors))
}

/// The generated names with no message in them (no file tracked), for when the spec
/// cannot be read at all: code that uses them then fails only where it names a message.
pub fn skeleton(settings: &Settings) -> TokenStream {
    let (ir, _) = check::check(&model::Spec::default(), &SpecSource::new("", ""), None);
    emit::emit(&ir, &Settings { track: Vec::new(), ..settings.clone() })
}
