//! [`RequestConfig`]: the settings an adapter's middleware applies to every request.

use http::HeaderName;

use crate::TokenSource;

/// How an adapter's middleware reads tokens and tells clients about their session.
///
/// ```
/// use http::HeaderName;
/// use narvik_http::{RequestConfig, TokenSource};
///
/// // Browsers by cookie, API clients by `Authorization: Bearer`; API clients learn
/// // their session's new expiry from a response header.
/// let config = RequestConfig::new()
///     .token_source(TokenSource::CookieOrBearer)
///     .expiry_header(HeaderName::from_static("narvik-session-expires"));
/// assert_eq!(config.get_token_source(), TokenSource::CookieOrBearer);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestConfig {
    token_source: TokenSource,
    expiry_header: Option<HeaderName>,
}

impl RequestConfig {
    /// Cookies only, no expiry header.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where tokens are read from ([`TokenSource::Cookie`] unless set).
    pub fn token_source(mut self, source: TokenSource) -> Self {
        self.token_source = source;
        self
    }

    /// The response header that tells a header-authenticated client (which gets no
    /// `Set-Cookie`) its session's expiry, as Unix seconds, whenever the session is
    /// new or was extended: the client learns that its token lives on, and until
    /// when. Off unless set.
    pub fn expiry_header(mut self, name: HeaderName) -> Self {
        self.expiry_header = Some(name);
        self
    }

    /// Where tokens are read from.
    pub fn get_token_source(&self) -> TokenSource {
        self.token_source
    }

    /// The expiry header's name, when set.
    pub fn get_expiry_header(&self) -> Option<&HeaderName> {
        self.expiry_header.as_ref()
    }
}
