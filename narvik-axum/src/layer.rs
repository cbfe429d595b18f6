//! [`NarvikLayer`] and its [`NarvikService`]: validate the session cookie of every
//! request once, and write the cookie its response needs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{HeaderMap, HeaderValue, CACHE_CONTROL, SET_COOKIE};
use http::{Request, Response};
use narvik::{Narvik, SessionStore, SessionToken};
use tower::{Layer, Service};

use crate::cookie_header::find_cookies;
use crate::state::{RequestState, ResponseCookie, SessionSlot, Validation};
use crate::SessionManager;

/// How many of a request's session cookies [`NarvikLayer`] looks up at most: one
/// store lookup each.
///
/// A request normally carries one session cookie. It carries several when another
/// site on the same registrable domain (a sibling subdomain, say
/// `evil.example.com` beside `app.example.com`) set a cookie of the same name for
/// the parent domain ("cookie tossing"): browsers send it beside the app's own,
/// and first when its path is longer. The layer tries each well-formed one in
/// order, so a tossed cookie can neither hide the user's session nor have it
/// cleared; the bound keeps a request that carries many from costing many lookups.
/// Malformed values, empty ones and repeats of a token already tried cost none.
pub const MAX_SESSION_COOKIES_TRIED: usize = 3;

/// A tower layer that gives every request its session.
///
/// For each request, [`NarvikService`]:
///
/// 1. reads the cookies named [`Narvik::cookie_name`] from the `Cookie` headers, as
///    [`find_cookies`](crate::find_cookies) does;
/// 2. validates their tokens with [`Narvik::validate_session`] before the inner
///    service runs, and puts the outcome and a [`SessionManager`] into the request's
///    extensions, where the extractors find them;
/// 3. on the response, appends a `Set-Cookie` header: the cookie again when the
///    session is new, rotated or was extended, the blank cookie when the token was
///    invalid (malformed, unknown or expired) or the handler ended the session.
///    When the store failed, it sends no cookie: an outage is not a sign-out. The
///    cookie's `Max-Age` never outlives the session's absolute deadline
///    ([`Narvik::create_cookie`]).
///
/// Requests without the cookie never reach the store, nor do malformed tokens. Put
/// the layer over the routes that use sessions (static files need not pay for a
/// store lookup).
///
/// # Several cookies of the name
///
/// With more than one cookie named [`Narvik::cookie_name`] (in one `Cookie` header
/// or several), the layer looks up each well-formed token in the order sent, up to
/// [`MAX_SESSION_COOKIES_TRIED`] lookups, and takes the first that validates; a
/// store failure stops the search (`503`, as for one cookie). Since it cannot tell
/// the app's own cookie from one another site tossed, it then writes no cookie of
/// its own accord: no blank cookie when none validated (it would delete the user's
/// real cookie, a lasting sign-out), and no cookie when the session found was
/// extended (it would make a tossed token the host's own, on every path). What the
/// handler asks for ([`SessionManager::start`], [`SessionManager::end`],
/// [`SessionManager::reauthenticate`], [`SessionManager::rotate`]) is still
/// written.
///
/// When several validate, the first wins, and it may be a tosser's own valid
/// session: on that path the user would act in the attacker's account. Only the
/// `__Host-` cookie-name prefix prevents this: browsers accept a `__Host-` cookie
/// only without a `Domain` (so only for the host that set it), with `Path=/`, from
/// a secure page, so no other host can set one for yours. It needs `Secure`
/// (narvik's default), no domain and the path `/`, which `build()` checks:
///
/// ```
/// use narvik::{MemoryStore, Narvik};
/// use narvik_axum::NarvikLayer;
///
/// let narvik = Narvik::builder(MemoryStore::<()>::new())
///     .cookie_name("__Host-session")
///     .build()?;
/// let layer = NarvikLayer::new(narvik);
/// # Ok::<(), narvik::Error>(())
/// ```
///
/// # Caching
///
/// A response that carries the session's cookie, or the blank cookie, also gets
/// `Cache-Control: no-store` unless the inner service set a `Cache-Control` header
/// itself, so a shared cache never hands one user's token, or a sign-out, to
/// another. Since an extension can add the cookie to any response under the
/// layer, a `Cache-Control` of your own there should not allow shared caching
/// (`private` or `no-store`).
///
/// The handlers extract [`CurrentSession<S::Data>`](crate::CurrentSession) and
/// [`SessionManager<S>`]: the same store type `S` as the layer's.
pub struct NarvikLayer<S: SessionStore> {
    narvik: Narvik<S>,
}

impl<S: SessionStore> NarvikLayer<S> {
    /// The layer for `narvik`.
    pub fn new(narvik: Narvik<S>) -> Self {
        Self { narvik }
    }
}

impl<S: SessionStore> Clone for NarvikLayer<S> {
    fn clone(&self) -> Self {
        Self::new(self.narvik.clone())
    }
}

impl<S: SessionStore> fmt::Debug for NarvikLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikLayer")
            .field("narvik", &self.narvik)
            .finish()
    }
}

impl<Inner, S: SessionStore> Layer<Inner> for NarvikLayer<S> {
    type Service = NarvikService<Inner, S>;

