//! [`CsrfRejection`]: why [`CsrfPolicy::check`](crate::CsrfPolicy::check) refused
//! a request.

use http::StatusCode;

/// Why [`CsrfPolicy::check`](crate::CsrfPolicy::check) refused a request; each
/// adapter answers it with `403 Forbidden` unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrfRejection {
    /// A state-changing request without exactly one `Origin` header, nor
    /// `Sec-Fetch-Site: same-origin`.
    #[error("state-changing request without an `Origin` header")]
    MissingOrigin,

    /// `Sec-Fetch-Site: cross-site`: the browser says another site made the
    /// request, whatever its `Origin` (unless that is an allowed origin).
    #[error("state-changing request from another site (`Sec-Fetch-Site: cross-site`)")]
    CrossSite,

    /// The `Origin`'s scheme is not the site's: `http://example.com` on an
    /// `https://` site, a page a network attacker could have injected.
    #[error("state-changing request from an origin of another scheme than the site's")]
    SchemeMismatch,

    /// The `Origin` names another host or port, or no origin at all (`null`).
    #[error("state-changing request from another origin")]
    OtherOrigin,

    /// The request names no single host (no `Host` header nor URI authority, or
    /// several) to compare its `Origin` with.
    #[error("state-changing request without a single `Host` to compare its `Origin` with")]
    MissingHost,
}

impl CsrfRejection {
    /// `403 Forbidden`, whatever the reason.
    pub fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }
}
