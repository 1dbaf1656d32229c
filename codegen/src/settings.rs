//! The caller's choices for one generation: runtime path, extra derives, included
//! messages, Lago releases, validation and tracked files.
//!
//! Kept apart from the pipeline in `lib.rs` because it is the crate's configuration
//! surface: the macro and command-line tools build it, and `emit` only reads it.

use lago_webhooks_core::version::VersionRange;
use proc_macro2::TokenStream;

use crate::RuntimePath;

/// How to generate: where the runtime is, extra derives, which messages, which files to track.
#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) runtime: RuntimePath,
    pub(crate) derives: Vec<TokenStream>,
    pub(crate) include: Option<Vec<String>>,
    pub(crate) track: Vec<String>,
    pub(crate) validate: bool,
    pub(crate) borrowed: bool,
    pub(crate) lago_version: Option<VersionRange>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            runtime: RuntimePath::default(),
            derives: Vec::new(),
            include: None,
            track: Vec::new(),
            validate: true,
            borrowed: false,
            lago_version: None,
        }
    }
}

impl Settings {
    /// The path of the runtime crate in generated code (default `::lago_webhooks`).
    pub fn with_runtime(mut self, path: RuntimePath) -> Self {
        self.runtime = path;
        self
    }

    /// Adds a derive to every struct and enum generated from the spec's objects and
    /// enumerations (a path such as `Eq` or `::core::hash::Hash`); derives they already
    /// have are not repeated.
    ///
    /// The standard derives `Eq`, `Hash`, `PartialOrd`, `Ord`, `Copy` and `Default` (by
    /// that name, or by a `std::` or `core::` path) are checked against every field they
    /// reach: one that a field's type cannot satisfy is refused when generating, with
    /// that field's place (see [`Origin::Derive`](crate::Origin::Derive)). Other paths
    /// are the caller's own derives, not checked.
    pub fn with_derive(mut self, path: TokenStream) -> Self {
        self.derives.push(path);
        self
    }

    /// Generates only these webhook types and the objects and enumerations they reach.
    pub fn with_include(mut self, webhook_types: Vec<String>) -> Self {
        self.include = Some(webhook_types);
        self
    }

    /// Whether to implement `Validate` for the generated types (the default).
    pub fn with_validation(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Whether to add the zero-copy flavour: a `borrowed` module with the same names, each
    /// with a lifetime, its text borrowed from the parsed body (off by default).
    pub fn with_borrowed(mut self, borrowed: bool) -> Self {
        self.borrowed = borrowed;
        self
    }

    /// Generates the types of these Lago releases (`1.40`, `1.30..`): what none of them
    /// sends is left out, what some of them lack is an `Option`, what all of them send is
    /// a plain type. Without it, the types fit every release from the spec's floor on.
    pub fn with_lago_version(mut self, range: VersionRange) -> Self {
        self.lago_version = Some(range);
        self
    }

    /// Makes the generated code depend on this file (an absolute path), so that
    /// editing it rebuilds the crate that expands the code.
    pub fn with_tracked_file(mut self, path: String) -> Self {
        self.track.push(path);
        self
    }
}
