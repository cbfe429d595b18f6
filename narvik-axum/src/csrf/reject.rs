//! [`RejectCsrf`]: how a refusal of [`CsrfLayer`](crate::CsrfLayer) becomes a
//! response.

use narvik_http::CsrfRejection;

/// How [`CsrfService`](crate::CsrfService) answers a refused request: the
/// [`DefaultCsrfRejection`], or a function set with
/// [`CsrfLayer::rejection`](crate::CsrfLayer::rejection) (any
/// `Fn(CsrfRejection) -> http::Response<ResBody>` implements it).
pub trait RejectCsrf<ResBody> {
    /// The response to a request refused for `rejection`.
    fn reject(&self, rejection: CsrfRejection) -> http::Response<ResBody>;
}

/// The default answer of [`CsrfLayer`](crate::CsrfLayer): `403 Forbidden`, an
/// empty body (the body type is the inner service's, which the layer cannot write
/// text into), and the [`CsrfRejection`] in the response's extensions, so a
/// middleware further out can render a page for it:
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
