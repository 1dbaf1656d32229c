//! Dates and timestamps kept as the text Lago sent.
//!
//! Lago's examples include timestamps without a zone (`2022-10-06 09:52:00`) and
//! empty dates, so parsing must not reject them: these types keep the text, and
//! conversions or checks are left to the caller (or to validation).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // No ordering: comparing the text would misorder the non-ISO forms Lago has sent.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the text as sent.
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            /// The text as sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok($name(text.to_owned()))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type! {
    /// A calendar date as sent, normally `YYYY-MM-DD`.
    Date
}

text_type! {
    /// A timestamp as sent, normally RFC 3339 in UTC (`2022-04-29T08:59:51Z`).
    DateTime
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_verbatim() {
        let odd: DateTime = serde_json::from_str("\"2022-10-06 09:52:00\"").unwrap();
        assert_eq!(odd.as_str(), "2022-10-06 09:52:00");
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"2022-10-06 09:52:00\"");
        let empty: Date = serde_json::from_str("\"\"").unwrap();
        assert_eq!(empty.as_str(), "");
        assert!(serde_json::from_str::<Date>("20220101").is_err());
    }
}
