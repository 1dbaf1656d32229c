//! Text kept exactly as Lago sent it, in types that say what it normally holds.
//!
//! Parsing never rejects these values for their format (Lago's examples include ids that
//! are not UUIDs, empty dates and timestamps without a zone): the types keep the text,
//! and checks are left to validation. Each holds a boxed `str`, 8 bytes less than a
//! `String` in every struct, which keeps the large payloads within the allocator's fast
//! path; each derefs to `str` and compares with strings.

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // No ordering: comparing the text would misorder the non-ISO forms Lago has sent.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Box<str>);

        impl $name {
            /// Wraps the text as sent.
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into().into_boxed_str())
            }

            /// The text as sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0.into_string()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok($name(text.into()))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.into())
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name(text.into_boxed_str())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0.into_string()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                *self.0 == **other
            }
        }
    };
}

pub(crate) use text_type;

text_type! {
    /// A Lago identifier as sent, normally a UUID (`lago_id`, `lago_customer_id`, ...).
    ///
    /// Opaque: never parsed as a UUID; validation reports one that does not look like one.
    Id
}

text_type! {
    /// A currency code as sent, normally one of ISO 4217 (`EUR`).
    Currency
}

text_type! {
    /// A URL as sent, normally absolute `https` (`file_url`, `checkout_url`, ...).
    Url
}
