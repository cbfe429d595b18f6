//! [`NarvikMiddleware`] and its [`NarvikService`]: validate the session token of
//! every request once, and write the headers its response needs.

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, CACHE_CONTROL, SET_COOKIE};
use actix_web::HttpMessage;
use narvik::{Narvik, SessionStore};
use narvik_http::{
    response_headers, validate_request, RequestConfig, ResponseHeaders, TokenSource,
};

use crate::{ActixHeaders, SessionManager};

/// The actix-web middleware that gives every request its session.
///
/// For each request, [`NarvikService`]:
///
/// 1. reads the session token where the [`token_source`](Self::token_source)
///    says: the cookies named [`Narvik::cookie_name`] (the default),
///    `Authorization: Bearer`, or both, cookie first;
/// 2. validates it with [`Narvik::validate_session`] before the inner service
///    runs, and puts the outcome and a [`SessionManager`] into the request's
///    extensions, where the extractors find them;
/// 3. on the response, appends a `Set-Cookie` header: the cookie again when the
///    session is new, rotated or was extended, the blank cookie when the token was
///    invalid (malformed, unknown or expired) or the handler ended the session.
///    When the store failed, it sends no cookie: an outage is not a sign-out. A
///    request that authenticated by header never gets one.
///
/// This is `narvik-axum`'s `NarvikLayer`, through the same request logic
/// ([`narvik_http::validate_request`] and [`narvik_http::response_headers`]): the
/// rules for several cookies of the session's name (cookie tossing), the `__Host-`
/// prefix that defeats it, and the cookie's `Max-Age` capped by the session's
/// absolute deadline are the same; see the [crate documentation](crate).
///
/// Requests without a token never reach the store, nor do malformed tokens. Wrap
/// the app or the scopes that use sessions (static files need not pay for a store
/// lookup).
///
/// # Caching
///
/// A response that carries the session's cookie, the blank cookie or the expiry
/// header also gets `Cache-Control: no-store` unless the handler set a
/// `Cache-Control` header itself, so a shared cache never hands one user's token,
/// or a sign-out, to another.
///
/// # API clients
///
/// With [`token_source`](Self::token_source) set to read `Authorization: Bearer`,
/// a request may present its token in that header instead. Such a request never
/// gets `Set-Cookie`, not even the blank cookie; the client signs in through
/// [`SessionHandle::start_bearer`](narvik_http::SessionHandle::start_bearer), which
/// hands the handler the token for the response body, and learns of extensions
/// from the [`expiry_header`](Self::expiry_header) when set.
///
/// ```
/// use narvik::{MemoryStore, Narvik};
/// use narvik_actix::http::HeaderName;
/// use narvik_actix::{NarvikMiddleware, TokenSource};
///
/// let narvik = Narvik::builder(MemoryStore::<()>::new()).build()?;
/// let middleware = NarvikMiddleware::new(narvik)
///     .token_source(TokenSource::CookieOrBearer)
///     .expiry_header(HeaderName::from_static("narvik-session-expires"));
/// # let _ = actix_web::App::new().wrap(middleware);
/// # Ok::<(), narvik::Error>(())
/// ```
///
/// # Errors of inner middleware
///
/// A handler's rejection or error is a response by the time it reaches this
/// middleware, and gets the session's headers like any other. An inner
/// middleware that fails with an `Err` instead passes it on unchanged, without
/// them (as actix-web's own middleware do).
///
/// The handlers extract [`CurrentSession<S::Data>`](crate::CurrentSession) and
/// [`SessionManager<S>`]: the same store type `S` as the middleware's.
pub struct NarvikMiddleware<S: SessionStore> {
    narvik: Narvik<S>,
    settings: Arc<Settings>,
}

/// What [`NarvikMiddleware`] was configured with.
#[derive(Debug, Clone, Default)]
struct Settings {
    request: RequestConfig,
    /// [`RequestConfig::expiry_header`] as actix-web's header name.
    expiry_header: Option<HeaderName>,
}

impl<S: SessionStore> NarvikMiddleware<S> {
    /// The middleware for `narvik`, reading tokens from the session cookie only.
    pub fn new(narvik: Narvik<S>) -> Self {
        Self {
            narvik,
            settings: Arc::new(Settings::default()),
        }
    }

