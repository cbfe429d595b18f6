//! [`response_headers`]: the headers a response needs for its request's session.

use http::HeaderName;
use narvik::{Cookie, Narvik, SessionStore};

use crate::state::ResponseCookie;
use crate::{RequestConfig, RequestSession, Transport};

/// The session headers of one response, which an adapter appends as they are.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ResponseHeaders {
    /// The `Set-Cookie` to append: the session's cookie when it is new, rotated or
    /// was extended, the blank cookie when the token was invalid or the session
    /// ended; `None` otherwise, after a store failure (an outage is not a
    /// sign-out), and always for a header-authenticated request.
    pub set_cookie: Option<Cookie>,
    /// Whether to add `Cache-Control: no-store` when the response has no
    /// `Cache-Control` of its own: it carries a token, or a sign-out, that a shared
    /// cache must not hand to another user.
    pub no_store: bool,
    /// The expiry header ([`RequestConfig::expiry_header`]) and its value, Unix
    /// seconds, for a header-authenticated session that is new or was extended.
    pub session_expires: Option<(HeaderName, String)>,
}

/// Takes what the response must carry for `session`, the request's state after the
/// handler ran. Call it once per request: the cookie it returns is not returned
/// again.
pub fn response_headers<S: SessionStore>(
    narvik: &Narvik<S>,
    session: &RequestSession<S::Data>,
    config: &RequestConfig,
) -> ResponseHeaders {
    let mut state = session.lock();
    let response_cookie = std::mem::replace(&mut state.response_cookie, ResponseCookie::Unchanged);
    let renewed_times = state.renewed_times.take();
    let bearer = state.transport == Transport::Bearer;
    drop(state);
    let set_cookie = match response_cookie {
        ResponseCookie::Unchanged => None,
        ResponseCookie::Set { token, times } => Some(narvik.create_cookie(&token, times)),
        ResponseCookie::Clear => Some(narvik.create_blank_cookie()),
    };
    let session_expires = match (config.get_expiry_header(), renewed_times) {
        (Some(name), Some(times)) if bearer => {
            Some((name.clone(), times.expires_at.unix_timestamp().to_string()))
        }
        _ => None,
    };
    ResponseHeaders {
        no_store: set_cookie.is_some() || session_expires.is_some(),
        set_cookie,
        session_expires,
    }
}
