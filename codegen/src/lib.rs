//! Spec model, checks and code generation for `lago-webhooks`.
//!
//! This crate turns a spec of Lago's webhook messages (see `spec/README.md` in the
//! repository for the format) into Rust tokens: a struct per object, an enum per
//! enumeration, `WebhookType`, `WebhookEvent` and the handler traits. It has no
//! procedural-macro dependency, so the `lago_webhooks!` macro and command-line
//! tools share it.
//!
//! The pipeline has three steps: [`SpecSource::parse`] reads the text into the
//! [`model`] (the spec as written), [`resolve`] checks it and resolves names, types,
//! presence, formats, constraints and rules into the [`resolved`] spec while collecting
//! every problem, and the emitter writes the tokens. [`generate`] is resolve, then emit.
//!
//! The resolved spec is public so that tools reading a spec at run time (the runtime's
//! interpreted specs, the command's checks and imports) read the same resolution the
//! generated code is made from, not one of their own.
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
mod load;
pub mod model;
mod naming;
pub mod resolved;
mod runtime_path;
mod settings;

use proc_macro2::TokenStream;

pub use error::{Location, Origin, SpecError, SpecErrors};

/// The spec's built-in vocabulary: its primitive types, the text formats they imply or a
/// field names, and the JSON kinds that tell union variants apart. For tools that read
/// specs at run time, so that they agree with the generator.
pub mod vocabulary {
    pub use crate::check::RESERVED_TYPES;
    pub use crate::naming::type_name;
    pub use crate::resolved::{Format, JsonKind, Primitive};
}

pub use lago_webhooks_core::version::{LagoVersion, VersionRange};
pub use load::SpecSource;
pub use runtime_path::RuntimePath;
pub use settings::Settings;

/// Parses, checks and resolves a spec: the resolved spec, or every problem found.
/// `include`, when given, keeps these webhook types and the types they reach.
///
/// ```
/// use lago_webhooks_codegen::{SpecSource, resolve};
/// use lago_webhooks_codegen::resolved::TypeRef;
///
/// let source = SpecSource::new("inline.json", r#"{
///     "format_version": 1, "title": "Tiny",
///     "messages": [{"webhook_type": "thing.happened", "object_type": "thing",
///                   "payload_key": "thing", "payload": "Thing", "title": "Thing happened",
///                   "description": "A thing happened."}],
///     "objects": [{"name": "Thing", "description": "A thing.",
///                  "fields": [{"name": "id", "type": "id", "description": "Its id."}]}]
/// }"#);
/// let spec = resolve(&source, None).unwrap();
/// let thing = spec.object(spec.messages[0].payload);
/// assert_eq!(thing.fields[0].json_name, "id");
/// assert!(matches!(thing.fields[0].ty, TypeRef::Primitive(_)));
/// ```
pub fn resolve(source: &SpecSource, include: Option<&[String]>) -> Result<resolved::Ir, SpecErrors> {
    resolve_for(source, include, None)
}

/// As [`resolve`], for the Lago releases `pin` names when given: what none of them sends
/// is left out, and what some of them lack is optional (see [`Settings::with_lago_version`]).
pub fn resolve_for(
    source: &SpecSource,
    include: Option<&[String]>,
    pin: Option<VersionRange>,
) -> Result<resolved::Ir, SpecErrors> {
    let (spec, mut errors) = source.parse_partial();
    let spec = spec.unwrap_or_default();
    let (ir, check_errors) = check::check(&spec, source, include, pin);
    errors.extend(check_errors);
    if errors.is_empty() { Ok(ir) } else { Err(SpecErrors(errors)) }
}

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
///
/// The extra derives are checked against the types they reach: a standard derive that a
/// field's type cannot satisfy (`Eq` with an `f64`) is refused with the place of every
/// such field ([`Origin::Derive`]), and the code is emitted without it.
pub fn generate_partial(source: &SpecSource, settings: &Settings) -> (TokenStream, SpecErrors) {
    let (spec, mut errors) = source.parse_partial();
    let spec = spec.unwrap_or_default();
    let (ir, check_errors) = check::check(&spec, source, settings.include.as_deref(), settings.lago_version);
    errors.extend(check_errors);
    let (derive_errors, refused) = check::derives::check(&ir, &settings.derives, settings.borrowed);
    errors.extend(derive_errors);
    if refused.is_empty() {
        return (emit::emit(&ir, settings), SpecErrors(errors));
    }
    // Without the refused derives: the rest is sound, and a derive that cannot hold would
    // only add errors in generated code to the ones that name the fields.
    let derives = settings.derives.iter().enumerate().filter(|(i, _)| !refused.contains(i));
    let settings = Settings { derives: derives.map(|(_, d)| d.clone()).collect(), ..settings.clone() };
    (emit::emit(&ir, &settings), SpecErrors(errors))
}

/// The generated names with no message in them (no file tracked), for when the spec
/// cannot be read at all: code that uses them then fails only where it names a message.
pub fn skeleton(settings: &Settings) -> TokenStream {
    let (ir, _) = check::check(&model::Spec::default(), &SpecSource::new("", ""), None, None);
    emit::emit(&ir, &Settings { track: Vec::new(), ..settings.clone() })
}
