//! Whether Lago still sends a webhook type.

/// Whether current Lago still sends a webhook type; see `WebhookType::lifecycle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lifecycle {
    /// Sent by current Lago.
    Current,
    /// Still sent, but Lago has announced its removal: plan to move off it.
    Deprecated,
    /// No longer sent by current Lago; older versions still in use may send it.
    Retired,
    /// Sent by Lago's development version only: no release has sent it yet.
    Unreleased,
}

impl Lifecycle {
    /// `current`, `deprecated`, `retired` or `unreleased`, as the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Current => "current",
            Lifecycle::Deprecated => "deprecated",
            Lifecycle::Retired => "retired",
            Lifecycle::Unreleased => "unreleased",
        }
    }
}

display_as_str!(Lifecycle);
