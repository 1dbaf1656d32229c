//! The `lago_webhooks!` macro. Use it through the `lago-webhooks` crate, which
//! re-exports it and holds the support code the generated items call.
//!
//! This crate is a thin shim: it reads the options and the spec file, asks
//! `lago-webhooks-codegen` for the code, and turns spec problems into compile errors.

mod options;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use lago_webhooks_codegen::{
    Origin, Settings, SpecError, SpecErrors, SpecSource, generate_partial, skeleton,
};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use options::Options;

/// Generates typed Rust for the webhook messages of a spec file.
///
/// ```ignore
/// lago_webhooks::lago_webhooks!(
///     spec = "spec/lago-webhooks.json",          // relative to this crate's Cargo.toml
///     include = ["invoice.created", "fee.created"], // optional: a subset of messages
///     derives = [Eq],                            // optional: extra derives on the spec's structs and enums
///     crate = ::lago_webhooks,                   // optional: path of the runtime crate
///     validate = false,                          // optional: leave out the `Validate` impls
///     borrowed = true,                           // optional: add the zero-copy `borrowed` module
///     lago_version = "1.40",                     // optional: the types of these Lago releases only
/// );
/// ```
///
/// It emits a struct per object, an enum per enumeration, `WebhookType`,
/// `WebhookEvent`, `WebhookHandler` and `AsyncWebhookHandler`. Editing the spec
/// file rebuilds the invoking crate. See the `lago-webhooks` crate for details.
///
/// Problems in the options or the spec are compile errors, all reported at once, each
/// naming the spec file, line, column and JSON Pointer; the code of everything sound is
/// still emitted, so that code using it adds no secondary errors. A standard derive that
/// some field's type cannot have (`Eq` where a fee holds an `f64` rate) is an error at the
/// derive, naming each such field by its place in a message; the code is emitted without
/// that derive.
///
/// When the spec file is not found relative to the crate, the macro also looks in
/// the directory named by the `LAGO_WEBHOOKS_SPEC_DIR` environment variable, if set: the
/// compile tests of this crate build their cases away from their spec files.
///
/// The generated code names std items and primitive types by absolute path, so call-site
/// items named `Option`, `Result` or `i64` do not affect it. Like serde's derives, it
/// does assume that the calling module defines no lower-case unit structs or constants
/// named like its parameters (`value`, `payload`, ...).
#[proc_macro]
pub fn lago_webhooks(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let options = match syn::parse::<Options>(input) {
        Ok(options) => options,
        Err(err) => return err.to_compile_error().into(),
    };
    // Generation must not panic; if it ever does, report it as an error at the spec path.
    match catch_unwind(AssertUnwindSafe(|| expand(&options))) {
        Ok(tokens) => tokens.into(),
        Err(_) => syn::Error::new(
            options.spec.span(),
            "internal error in lago_webhooks!: code generation panicked; please report this spec",
        )
        .to_compile_error()
        .into(),
    }
}

fn expand(options: &Options) -> TokenStream {
    let Some(path) = spec_path(&options.spec.value()) else {
        let message = "CARGO_MANIFEST_DIR is not set; lago_webhooks! must be built by cargo";
        return syn::Error::new(options.spec.span(), message).to_compile_error();
    };
    let settings = settings(options, &path);
    // Problems come with the code of everything that has none, so that the caller's
    // own code does not add a cascade of "cannot find" errors to them.
    // Messages name the file as the user wrote it.
    let (tokens, errors) = match SpecSource::read_as(&path, &options.spec.value()) {
        Ok(source) => generate_partial(&source, &settings),
        Err(errors) => (skeleton(&settings), with_path_hint(errors)),
    };
    let errors = compile_errors(options, &errors);
    quote!(#errors #tokens)
}

/// Says where a spec path that could not be read was looked for.
fn with_path_hint(errors: SpecErrors) -> SpecErrors {
    let hint = "; the path is relative to the directory of the crate's Cargo.toml";
    SpecErrors(errors.0.into_iter().map(|e| SpecError { message: e.message + hint, ..e }).collect())
}

/// The spec file: relative to the invoking crate's manifest directory or, when it is
/// not there and `LAGO_WEBHOOKS_SPEC_DIR` is set, to that directory (compile tests
/// build their cases in a directory of their own, away from the spec files).
fn spec_path(spec: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?).join(spec);
    if path.exists() {
        return Some(path);
    }
    match std::env::var_os("LAGO_WEBHOOKS_SPEC_DIR") {
        Some(dir) if PathBuf::from(&dir).join(spec).exists() => Some(PathBuf::from(dir).join(spec)),
        _ => Some(path),
    }
}

fn settings(options: &Options, path: &std::path::Path) -> Settings {
    let validate = options.validate.as_ref().is_none_or(|flag| flag.value);
    let borrowed = options.borrowed.as_ref().is_some_and(|flag| flag.value);
    let mut settings = Settings::default()
        .with_runtime(options.runtime.clone())
        .with_validation(validate)
        .with_borrowed(borrowed)
        .with_tracked_file(path.display().to_string());
    for derive in &options.derives {
        settings = settings.with_derive(derive.to_token_stream());
    }
    if let Some(include) = &options.include {
        settings = settings.with_include(include.iter().map(|lit| lit.value()).collect());
    }
    if let Some(range) = options.lago_version {
        settings = settings.with_lago_version(range);
    }
    settings
}

/// One compile error per problem, at the `include` entry or the derive it concerns, or at
/// the spec path.
fn compile_errors(options: &Options, errors: &SpecErrors) -> TokenStream {
    let errors = errors.iter().map(|error| {
        let span = match error.origin {
            Origin::Include(i) => options.include.as_ref().and_then(|list| list.get(i)).map(|lit| lit.span()),
            // At the trait's name: a span over a whole path needs a nightly compiler.
            Origin::Derive(i) => {
                options.derives.get(i).and_then(|path| path.segments.last()).map(|s| s.ident.span())
            }
            Origin::Spec(_) => None,
        };
        syn::Error::new(span.unwrap_or_else(|| options.spec.span()), error).to_compile_error()
    });
    quote!(#(#errors)*)
}