    fn layer(&self, inner: Inner) -> Self::Service {
        NarvikService {
            inner,
            narvik: self.narvik.clone(),
        }
    }
}

/// The service of [`NarvikLayer`]; it wraps any `Service<http::Request<B>>` that
/// answers `http::Response`s.
pub struct NarvikService<Inner, S: SessionStore> {
    inner: Inner,
    narvik: Narvik<S>,
}

impl<Inner: Clone, S: SessionStore> Clone for NarvikService<Inner, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            narvik: self.narvik.clone(),
        }
    }
}

impl<Inner: fmt::Debug, S: SessionStore> fmt::Debug for NarvikService<Inner, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikService")
            .field("inner", &self.inner)
            .field("narvik", &self.narvik)
            .finish()
    }
}

impl<Inner, S, ReqBody, ResBody> Service<Request<ReqBody>> for NarvikService<Inner, S>
where
    Inner: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    Inner::Future: Send + 'static,
    Inner::Error: 'static,
    S: SessionStore,
    S::Data: Clone,
    S: 'static,
    ReqBody: Send + 'static,
    ResBody: 'static,
{
    type Response = Response<ResBody>;
    type Error = Inner::Error;
    type Future = NarvikFuture<Response<ResBody>, Inner::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // `poll_ready` readied `self.inner`, not a clone of it: this request takes
        // the ready one, and the clone stays for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let narvik = self.narvik.clone();
        NarvikFuture {
            future: Box::pin(async move {
                let state = validate(&narvik, request.headers()).await;
                let slot = SessionSlot::new(state);
                let extensions = request.extensions_mut();
                extensions.insert(slot.clone());
                extensions.insert(SessionManager::new(narvik.clone(), slot.clone()));
                let mut response = inner.call(request).await?;
                let response_cookie =
                    std::mem::replace(&mut slot.lock().response_cookie, ResponseCookie::Unchanged);
                set_cookie(&narvik, response_cookie, response.headers_mut());
                Ok(response)
            }),
        }
    }
}

/// Validates the request's session cookies, once; see [`NarvikLayer`] for the rules.
async fn validate<S>(narvik: &Narvik<S>, headers: &HeaderMap) -> RequestState<S::Data>
where
    S: SessionStore,
    S::Data: Clone,
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
                // With several, this one may be a tossed cookie: writing it back
                // would make it the host's own.
                let response_cookie = if renewed && !several {
                    ResponseCookie::set(token, &session)
                } else {
                    ResponseCookie::Unchanged
                };
                return RequestState {
                    validation: Validation::Valid(session),
                    response_cookie,
                };
            }
            Ok(None) => tried.push(token),
            // The next cookie would most likely fail the same way, after as long.
            Err(error) => {
                return RequestState {
                    validation: Validation::StoreFailed {
                        error: Arc::new(error),
                        session_id: token.session_id(),
                    },
                    response_cookie: ResponseCookie::Unchanged,
                };
            }
        }
    }
    // An empty value is what the blank cookie leaves, should a client send it.
    if cookies().all(<[u8]>::is_empty) {
        return RequestState {
            validation: Validation::Absent,
            response_cookie: ResponseCookie::Unchanged,
        };
    }
    // With several, the blank cookie could delete the user's own cookie instead of
    // the invalid one: which one a `Set-Cookie` replaces depends on its domain and
    // path, and the request does not say which cookie has which.
    let response_cookie = if several {
        ResponseCookie::Unchanged
    } else {
        ResponseCookie::Clear
    };
    RequestState {
        validation: Validation::Invalid,
        response_cookie,
    }
}

/// The token in a cookie's value, `None` when it is not one.
fn parse_token(value: &[u8]) -> Option<SessionToken> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Appends the `Set-Cookie` header that `response_cookie` calls for, and
/// `Cache-Control: no-store` unless the response has a `Cache-Control` already.
fn set_cookie<S: SessionStore>(
    narvik: &Narvik<S>,
    response_cookie: ResponseCookie,
    headers: &mut HeaderMap,
) {
    let cookie = match response_cookie {
        ResponseCookie::Unchanged => return,
        ResponseCookie::Set { token, times } => narvik.create_cookie(&token, times),
        ResponseCookie::Clear => narvik.create_blank_cookie(),
    };
    match HeaderValue::try_from(&cookie) {
        Ok(value) => {
            headers.append(SET_COOKIE, value);
            // A shared cache must not hand this token (or this sign-out) to
            // another user; an app that chose its own caching keeps it.
            if !headers.contains_key(CACHE_CONTROL) {
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
        }
        // The builder refuses names, domains and paths with bytes a header cannot
        // carry, and tokens are base32, so this is not expected to happen.
        Err(_) => tracing::error!(
            cookie = %cookie.name,
            "the session cookie is not a valid header value; not sent"
        ),
    }
}

/// The future of [`NarvikService`].
pub struct NarvikFuture<T, E> {
    future: Pin<Box<dyn Future<Output = Result<T, E>> + Send>>,
}

impl<T, E> Future for NarvikFuture<T, E> {
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.future.as_mut().poll(cx)
    }
}

impl<T, E> fmt::Debug for NarvikFuture<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikFuture").finish_non_exhaustive()
    }
}
