//! [`NarvikLayer`] and its [`NarvikService`]: validate the session cookie of every
//! request once, and write the cookie its response needs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{HeaderMap, HeaderValue, SET_COOKIE};
use http::{Request, Response};
use narvik::{Narvik, SessionStore, SessionToken};
use tower::{Layer, Service};

use crate::cookie_header::find_cookie;
use crate::state::{RequestState, ResponseCookie, SessionSlot, Validation};
use crate::SessionManager;

/// A tower layer that gives every request its session.
///
/// For each request, [`NarvikService`]:
///
/// 1. reads the cookie named [`Narvik::cookie_name`] from the `Cookie` headers, as
///    [`find_cookie`] does (the first one when the name repeats; an empty value
///    counts as no cookie);
/// 2. validates its token once, with [`Narvik::validate_session`], before the inner
///    service runs, and puts the outcome and a [`SessionManager`] into the request's
///    extensions, where the extractors find them;
/// 3. on the response, appends a `Set-Cookie` header: the cookie again when the
///    session is new or was extended, the blank cookie when the token was invalid
///    (malformed, unknown or expired) or the handler ended the session. When the
///    store failed, it sends no cookie: an outage is not a sign-out.
///
/// Requests without the cookie never reach the store, nor do malformed tokens. Put
/// the layer over the routes that use sessions (static files need not pay for a
/// store lookup).
///
/// The handlers extract [`CurrentSession<S::Data>`](crate::CurrentSession) and
/// [`SessionManager<S>`]: the same store type `S` as the layer's.
pub struct NarvikLayer<S> {
    narvik: Narvik<S>,
}

impl<S> NarvikLayer<S> {
    /// The layer for `narvik`.
    pub fn new(narvik: Narvik<S>) -> Self {
        Self { narvik }
    }
}

impl<S> Clone for NarvikLayer<S> {
    fn clone(&self) -> Self {
        Self::new(self.narvik.clone())
    }
}

impl<S> fmt::Debug for NarvikLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikLayer")
            .field("narvik", &self.narvik)
            .finish()
    }
}

impl<Inner, S> Layer<Inner> for NarvikLayer<S> {
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
pub struct NarvikService<Inner, S> {
    inner: Inner,
    narvik: Narvik<S>,
}

impl<Inner: Clone, S> Clone for NarvikService<Inner, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            narvik: self.narvik.clone(),
        }
    }
}

impl<Inner: fmt::Debug, S> fmt::Debug for NarvikService<Inner, S> {
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

/// Validates the request's session cookie, once.
async fn validate<S: SessionStore>(
    narvik: &Narvik<S>,
    headers: &HeaderMap,
) -> RequestState<S::Data> {
    let (validation, response_cookie) = match find_cookie(headers, narvik.cookie_name()) {
        // An empty value is what the blank cookie leaves, should a client send it.
        None | Some(b"") => (Validation::Absent, ResponseCookie::Unchanged),
        // Not the shape of a token (bytes that are not UTF-8 among them): no session
        // can have it, so the store is not asked.
        Some(value) => match parse_token(value) {
            None => (Validation::Invalid, ResponseCookie::Clear),
            Some(token) => match narvik.validate_session(token.as_str()).await {
                Ok(Some(session)) => {
                    let response_cookie = if session.is_new() || session.is_extended() {
                        ResponseCookie::Set(token)
                    } else {
                        ResponseCookie::Unchanged
                    };
                    (Validation::Valid(session), response_cookie)
                }
                Ok(None) => (Validation::Invalid, ResponseCookie::Clear),
                Err(error) => {
                    let validation = Validation::StoreFailed {
                        error: Arc::new(error),
                        session_id: token.session_id(),
                    };
                    (validation, ResponseCookie::Unchanged)
                }
            },
        },
    };
    RequestState {
        validation,
        response_cookie,
    }
}

/// The token in a cookie's value, `None` when it is not one.
fn parse_token(value: &[u8]) -> Option<SessionToken> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Appends the `Set-Cookie` header that `response_cookie` calls for.
fn set_cookie<S>(narvik: &Narvik<S>, response_cookie: ResponseCookie, headers: &mut HeaderMap) {
    let cookie = match response_cookie {
        ResponseCookie::Unchanged => return,
        ResponseCookie::Set(token) => narvik.create_cookie(&token),
        ResponseCookie::Clear => narvik.create_blank_cookie(),
    };
    match HeaderValue::try_from(&cookie) {
        Ok(value) => {
            headers.append(SET_COOKIE, value);
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
