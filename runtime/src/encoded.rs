//! JSON sent as the text of a JSON string.

use crate::text::text_type;

text_type! {
    /// A JSON string whose text is itself JSON, kept as sent.
    ///
    /// Current Lago sends `event.error`'s `message` so: the text
    /// `{"transaction_id":["value_already_exist"]}` inside a string. [`EncodedJson::decode`]
    /// reads it.
    ///
    /// ```
    /// use lago_webhooks::EncodedJson;
    ///
    /// let message = EncodedJson::new(r#"{"transaction_id":["value_already_exist"]}"#);
    /// let errors = message.decode()?;
    /// assert_eq!(errors["transaction_id"][0], "value_already_exist");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    EncodedJson
}

impl EncodedJson {
    /// Parses the text as JSON.
    pub fn decode(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// Parses the text as JSON into `T`.
    pub fn decode_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }
}
