//! [`CsrfLayer`]: refuse state-changing requests from other origins.
//!
//! The session cookie is `SameSite=Lax` by default, which keeps it off most
//! cross-site requests, but not off those from sibling subdomains (same site,
//! different origin), from a plain-HTTP page of the same host (in browsers without
//! schemeful same-site), nor from browsers that ignore `SameSite`. As the
//! original's guides recommend, this layer checks that every request that may
//! change state comes from the site itself: by its `Sec-Fetch-Site` header, or by
//! its `Origin`, which must name the request's host with the site's scheme.

mod check;
mod origin;
mod rejection;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::Scheme;
use http::{Request, Response};
use tower::{Layer, Service};

pub use self::check::ForwardedProto;
use self::check::Policy;
pub use self::rejection::{CsrfRejection, DefaultCsrfRejection, RejectCsrf};

/// A tower layer that refuses state-changing requests from other origins, with
/// `403 Forbidden` ([`CsrfRejection`]).
///
/// - `GET`, `HEAD`, `OPTIONS` and `TRACE` pass unchecked: they must not change
///   state. Except WebSocket handshakes (`GET` with `Connection: upgrade` and
///   `Upgrade: websocket`): a WebSocket acts with the user's cookie like any form,
///   so they are checked as state-changing requests by default; see
///   [`guard_websocket_upgrades`](Self::guard_websocket_upgrades).
/// - Every other method (`POST`, `PUT`, `PATCH`, `DELETE` and any other) is checked:
///   1. `Sec-Fetch-Site: same-origin` passes: browsers send it, pages cannot forge
///      it, and it says the site's own page made the request.
///   2. `Sec-Fetch-Site: cross-site` is refused, whatever the `Origin`, unless the
///      `Origin` is an [allowed one](Self::allow_origin).
///   3. Otherwise (`same-site`, `none`, an unknown or repeated value, or no such
///      header, as from older browsers and other clients) the request passes only
///      with exactly one `Origin` header that either is one of the
///      [allowed origins](Self::allow_origin), or has the
///      [site's scheme](Self::site_scheme) (`https` unless set) and names the
///      request's host (the `Host` header, or the URI's authority without one;
///      compared without regard to case, with the scheme's default port filled in).
///      So `same-site` (a sibling subdomain) passes only from an allowed origin,
///      and `none` (a navigation the user started) only with the site's own origin.
/// - `Origin: null` (sandboxed frames, some redirects) never matches the host.
///
/// Browsers send `Origin` on every `POST`, `PUT`, `PATCH` and `DELETE`, and on
/// WebSocket handshakes; other clients (scripts, mobile apps, WebSocket libraries)
/// must send it too, or be served by routes without this layer.
///
/// ```
/// use http::uri::Scheme;
/// use narvik_axum::{CsrfLayer, ForwardedProto};
///
/// // An HTTPS site with a front end on another origin.
/// let csrf = CsrfLayer::new().allow_origin("https://app.example.com");
/// // Local development over plain HTTP.
/// let csrf = CsrfLayer::new().site_scheme(Scheme::HTTP);
/// // Behind a proxy that sets `X-Forwarded-Proto` on every request.
/// let csrf = CsrfLayer::new().trust_forwarded_proto(ForwardedProto::XForwardedProto);
/// ```
///
/// `R` is how refusals are answered: [`DefaultCsrfRejection`], or the function given
/// to [`rejection`](Self::rejection).
#[derive(Clone)]
pub struct CsrfLayer<R = DefaultCsrfRejection> {
    policy: Arc<Policy>,
    reject: R,
}

impl CsrfLayer {
    /// A layer for an `https://` site that accepts state-changing requests only
    /// from its own origin, and guards WebSocket handshakes.
    pub fn new() -> Self {
        Self {
            policy: Arc::new(Policy::default()),
            reject: DefaultCsrfRejection,
        }
    }
}