    /// Where the middleware reads tokens from: the cookie ([`TokenSource::Cookie`],
    /// the default), `Authorization: Bearer`, or both, cookie first. Never from the
    /// URL or a form field.
    #[must_use]
    pub fn token_source(mut self, source: TokenSource) -> Self {
        let settings = Arc::make_mut(&mut self.settings);
        settings.request = settings.request.clone().token_source(source);
        self
    }

    /// The response header that tells a header-authenticated client its session's
    /// new expiry (Unix seconds) whenever the session is new or was extended; off
    /// unless set. See [`RequestConfig::expiry_header`].
    #[must_use]
    pub fn expiry_header(mut self, name: narvik_http::http::HeaderName) -> Self {
        // A valid name of `http` 1.x is one of `http` 0.2: the rules are the same.
        match HeaderName::from_bytes(name.as_str().as_bytes()) {
            Ok(actix_name) => {
                let settings = Arc::make_mut(&mut self.settings);
                settings.request = settings.request.clone().expiry_header(name);
                settings.expiry_header = Some(actix_name);
            }
            Err(_) => tracing::error!(header = %name, "not a header name for actix-web; not sent"),
        }
        self
    }
}

impl<S: SessionStore> Clone for NarvikMiddleware<S> {
    fn clone(&self) -> Self {
        Self {
            narvik: self.narvik.clone(),
            settings: Arc::clone(&self.settings),
        }
    }
}

impl<S: SessionStore> fmt::Debug for NarvikMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikMiddleware")
            .field("narvik", &self.narvik)
            .field("config", &self.settings.request)
            .finish()
    }
}

impl<Inner, S, B> Transform<Inner, ServiceRequest> for NarvikMiddleware<S>
where
    Inner:
        Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S: SessionStore + 'static,
    S::Data: Clone,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = NarvikService<Inner, S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: Inner) -> Self::Future {
        ready(Ok(NarvikService {
            service: Rc::new(service),
            narvik: self.narvik.clone(),
            settings: Arc::clone(&self.settings),
        }))
    }
}

/// The service of [`NarvikMiddleware`].
pub struct NarvikService<Inner, S: SessionStore> {
    service: Rc<Inner>,
    narvik: Narvik<S>,
    settings: Arc<Settings>,
}

impl<Inner, S: SessionStore> fmt::Debug for NarvikService<Inner, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NarvikService")
            .field("narvik", &self.narvik)
            .field("config", &self.settings.request)
            .finish_non_exhaustive()
    }
}

/// The future of [`NarvikService`] (actix-web's services run on one thread).
pub type NarvikFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<B>, actix_web::Error>>>>;

impl<Inner, S, B> Service<ServiceRequest> for NarvikService<Inner, S>
where
    Inner:
        Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S: SessionStore + 'static,
    S::Data: Clone,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = NarvikFuture<B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let narvik = self.narvik.clone();
        let settings = Arc::clone(&self.settings);
        Box::pin(async move {
            let headers = ActixHeaders::new(request.headers());
            let session = validate_request(&narvik, &headers, &settings.request).await;
            {
                let mut extensions = request.extensions_mut();
                extensions.insert(session.clone());
                extensions.insert(SessionManager::new(narvik.clone(), session.clone()));
            }
            let mut response = service.call(request).await?;
            let session_headers = response_headers(&narvik, &session, &settings.request);
            append_headers(
                session_headers,
                settings.expiry_header.as_ref(),
                response.headers_mut(),
            );
            Ok(response)
        })
    }
}

/// Appends the session's headers, and `Cache-Control: no-store` with them unless
/// the response has a `Cache-Control` already.
fn append_headers(
    session_headers: ResponseHeaders,
    expiry_header: Option<&HeaderName>,
    headers: &mut HeaderMap,
) {
    if let Some(cookie) = session_headers.set_cookie {
        // `Display` writes the `Set-Cookie` value.
        match HeaderValue::try_from(cookie.to_string()) {
            Ok(mut value) => {
                value.set_sensitive(true);
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
    if let (Some((_, expires)), Some(name)) = (session_headers.session_expires, expiry_header) {
        // Digits only: always a valid header value.
        if let Ok(value) = HeaderValue::try_from(expires) {
            headers.insert(name.clone(), value);
        }
    }
    // A shared cache must not hand this token (or this sign-out) to another user;
    // an app that chose its own caching keeps it.
    if session_headers.no_store && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
