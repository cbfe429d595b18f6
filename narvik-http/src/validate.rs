//! [`validate_request`]: validate the session token a request presents, once,
//! before the handler runs.

use std::sync::Arc;

use narvik::{Narvik, SessionStore, SessionToken};

use crate::state::{RequestState, ResponseCookie, Validation};
use crate::{
    bearer_token, find_cookies, BearerHeader, HeaderSource, RequestConfig, RequestSession,
    Transport,
};

/// How many of a request's session cookies [`validate_request`] looks up at most:
/// one store lookup each.
///
/// A request normally carries one session cookie. It carries several when another
/// site on the same registrable domain (a sibling subdomain, say
/// `evil.example.com` beside `app.example.com`) set a cookie of the same name for
/// the parent domain ("cookie tossing"): browsers send it beside the app's own,
/// and first when its path is longer. Each well-formed one is tried in order, so a
/// tossed cookie can neither hide the user's session nor have it cleared; the
/// bound keeps a request that carries many from costing many lookups. Malformed
/// values, empty ones and repeats of a token already tried cost none.
pub const MAX_SESSION_COOKIES_TRIED: usize = 3;

/// Validates the session token of a request, as every adapter's middleware does
/// before the handler runs; the rules, which the adapters document, are:
///
/// - **Cookies** (when the [`TokenSource`](crate::TokenSource) reads them): every
///   cookie named [`Narvik::cookie_name`], in the order sent, up to
///   [`MAX_SESSION_COOKIES_TRIED`] lookups; the first that validates wins; a store
///   failure stops the search. A session that is new or was extended gets its
///   cookie again; a single invalid cookie gets the blank cookie. With several
///   cookies of the name (possibly tossed by another site on the domain) no cookie
///   is written of the middleware's own accord: a blank cookie could delete the
///   user's real one, a renewed one would make a tossed token the host's own.
/// - **`Authorization: Bearer`** (when read; after the cookies, when no cookie gave
///   a session or a store failure): the one token. Such a request never gets a
///   cookie.
/// - Malformed tokens and requests without one never reach the store.
pub async fn validate_request<S, H>(
    narvik: &Narvik<S>,
    headers: &H,
    config: &RequestConfig,
) -> RequestSession<S::Data>
where
    S: SessionStore,
    S::Data: Clone,
    H: HeaderSource + ?Sized,
{
    let source = config.get_token_source();
    let mut state = if source.reads_cookie() {
        validate_cookies(narvik, headers).await
    } else {
        RequestState::new(Validation::Absent, Transport::Cookie)
    };
    let cookie_decided = matches!(
        state.validation,
        Validation::Valid(_) | Validation::StoreFailed { .. }
    );
    if source.reads_bearer() && !cookie_decided {
        if let Some(validation) = validate_bearer(narvik, headers).await {
            // The session, if any, is the header's, and a request that
            // authenticated by header gets no cookie (not even the blank one for
            // an invalid cookie beside it).
            state.validation = validation;
            state.transport = Transport::Bearer;
            state.response_cookie = ResponseCookie::Unchanged;
            if let Validation::Valid(session) = &state.validation {
                if session.is_extended() {
                    state.renewed_times = Some(session.times());
                }
            }
        }
    }
    RequestSession::new(state)
}

/// The outcome of the request's session cookies.
async fn validate_cookies<S, H>(narvik: &Narvik<S>, headers: &H) -> RequestState<S::Data>
where
    S: SessionStore,
    S::Data: Clone,
    H: HeaderSource + ?Sized,
{
    let cookies = || find_cookies(headers, narvik.cookie_name());
    let several = cookies().nth(1).is_some();
    if several {
        tracing::debug!(
            cookie = narvik.cookie_name(),
            "several session cookies of the same name, possibly tossed by another \
             site on the domain; the `__Host-` prefix prevents it"
        );
    }
    // The tokens looked up without a session; empty until a second is needed.
    let mut tried: Vec<SessionToken> = Vec::new();
    for value in cookies() {
        // Not the shape of a token (bytes that are not UTF-8 among them, or the
        // empty value the blank cookie leaves): no session can have it, so the
        // store is not asked.
        let Some(token) = parse_token(value) else {
            continue;
        };
        if tried.contains(&token) {
            continue;
        }
        if tried.len() == MAX_SESSION_COOKIES_TRIED {
            break;
        }
        match narvik.validate_session(token.as_str()).await {
            Ok(Some(session)) => {
                let renewed = session.is_new() || session.is_extended();
                let times = session.times();
                let mut state = RequestState::new(Validation::Valid(session), Transport::Cookie);
                // With several, this one may be a tossed cookie: writing it back
                // would make it the host's own.
                if renewed && !several {
                    state.response_cookie = ResponseCookie::Set { token, times };
                }
                return state;
            }
            Ok(None) => tried.push(token),
            // The next cookie would most likely fail the same way, after as long.
            Err(error) => {
                let validation = Validation::StoreFailed {
                    error: Arc::new(error),
                    session_id: token.session_id(),
                };
                return RequestState::new(validation, Transport::Cookie);
            }
        }
    }
    // An empty value is what the blank cookie leaves, should a client send it.
    if cookies().all(<[u8]>::is_empty) {
        return RequestState::new(Validation::Absent, Transport::Cookie);
    }
    let mut state = RequestState::new(Validation::Invalid, Transport::Cookie);
    // With several, the blank cookie could delete the user's own cookie instead of
    // the invalid one: which one a `Set-Cookie` replaces depends on its domain and
    // path, and the request does not say which cookie has which.
    if !several {
        state.response_cookie = ResponseCookie::Clear;
    }
    state
}

/// The outcome of the request's `Authorization: Bearer` header; `None` without one.
async fn validate_bearer<S, H>(narvik: &Narvik<S>, headers: &H) -> Option<Validation<S::Data>>
where
    S: SessionStore,
    S::Data: Clone,
    H: HeaderSource + ?Sized,
{
    let credentials = match bearer_token(headers) {
        BearerHeader::Absent => return None,
        BearerHeader::Malformed => return Some(Validation::Invalid),
        BearerHeader::Present(credentials) => credentials,
    };
    let Some(token) = parse_token(credentials) else {
        return Some(Validation::Invalid);
    };
    Some(match narvik.validate_session(token.as_str()).await {
        Ok(Some(session)) => Validation::Valid(session),
        Ok(None) => Validation::Invalid,
        Err(error) => Validation::StoreFailed {
            error: Arc::new(error),
            session_id: token.session_id(),
        },
    })
}

/// The token in a cookie's value or a header's credentials, `None` when it is not
/// one.
fn parse_token(value: &[u8]) -> Option<SessionToken> {
    std::str::from_utf8(value).ok()?.parse().ok()
}
