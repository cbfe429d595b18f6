//! [`CsrfLayer`]: refuse state-changing requests from other origins, by the rules
//! of [`narvik_http::CsrfPolicy`].

mod reject;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::Scheme;
use http::{Request, Response};
use tower::{Layer, Service};

use narvik_http::{CsrfPolicy, CsrfRejection, ForwardedProto};

pub use self::reject::{DefaultCsrfRejection, RejectCsrf};

/// A tower layer that refuses state-changing requests from other origins, with
/// `403 Forbidden` ([`CsrfRejection`]).
///
/// The rules are [`CsrfPolicy`]'s, shared with `narvik-actix`: safe methods pass
/// (except WebSocket handshakes), so do requests authenticated by an
/// `Authorization` header without a `Cookie` header (API clients: no cookie, no
/// CSRF), and every other request passes only with `Sec-Fetch-Site: same-origin`
/// or an `Origin` that is the request's own host with the site's scheme, or an
/// allowed origin. Browsers send `Origin` on every `POST`, `PUT`, `PATCH` and
/// `DELETE`, and on WebSocket handshakes; other clients that send cookies must
/// send it too, or be served by routes without this layer.
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
    policy: Arc<CsrfPolicy>,
    reject: R,
}

impl CsrfLayer {
    /// A layer for an `https://` site that accepts state-changing requests only
    /// from its own origin, and guards WebSocket handshakes.
    pub fn new() -> Self {
        Self {
            policy: Arc::new(CsrfPolicy::new()),
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
        self.policy = Arc::new(self.policy.as_ref().clone().allow_origin(origin));
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
        self.policy.allowed_origins()
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
        self.policy = Arc::new(self.policy.as_ref().clone().site_scheme(scheme));
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
        self.policy = Arc::new(self.policy.as_ref().clone().trust_forwarded_proto(header));
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
        self.policy = Arc::new(self.policy.as_ref().clone().guard_websocket_upgrades(guard));
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
    policy: Arc<CsrfPolicy>,
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
        let authority = request
            .uri()
            .authority()
            .map(|authority| authority.as_str());
        let checked = self
            .policy
            .check(request.method().as_str(), authority, request.headers());
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