impl Default for CsrfLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> CsrfLayer<R> {
    /// Also accepts requests from `origin`, written as browsers send it:
    /// `scheme://host` or `scheme://host:port`, such as
    /// `https://app.example.com` (compared without regard to case; a trailing `/`
    /// is ignored). Its scheme need not be the site's.
    #[must_use]
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        let origin: String = origin.into();
        let origin = origin.trim_end_matches('/').to_owned();
        Arc::make_mut(&mut self.policy).allowed_origins.push(origin);
        self
    }

    /// Also accepts requests from each of `origins`; see
    /// [`allow_origin`](Self::allow_origin).
    #[must_use]
    pub fn allow_origins<I>(self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        origins.into_iter().fold(self, Self::allow_origin)
    }

    /// The allowed origins besides the request's own.
    pub fn allowed_origins(&self) -> &[String] {
        &self.policy.allowed_origins
    }

    /// The scheme clients reach the site with, and so the only scheme an `Origin`
    /// naming the request's host may have: [`Scheme::HTTPS`] unless set. Set
    /// [`Scheme::HTTP`] for a site served over plain HTTP, such as local
    /// development on `http://localhost:3000`.
    ///
    /// Why it matters: a network attacker can inject a page into any plain-HTTP
    /// response, and `http://example.com` is the same host as `https://example.com`;
    /// browsers without schemeful same-site send the `Lax` cookie with its forms.
    #[must_use]
    pub fn site_scheme(mut self, scheme: Scheme) -> Self {
        Arc::make_mut(&mut self.policy).site_scheme = scheme;
        self
    }

    /// Reads the site's scheme from `header`, as set by a reverse proxy in front of
    /// the app, falling back to [`site_scheme`](Self::site_scheme) when the request
    /// does not carry exactly one scheme there (no header, several, or a list:
    /// `https, http`).
    ///
    /// Trust it only behind a proxy that sets the header on every request,
    /// replacing what a client sent: otherwise any client chooses the scheme the
    /// layer accepts.
    #[must_use]
    pub fn trust_forwarded_proto(mut self, header: ForwardedProto) -> Self {
        Arc::make_mut(&mut self.policy).trusted_forwarded_proto = Some(header);
        self
    }

    /// Whether WebSocket handshakes (`GET` with `Connection: upgrade` and
    /// `Upgrade: websocket`) are checked as state-changing requests: **on** by
    /// default. A page of any site may open a WebSocket to yours, and the browser
    /// sends your cookie with it (`SameSite=Lax` does not stop it when the sites
    /// share a registrable domain, and browsers without `SameSite` never do), so
    /// without the check another site could act through the socket as the user.
    /// Turn it off only when the socket authenticates otherwise, or checks `Origin`
    /// itself.
    #[must_use]
    pub fn guard_websocket_upgrades(mut self, guard: bool) -> Self {
        Arc::make_mut(&mut self.policy).guard_websocket_upgrades = guard;
        self
    }

    /// Answers refused requests with `reject(rejection)` instead of an empty `403`.
    /// Its response body must be the inner service's (`axum::body::Body` under an
    /// axum `Router`, which every `IntoResponse` gives):
    ///
    /// ```
    /// use axum::response::{Html, IntoResponse, Response};
    /// use narvik_axum::{CsrfLayer, CsrfRejection};
    ///
    /// fn refused(rejection: CsrfRejection) -> Response {
    ///     (rejection.status(), Html("<h1>Request refused</h1><p>Go back and try again.</p>"))
    ///         .into_response()
    /// }
    ///
    /// let app: axum::Router = axum::Router::new().layer(CsrfLayer::new().rejection(refused));
    /// ```
    ///
    /// To render it further out instead (a page for every bare error status, say),
    /// keep the default and read the [`CsrfRejection`] in the response's extensions.
    pub fn rejection<F, ResBody>(self, reject: F) -> CsrfLayer<F>
    where
        F: Fn(CsrfRejection) -> Response<ResBody> + Clone,
    {
        CsrfLayer {
            policy: self.policy,
            reject,
        }
    }
}

impl<R> fmt::Debug for CsrfLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfLayer")
            .field("policy", &self.policy)
            .field("rejection", &std::any::type_name::<R>())
            .finish()
    }
}

impl<Inner, R: Clone> Layer<Inner> for CsrfLayer<R> {
    type Service = CsrfService<Inner, R>;

    fn layer(&self, inner: Inner) -> Self::Service {
        CsrfService {
            inner,
            policy: Arc::clone(&self.policy),
            reject: self.reject.clone(),
        }
    }
}

/// The service of [`CsrfLayer`].
#[derive(Clone)]
pub struct CsrfService<Inner, R = DefaultCsrfRejection> {
    inner: Inner,
    policy: Arc<Policy>,
    reject: R,
}

impl<Inner: fmt::Debug, R> fmt::Debug for CsrfService<Inner, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfService")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .field("rejection", &std::any::type_name::<R>())
            .finish()
    }
}

impl<Inner, R, ReqBody, ResBody> Service<Request<ReqBody>> for CsrfService<Inner, R>
where
    Inner: Service<Request<ReqBody>, Response = Response<ResBody>>,
    R: RejectCsrf<ResBody>,
{
    type Response = Response<ResBody>;
    type Error = Inner::Error;
    type Future = CsrfFuture<Inner::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let checked = self
            .policy
            .check(request.method(), request.uri(), request.headers());
        match checked {
            Ok(()) => CsrfFuture {
                kind: Kind::Inner {
                    future: self.inner.call(request),
                },
            },
            Err(rejection) => {
                tracing::debug!(
                    method = %request.method(),
                    reason = %rejection,
                    "refused a request from another origin"
                );
                CsrfFuture {
                    kind: Kind::Refused {
                        response: Some(self.reject.reject(rejection)),
                    },
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`CsrfService`].
    pub struct CsrfFuture<F, ResBody> {
        #[pin]
        kind: Kind<F, ResBody>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProjection]
    enum Kind<F, ResBody> {
        Inner { #[pin] future: F },
        Refused { response: Option<Response<ResBody>> },
    }
}

impl<F, ResBody, E> Future for CsrfFuture<F, ResBody>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProjection::Inner { future } => future.poll(cx),
            KindProjection::Refused { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after it was ready: a contract violation by the caller.
                None => panic!("`CsrfFuture` polled after completion"),
            },
        }
    }
}

impl<F, ResBody> fmt::Debug for CsrfFuture<F, ResBody> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfFuture").finish_non_exhaustive()
    }
}
