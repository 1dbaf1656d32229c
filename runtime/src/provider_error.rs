//! Conveniences on the bundled spec's provider errors, whatever form Lago sent them in.

use std::borrow::Cow;

use crate::ProviderError;

impl ProviderError {
    /// The provider's explanation: the `message` of the object form, or the whole text of
    /// the string form.
    ///
    /// ```
    /// use lago_webhooks::ProviderError;
    ///
    /// let error: ProviderError = serde_json::from_str(r#"{"message": "Card declined", "error_code": 402}"#)?;
    /// assert_eq!(error.message(), Some("Card declined"));
    /// let error: ProviderError = serde_json::from_str(r#""Gateway timeout""#)?;
    /// assert_eq!(error.message(), Some("Gateway timeout"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn message(&self) -> Option<&str> {
        match self {
            ProviderError::Details(details) => details.message.as_deref(),
            ProviderError::Message(text) => Some(text),
        }
    }

    /// The provider's error code as text, whether it was sent as a string or an integer,
    /// under `error_code` or (as `payment_provider.error` spells it) `code`.
    ///
    /// ```
    /// use lago_webhooks::ProviderError;
    ///
    /// let error: ProviderError = serde_json::from_str(r#"{"message": "Not found", "error_code": 404}"#)?;
    /// assert_eq!(error.code().as_deref(), Some("404"));
    /// let error: ProviderError = serde_json::from_str(r#"{"message": "x", "error_code": "card_declined"}"#)?;
    /// assert_eq!(error.code().as_deref(), Some("card_declined"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn code(&self) -> Option<Cow<'_, str>> {
        self.as_details().and_then(|details| {
            (details.error_code.as_ref().map(|code| code.to_text()))
                .or_else(|| details.code.as_deref().map(Cow::Borrowed))
        })
    }
}
