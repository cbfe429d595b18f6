//! [`CsrfMiddleware`]: refuse state-changing requests from other origins, by the
//! rules of [`narvik_http::CsrfPolicy`].

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::HttpResponse;
use narvik_http::http::uri::Scheme;
use narvik_http::{CsrfPolicy, CsrfRejection, ForwardedProto};

use crate::rejection::to_actix_status;
use crate::ActixHeaders;

/// The actix-web middleware that refuses state-changing requests from other
/// origins, with `403 Forbidden` ([`CsrfRejection`]).
///
/// The rules are [`CsrfPolicy`]'s, shared with `narvik-axum`'s `CsrfLayer`: safe
/// methods pass (except WebSocket handshakes), so do requests authenticated by an
/// `Authorization` header without a `Cookie` header (API clients: no cookie, no
/// CSRF: a page cannot make a browser add the header to a cross-site request
/// without a CORS preflight the app approves, nor does it know the token), and
/// every other request passes only with `Sec-Fetch-Site: same-origin` or an
/// `Origin` that is the request's own host with the site's scheme, or an allowed
/// origin. Browsers send `Origin` on every `POST`, `PUT`, `PATCH` and `DELETE`, and
/// on WebSocket handshakes; other clients that send cookies must send it too, or be
/// served by routes without this middleware.
///
/// ```
/// use narvik_actix::http::uri::Scheme;
/// use narvik_actix::{CsrfMiddleware, ForwardedProto};
///
/// // An HTTPS site with a front end on another origin.
/// let csrf = CsrfMiddleware::new().allow_origin("https://app.example.com");
/// // Local development over plain HTTP.
/// let csrf = CsrfMiddleware::new().site_scheme(Scheme::HTTP);
/// // Behind a proxy that sets `X-Forwarded-Proto` on every request.
/// let csrf = CsrfMiddleware::new().trust_forwarded_proto(ForwardedProto::XForwardedProto);
/// ```
///
/// Wrap it outside the [`NarvikMiddleware`](crate::NarvikMiddleware) (the last
/// `wrap` runs first), so cross-site requests never reach the store. `R` is how
/// refusals are answered: [`DefaultCsrfRejection`], or the function given to
/// [`rejection`](Self::rejection).
#[derive(Clone)]
pub struct CsrfMiddleware<R = DefaultCsrfRejection> {
    policy: Arc<CsrfPolicy>,
    reject: R,
}

impl CsrfMiddleware {
    /// A middleware for an `https://` site that accepts state-changing requests
    /// only from its own origin, and guards WebSocket handshakes.
    pub fn new() -> Self {
        Self::with_policy(CsrfPolicy::new())
    }

    /// A middleware that applies `policy`.
    pub fn with_policy(policy: CsrfPolicy) -> Self {
        Self {
            policy: Arc::new(policy),
            reject: DefaultCsrfRejection,
        }
    }
}

impl Default for CsrfMiddleware {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> CsrfMiddleware<R> {
    /// The policy this middleware applies.
    pub fn policy(&self) -> &CsrfPolicy {
        &self.policy
    }

    /// Also accepts requests from `origin`; see [`CsrfPolicy::allow_origin`].
    #[must_use]
    pub fn allow_origin(self, origin: impl Into<String>) -> Self {
        self.map_policy(|policy| policy.allow_origin(origin))
    }

    /// The scheme clients reach the site with: `https` unless set; see
    /// [`CsrfPolicy::site_scheme`].
    #[must_use]
    pub fn site_scheme(self, scheme: Scheme) -> Self {
        self.map_policy(|policy| policy.site_scheme(scheme))
    }

    /// Reads the site's scheme from `header`, as set by a reverse proxy in front of
    /// the app; see [`CsrfPolicy::trust_forwarded_proto`].
    #[must_use]
    pub fn trust_forwarded_proto(self, header: ForwardedProto) -> Self {
        self.map_policy(|policy| policy.trust_forwarded_proto(header))
    }

    /// Whether WebSocket handshakes are checked as state-changing requests: on by
    /// default; see [`CsrfPolicy::guard_websocket_upgrades`].
    #[must_use]
    pub fn guard_websocket_upgrades(self, guard: bool) -> Self {
        self.map_policy(|policy| policy.guard_websocket_upgrades(guard))
    }

