//! [`CsrfRejection`]: why [`CsrfLayer`](crate::CsrfLayer) refused a request, and
//! how the refusal becomes a response ([`RejectCsrf`]).

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;

/// Why [`CsrfLayer`](crate::CsrfLayer) refused a request.
///
/// The layer's default answer is `403 Forbidden` with an empty body (the body type
/// is the inner service's, which the layer cannot write text into) and the
/// rejection in the response's extensions, so a middleware further out can render
/// a page for it:
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use narvik_axum::CsrfRejection;
///
/// async fn explain(response: Response) -> Response {
///     match response.extensions().get::<CsrfRejection>() {
///         Some(rejection) => (rejection.status(), format!("refused: {rejection}")).into_response(),
///         None => response,
///     }
/// }
/// # let _ = axum::Router::<()>::new().layer(axum::middleware::map_response(explain));
/// ```
///
/// Or answer in your own way from the start with
/// [`CsrfLayer::rejection`](crate::CsrfLayer::rejection). As an
/// [`IntoResponse`], a rejection is `403` with a short plain-text body (and
/// itself in the response's extensions).
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

impl IntoResponse for CsrfRejection {
    fn into_response(self) -> Response {
        let mut response = (self.status(), "cross-origin request refused").into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// How [`CsrfService`](crate::CsrfService) answers a refused request: the
/// [`DefaultCsrfRejection`], or a function set with
/// [`CsrfLayer::rejection`](crate::CsrfLayer::rejection) (any
/// `Fn(CsrfRejection) -> http::Response<ResBody>` implements it).
pub trait RejectCsrf<ResBody> {
    /// The response to a request refused for `rejection`.
    fn reject(&self, rejection: CsrfRejection) -> http::Response<ResBody>;
}

/// The default answer of [`CsrfLayer`](crate::CsrfLayer): `403 Forbidden`, an
/// empty body, and the [`CsrfRejection`] in the response's extensions.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultCsrfRejection;

impl<ResBody: Default> RejectCsrf<ResBody> for DefaultCsrfRejection {
    fn reject(&self, rejection: CsrfRejection) -> http::Response<ResBody> {
        let mut response = http::Response::new(ResBody::default());
        *response.status_mut() = rejection.status();
        response.extensions_mut().insert(rejection);
        response
    }
}

impl<F, ResBody> RejectCsrf<ResBody> for F
where
    F: Fn(CsrfRejection) -> http::Response<ResBody>,
{
    fn reject(&self, rejection: CsrfRejection) -> http::Response<ResBody> {
        self(rejection)
    }
}
