//! The macro's input: `spec = "...", derives = [...], include = [...], crate = path`,
//! `validate = bool`, `borrowed = bool`, `lago_version = "1.40"`.

use lago_webhooks_codegen::{RuntimePath, VersionRange};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitBool, LitStr, Path, Token, bracketed};

/// Every option, for error messages.
const VALID: &str = "`spec`, `derives`, `include`, `crate`, `validate`, `borrowed`, `lago_version`";

/// Parsed macro options; literals keep their spans for error reporting.
pub struct Options {
    /// Path of the spec file, relative to the invoking crate's manifest directory.
    pub spec: LitStr,
    /// Extra derives for every generated type.
    pub derives: Vec<Path>,
    /// The messages to generate, when not all.
    pub include: Option<Vec<LitStr>>,
    /// Path of the runtime crate.
    pub runtime: RuntimePath,
    /// Whether to implement `Validate` (default true).
    pub validate: Option<LitBool>,
    /// Whether to add the zero-copy `borrowed` module (default false).
    pub borrowed: Option<LitBool>,
    /// The Lago releases to generate the types of, when not every release from the floor.
    pub lago_version: Option<VersionRange>,
}

impl Parse for Options {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut spec = None;
        let mut derives = None;
        let mut include = None;
        let mut krate = None;
        let mut validate = None;
        let mut borrowed = None;
        let mut lago_version = None;
        while !input.is_empty() {
            let key = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "spec" => set(&mut spec, &key, input.parse()?)?,
                "derives" => set(&mut derives, &key, list(input, Path::parse_mod_style)?)?,
                "include" => set(&mut include, &key, list(input, <LitStr as Parse>::parse)?)?,
                "crate" => set(&mut krate, &key, runtime_path(input)?)?,
                "validate" => set(&mut validate, &key, input.parse()?)?,
                "borrowed" => set(&mut borrowed, &key, input.parse()?)?,
                "lago_version" => set(&mut lago_version, &key, version_range(input)?)?,
                other => {
                    let message = format!("unknown option `{other}`; valid options are {VALID}");
                    return Err(syn::Error::new(key.span(), message));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let spec = spec.ok_or_else(|| {
            let message = "missing `spec = \"path/to/spec.json\"` (relative to the crate's Cargo.toml)";
            syn::Error::new(proc_macro2::Span::call_site(), message)
        })?;
        let runtime = krate.unwrap_or_default();
        let derives = derives.unwrap_or_default();
        Ok(Options { spec, derives, include, runtime, validate, borrowed, lago_version })
    }
}

/// A range of Lago releases: `"1.40"`, `"1.30.."`, `"1.8..1.30"`.
fn version_range(input: ParseStream<'_>) -> syn::Result<VersionRange> {
    let text: LitStr = input.parse()?;
    text.value().parse().map_err(|error| {
        let message =
            format!("{error}; a version pin is a release or a range: \"1.40\", \"1.30..\", \"1.8..1.30\"");
        syn::Error::new(text.span(), message)
    })
}

/// The runtime's path, as the generator takes it.
fn runtime_path(input: ParseStream<'_>) -> syn::Result<RuntimePath> {
    let path = Path::parse_mod_style(input)?;
    let segments = path.segments.iter().map(|segment| segment.ident.to_string()).collect();
    RuntimePath::new(path.leading_colon.is_some(), segments)
        .map_err(|message| syn::Error::new_spanned(&path, message))
}

/// Stores an option, refusing a second occurrence.
fn set<T>(slot: &mut Option<T>, key: &Ident, value: T) -> syn::Result<()> {
    if slot.replace(value).is_some() {
        return Err(syn::Error::new(key.span(), format!("option `{key}` is given twice")));
    }
    Ok(())
}

/// A bracketed, comma-separated list.
fn list<T>(input: ParseStream<'_>, item: fn(ParseStream<'_>) -> syn::Result<T>) -> syn::Result<Vec<T>> {
    let content;
    bracketed!(content in input);
    let items = Punctuated::<T, Token![,]>::parse_terminated_with(&content, item)?;
    Ok(items.into_iter().collect())
}