    fn map_policy(mut self, change: impl FnOnce(CsrfPolicy) -> CsrfPolicy) -> Self {
        self.policy = Arc::new(change(self.policy.as_ref().clone()));
        self
    }

    /// Answers refused requests with `reject(rejection)` instead of an empty `403`:
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use narvik_actix::{CsrfMiddleware, CsrfRejection};
    ///
    /// fn refused(rejection: CsrfRejection) -> HttpResponse {
    ///     HttpResponse::Forbidden()
    ///         .content_type("text/html; charset=utf-8")
    ///         .body("<h1>Request refused</h1><p>Go back and try again.</p>")
    /// }
    ///
    /// let app = actix_web::App::new().wrap(CsrfMiddleware::new().rejection(refused));
    /// # let _ = app;
    /// ```
    ///
    /// To render it further out instead (actix-web's `ErrorHandlers` for every
    /// bare `403`, say), keep the default and read the [`CsrfRejection`] in the
    /// response's extensions.
    pub fn rejection<F>(self, reject: F) -> CsrfMiddleware<F>
    where
        F: Fn(CsrfRejection) -> HttpResponse + Clone + 'static,
    {
        CsrfMiddleware {
            policy: self.policy,
            reject,
        }
    }
}

impl<R> fmt::Debug for CsrfMiddleware<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfMiddleware")
            .field("policy", &self.policy)
            .field("rejection", &std::any::type_name::<R>())
            .finish()
    }
}

/// How [`CsrfService`] answers a refused request: the [`DefaultCsrfRejection`], or
/// a function set with [`CsrfMiddleware::rejection`] (any
/// `Fn(CsrfRejection) -> HttpResponse` implements it).
pub trait RejectCsrf {
    /// The response to a request refused for `rejection`.
    fn reject(&self, rejection: CsrfRejection) -> HttpResponse;
}

/// The default answer of [`CsrfMiddleware`]: `403 Forbidden`, an empty body, and
/// the [`CsrfRejection`] in the response's extensions, so a middleware further
/// out can render a page for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultCsrfRejection;

impl RejectCsrf for DefaultCsrfRejection {
    fn reject(&self, rejection: CsrfRejection) -> HttpResponse {
        let mut response = HttpResponse::new(to_actix_status(rejection.status()));
        response.extensions_mut().insert(rejection);
        response
    }
}

impl<F: Fn(CsrfRejection) -> HttpResponse> RejectCsrf for F {
    fn reject(&self, rejection: CsrfRejection) -> HttpResponse {
        self(rejection)
    }
}

impl<Inner, R, B> Transform<Inner, ServiceRequest> for CsrfMiddleware<R>
where
    Inner:
        Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    R: RejectCsrf + Clone + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CsrfService<Inner, R>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: Inner) -> Self::Future {
        ready(Ok(CsrfService {
            service,
            policy: Arc::clone(&self.policy),
            reject: self.reject.clone(),
        }))
    }
}

/// The service of [`CsrfMiddleware`].
pub struct CsrfService<Inner, R = DefaultCsrfRejection> {
    service: Inner,
    policy: Arc<CsrfPolicy>,
    reject: R,
}

impl<Inner, R> fmt::Debug for CsrfService<Inner, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfService")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The future of [`CsrfService`].
pub type CsrfFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

impl<Inner, R, B> Service<ServiceRequest> for CsrfService<Inner, R>
where
    Inner:
        Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    R: RejectCsrf,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = CsrfFuture<B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let authority = request
            .uri()
            .authority()
            .map(|authority| authority.as_str());
        let checked = self.policy.check(
            request.method().as_str(),
            authority,
            &ActixHeaders::new(request.headers()),
        );
        match checked {
            Ok(()) => {
                let future = self.service.call(request);
                Box::pin(async move { Ok(future.await?.map_into_left_body()) })
            }
            Err(rejection) => {
                tracing::debug!(
                    method = %request.method(),
                    reason = %rejection,
                    "refused a request from another origin"
                );
                let response = self.reject.reject(rejection);
                Box::pin(ready(Ok(request
                    .into_response(response)
                    .map_into_right_body())))
            }
        }
    }
}
