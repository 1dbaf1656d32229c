//! Where generated code finds the runtime crate: a typed path, so that emitters ask it
//! what they need (is it the runtime itself, how is it named one module down, what is
//! its text in an attribute) instead of testing its tokens as text.

use std::fmt;
use std::str::FromStr;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, TokenStreamExt, quote};

/// The path of the runtime crate in generated code: `::lago_webhooks` by default,
/// `crate` inside the runtime itself, or any path a caller re-exports it under.
///
/// ```
/// use lago_webhooks_codegen::RuntimePath;
///
/// let path: RuntimePath = "super::rt".parse().unwrap();
/// assert_eq!(path.to_string(), "super::rt");
/// assert!("crate".parse::<RuntimePath>().unwrap().is_crate_root());
/// assert!("a::crate".parse::<RuntimePath>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimePath {
    /// Written with a leading `::`.
    global: bool,
    /// Its segments; `crate`, `self` and `super` only where Rust allows them.
    segments: Vec<String>,
}

impl Default for RuntimePath {
    fn default() -> Self {
        RuntimePath { global: true, segments: vec!["lago_webhooks".to_owned()] }
    }
}

impl RuntimePath {
    /// A path of these segments (identifiers; `r#` raw ones too), with a leading `::`
    /// when `global`.
    pub fn new(global: bool, segments: Vec<String>) -> Result<Self, String> {
        let text = || format!("{}{}", if global { "::" } else { "" }, segments.join("::"));
        if segments.is_empty() {
            return Err("the runtime path is empty".to_owned());
        }
        for (index, segment) in segments.iter().enumerate() {
            let bare = segment.strip_prefix("r#").unwrap_or(segment);
            let mut chars = bare.chars();
            let identifier = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
                && bare != "_";
            if !identifier {
                return Err(format!("`{}` is not a path: `{segment}` is no identifier", text()));
            }
            let placed = match segment.as_str() {
                "crate" | "self" => index == 0 && !global,
                // `super` climbs from the start only.
                "super" => !global && segments[..index].iter().all(|s| s == "super" || s == "self"),
                _ => true,
            };
            if !placed {
                return Err(format!("`{}` is not a path: `{segment}` cannot stand there", text()));
            }
        }
        Ok(RuntimePath { global, segments })
    }

    /// Whether it is `crate`: the code is generated inside the runtime itself.
    pub fn is_crate_root(&self) -> bool {
        !self.global && self.segments == ["crate"]
    }

    /// The same crate as named from a module one level below the generated code: a path
    /// relative to `super` climbs once more; others name the same crate there (a path
    /// relative to the invoking module resolves through that module's glob import).
    pub fn from_child_module(&self) -> RuntimePath {
        match self.segments.first().map(String::as_str) {
            Some("super") => {
                let mut segments = vec!["super".to_owned()];
                segments.extend(self.segments.iter().cloned());
                RuntimePath { global: false, segments }
            }
            _ => self.clone(),
        }
    }

    /// The path of an item inside the runtime: `join("__private")`.
    pub(crate) fn join(&self, segment: &str) -> RuntimePath {
        let mut segments = self.segments.clone();
        segments.push(segment.to_owned());
        RuntimePath { global: self.global, segments }
    }
}

impl FromStr for RuntimePath {
    type Err = String;

    /// Reads `::lago_webhooks`, `crate`, `super::rt` (spaces around `::` allowed).
    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let (global, rest) = match trimmed.strip_prefix("::") {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let segments = rest.split("::").map(|s| s.trim().to_owned()).collect();
        RuntimePath::new(global, segments)
    }
}

impl fmt::Display for RuntimePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.global {
            f.write_str("::")?;
        }
        f.write_str(&self.segments.join("::"))
    }
}

impl ToTokens for RuntimePath {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for (index, segment) in self.segments.iter().enumerate() {
            if self.global || index > 0 {
                tokens.extend(quote!(::));
            }
            let ident = match segment.strip_prefix("r#") {
                Some(raw) => Ident::new_raw(raw, Span::call_site()),
                None => Ident::new(segment, Span::call_site()),
            };
            tokens.append(ident);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_print_and_climb() {
        let path: RuntimePath = ":: lago_webhooks".parse().unwrap();
        assert_eq!(path, RuntimePath::default());
        assert_eq!(path.to_token_stream().to_string(), ":: lago_webhooks");
        assert_eq!(path.join("__private").join("serde").to_string(), "::lago_webhooks::__private::serde");
        let up: RuntimePath = "super::rt".parse().unwrap();
        assert_eq!(up.from_child_module().to_string(), "super::super::rt");
        assert_eq!(path.from_child_module(), path);
        assert_eq!("r#type::x".parse::<RuntimePath>().unwrap().to_token_stream().to_string(), "r#type :: x");
        for bad in ["", "::", "a::", "a b", "::crate", "a::super", "a::self", "1a", "_"] {
            assert!(bad.parse::<RuntimePath>().is_err(), "{bad:?}");
        }
    }
}
