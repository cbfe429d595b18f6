//! [`NarvikLayer`] and its [`NarvikService`]: validate the session cookie of every
//! request once, and write the cookie its response needs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{HeaderMap, HeaderName, HeaderValue, CACHE_CONTROL, SET_COOKIE};
use http::{Request, Response};
use narvik::{Narvik, SessionStore};
use narvik_http::{
    response_headers, validate_request, RequestConfig, ResponseHeaders, TokenSource,
};
use tower::{Layer, Service};

use crate::SessionManager;

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
/// [`MAX_SESSION_COOKIES_TRIED`](crate::MAX_SESSION_COOKIES_TRIED) lookups, and takes the first that validates; a
/// store failure stops the search (`503`, as for one cookie). Since it cannot tell
/// the app's own cookie from one another site tossed, it then writes no cookie of
/// its own accord: no blank cookie when none validated (it would delete the user's
/// real cookie, a lasting sign-out), and no cookie when the session found was
/// extended (it would make a tossed token the host's own, on every path). What the
/// handler asks for ([`SessionManager::start`](crate::SessionHandle::start), [`SessionManager::end`](crate::SessionHandle::end),
/// [`SessionManager::reauthenticate`](crate::SessionHandle::reauthenticate), [`SessionManager::rotate`](crate::SessionHandle::rotate)) is still
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
/// # API clients
///
/// With [`token_source`](Self::token_source) set to read `Authorization: Bearer`,
/// a request may present its token in that header instead (cookie first with
/// [`TokenSource::CookieOrBearer`]). Such a request never gets `Set-Cookie`, not
/// even the blank cookie; the client signs in through
/// [`SessionHandle::start_bearer`](narvik_http::SessionHandle::start_bearer), which
/// hands it the token, and learns of extensions from the
/// [`expiry_header`](Self::expiry_header) when set.
///
/// ```
/// use axum::http::HeaderName;
/// use narvik::{MemoryStore, Narvik};
/// use narvik_axum::{NarvikLayer, TokenSource};
///
/// let narvik = Narvik::builder(MemoryStore::<()>::new()).build()?;
/// let layer = NarvikLayer::new(narvik)
///     .token_source(TokenSource::CookieOrBearer)
///     .expiry_header(HeaderName::from_static("narvik-session-expires"));
/// # Ok::<(), narvik::Error>(())
/// ```
///
/// The handlers extract [`CurrentSession<S::Data>`](crate::CurrentSession) and
/// [`SessionManager<S>`]: the same store type `S` as the layer's.
pub struct NarvikLayer<S: SessionStore> {
    narvik: Narvik<S>,
    config: Arc<RequestConfig>,
}

impl<S: SessionStore> NarvikLayer<S> {
    /// The layer for `narvik`, reading tokens from the session cookie only.
    pub fn new(narvik: Narvik<S>) -> Self {
        Self {
            narvik,
            config: Arc::new(RequestConfig::new()),
        }
    }

    /// Where the layer reads tokens from: the cookie ([`TokenSource::Cookie`], the
    /// default), `Authorization: Bearer`, or both, cookie first. Never from the URL
    /// or a form field.
    #[must_use]
    pub fn token_source(mut self, source: TokenSource) -> Self {
        let config = Arc::make_mut(&mut self.config);
        *config = config.clone().token_source(source);
        self
    }

    /// The response header that tells a header-authenticated client its session's
    /// new expiry (Unix seconds) whenever the session is new or was extended; off
    /// unless set. See [`RequestConfig::expiry_header`].
    #[must_use]
    pub fn expiry_header(mut self, name: HeaderName) -> Self {
        let config = Arc::make_mut(&mut self.config);
        *config = config.clone().expiry_header(name);
        self
    }
}

impl<S: SessionStore> Clone for NarvikLayer<S> {
    fn clone(&self) -> Self {
        Self {
            narvik: self.narvik.clone(),
            config: Arc::clone(&self.config),
        }
    }
}

impl<S: SessionStore> fmt::Debug for NarvikLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikLayer")
            .field("narvik", &self.narvik)
            .field("config", &self.config)
            .finish()
    }
}

impl<Inner, S: SessionStore> Layer<Inner> for NarvikLayer<S> {
    type Service = NarvikService<Inner, S>;

    fn layer(&self, inner: Inner) -> Self::Service {
        NarvikService {
            inner,
            narvik: self.narvik.clone(),
            config: Arc::clone(&self.config),
        }
    }
}

/// The service of [`NarvikLayer`]; it wraps any `Service<http::Request<B>>` that
/// answers `http::Response`s.
pub struct NarvikService<Inner, S: SessionStore> {
    inner: Inner,
    narvik: Narvik<S>,
    config: Arc<RequestConfig>,
}

impl<Inner: Clone, S: SessionStore> Clone for NarvikService<Inner, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            narvik: self.narvik.clone(),
            config: Arc::clone(&self.config),
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
        let config = Arc::clone(&self.config);
        NarvikFuture {
            future: Box::pin(async move {
                let session = validate_request(&narvik, request.headers(), &config).await;
                let extensions = request.extensions_mut();
                extensions.insert(session.clone());
                extensions.insert(SessionManager::new(narvik.clone(), session.clone()));
                let mut response = inner.call(request).await?;
                let headers = response_headers(&narvik, &session, &config);
                append_headers(headers, response.headers_mut());
                Ok(response)
            }),
        }
    }
}

/// Appends the session's headers, and `Cache-Control: no-store` with them unless
/// the response has a `Cache-Control` already.
fn append_headers(session_headers: ResponseHeaders, headers: &mut HeaderMap) {
    if let Some(cookie) = session_headers.set_cookie {
        match HeaderValue::try_from(&cookie) {
            Ok(value) => {
                headers.append(SET_COOKIE, value);
            }
            // The builder refuses names, domains and paths with bytes a header
            // cannot carry, and tokens are base32, so this is not expected to
            // happen.
            Err(_) => tracing::error!(
                cookie = %cookie.name,
                "the session cookie is not a valid header value; not sent"
            ),
        }
    }
    if let Some((name, expires)) = session_headers.session_expires {
        // Digits only: always a valid header value.
        if let Ok(value) = HeaderValue::try_from(expires) {
            headers.insert(name, value);
        }
    }
    // A shared cache must not hand this token (or this sign-out) to another user;
    // an app that chose its own caching keeps it.
    if session_headers.no_store && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
