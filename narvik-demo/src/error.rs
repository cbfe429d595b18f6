//! [`Error`]: why the app could not start.

/// Why [`app`](fn@crate::app) could not make the app; each message says what to check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store URL names no backend the demo knows.
    #[error(
        "unsupported store {store}: use sqlite::memory:, sqlite://FILE, postgres://…, \
         mysql://… or redis://…"
    )]
    UnsupportedStore {
        /// The URL's scheme, or the URL itself without its credentials.
        store: String,
    },

    /// The namespace cannot name tables or key prefixes.
    #[error(
        "invalid namespace {0:?}: use 1 to 32 lower-case ASCII letters, digits and `_`, \
         starting with a letter"
    )]
    InvalidNamespace(String),

    /// The store's server could not be reached, or refused the connection.
    #[error("could not connect to {store}: {source}; check the URL and that the server is up")]
    Connect {
        /// The store, without credentials.
        store: String,
        /// What failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The session or user table could not be created.
    #[error("could not set up the {what} in {store}: {source}")]
    Setup {
        /// `session table` or `user table`.
        what: &'static str,
        /// The store, without credentials.
        store: String,
        /// What failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// narvik refused the settings (a session length that is not positive).
    #[error("invalid session settings: {0}")]
    Narvik(#[from] narvik::Error),
}
