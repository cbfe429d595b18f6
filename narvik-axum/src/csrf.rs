//! [`CsrfLayer`]: refuse state-changing requests from other origins.
//!
//! The session cookie is `SameSite=Lax` by default, which keeps it off most
//! cross-site requests, but not off those from sibling subdomains (same site,
//! different origin) nor from browsers that ignore `SameSite`. As the original's
//! guides recommend, this layer checks that the `Origin` header of every request that
//! may change state names the host the request was sent to.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{HeaderMap, HOST, ORIGIN};
use http::{Method, Request, Response, StatusCode, Uri};
use tower::{Layer, Service};

/// A tower layer that refuses, with `403 Forbidden` and an empty body,
/// state-changing requests whose `Origin` is missing or is not the request's own.
///
/// - `GET`, `HEAD`, `OPTIONS` and `TRACE` pass unchecked: they must not change state.
/// - Every other method (`POST`, `PUT`, `PATCH`, `DELETE` and any other) passes only
///   with exactly one `Origin` header that either names the request's host (the
///   `Host` header, or the URI's authority without one; compared without regard to
///   case, with the scheme's default port filled in), or is one of the
///   [allowed origins](Self::allow_origin).
/// - `Origin: null` (sandboxed frames, some redirects) never matches the host.
///
/// Browsers send `Origin` on every `POST`, `PUT`, `PATCH` and `DELETE`; other
/// clients (scripts, mobile apps) must send it too, or be served by routes without
/// this layer. Behind a proxy that rewrites `Host`, list the public origin with
/// [`allow_origin`](Self::allow_origin).
///
/// ```
/// use narvik_axum::CsrfLayer;
///
/// let csrf = CsrfLayer::new().allow_origin("https://app.example.com");
/// ```
#[derive(Debug, Clone, Default)]
pub struct CsrfLayer {
    allowed_origins: Arc<Vec<String>>,
}

impl CsrfLayer {
    /// A layer that accepts only requests whose `Origin` names their own host.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also accepts requests from `origin`, written as browsers send it:
    /// `scheme://host` or `scheme://host:port`, such as
    /// `https://app.example.com` (compared without regard to case; a trailing `/`
    /// is ignored).
    #[must_use]
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        let origin: String = origin.into();
        let origin = origin.trim_end_matches('/').to_owned();
        Arc::make_mut(&mut self.allowed_origins).push(origin);
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
        &self.allowed_origins
    }
}

impl<Inner> Layer<Inner> for CsrfLayer {
    type Service = CsrfService<Inner>;

    fn layer(&self, inner: Inner) -> Self::Service {
        CsrfService {
            inner,
            allowed_origins: Arc::clone(&self.allowed_origins),
        }
    }
}

/// The service of [`CsrfLayer`].
#[derive(Clone)]
pub struct CsrfService<Inner> {
    inner: Inner,
    allowed_origins: Arc<Vec<String>>,
}

impl<Inner: fmt::Debug> fmt::Debug for CsrfService<Inner> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfService")
            .field("inner", &self.inner)
            .field("allowed_origins", &self.allowed_origins)
            .finish()
    }
}

impl<Inner, ReqBody, ResBody> Service<Request<ReqBody>> for CsrfService<Inner>
where
    Inner: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = Inner::Error;
    type Future = CsrfFuture<Inner::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let allowed = is_allowed(
            request.method(),
            request.headers(),
            request.uri(),
            &self.allowed_origins,
        );
        if allowed {
            return CsrfFuture {
                kind: Kind::Inner {
                    future: self.inner.call(request),
                },
            };
        }
        tracing::debug!(
            method = %request.method(),
            "refused a state-changing request from another origin"
        );
        let mut response = Response::new(ResBody::default());
        *response.status_mut() = StatusCode::FORBIDDEN;
        CsrfFuture {
            kind: Kind::Refused {
                response: Some(response),
            },
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

/// Whether the request may pass.
fn is_allowed(method: &Method, headers: &HeaderMap, uri: &Uri, allowed_origins: &[String]) -> bool {
    if is_safe(method) {
        return true;
    }
    let Some(origin) = single(headers, ORIGIN) else {
        return false;
    };
    if allowed_origins
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let host = match headers.get(HOST) {
        Some(_) => single(headers, HOST),
        None => uri.authority().map(|authority| authority.as_str()),
    };
    match (Origin::parse(origin), host) {
        (Some(origin), Some(host)) => origin.is_host(host),
        _ => false,
    }
}

/// Methods that must not change state (RFC 9110, section 9.2.1).
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The value of header `name` when it appears exactly once and is visible ASCII.
fn single(headers: &HeaderMap, name: http::header::HeaderName) -> Option<&str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}

/// A serialized origin: `scheme://host[:port]`.
struct Origin<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> Origin<'a> {
    /// `None` for `null` and anything that is not a serialized origin.
    fn parse(origin: &'a str) -> Option<Self> {
        let (scheme, authority) = origin.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
        {
            return None;
        }
        let (host, port) = split_authority(authority)?;
        Some(Self { scheme, host, port })
    }

    /// Whether this origin names `host` (a `Host` header value).
    fn is_host(&self, host: &str) -> bool {
        let Some((host, port)) = split_authority(host) else {
            return false;
        };
        let default_port = self.default_port();
        self.host.eq_ignore_ascii_case(host) && self.port.or(default_port) == port.or(default_port)
    }

    fn default_port(&self) -> Option<u16> {
        if self.scheme.eq_ignore_ascii_case("https") {
            Some(443)
        } else if self.scheme.eq_ignore_ascii_case("http") {
            Some(80)
        } else {
            None
        }
    }
}

/// `host` and `port` of `host[:port]` (an IPv6 host in brackets); `None` when it has a
/// path, user information, an empty host or a port that is not a number.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.contains(['/', '?', '#', '@', ' ', '\t']) {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        let (host, rest) = authority.split_at(end);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(port) if !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()) => {
            Some(port.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

#[cfg(test)]
// A failed expectation is how a test reports the failure.
#[allow(clippy::expect_used)]
mod tests {
    use super::{split_authority, Origin};

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(split_authority("example.com"), Some(("example.com", None)));
        assert_eq!(
            split_authority("example.com:8080"),
            Some(("example.com", Some(8080)))
        );
        assert_eq!(split_authority("[::1]:3000"), Some(("[::1]", Some(3000))));
        assert_eq!(split_authority("[::1]"), Some(("[::1]", None)));
    }

    #[test]
    fn malformed_authorities_are_refused() {
        for authority in [
            "",
            ":80",
            "example.com:",
            "example.com:http",
            "example.com:99999",
            "example.com/path",
            "user@example.com",
            "[::1",
            "[::1]x",
            "a b",
        ] {
            assert_eq!(split_authority(authority), None, "{authority:?}");
        }
    }

    #[test]
    fn null_and_malformed_origins_are_refused() {
        for origin in [
            "null",
            "",
            "example.com",
            "https://",
            "https://example.com/",
            "ht tp://x",
        ] {
            assert!(Origin::parse(origin).is_none(), "{origin:?}");
        }
    }

    #[test]
    fn default_ports_match_explicit_ones() {
        let origin = Origin::parse("https://Example.com").expect("an origin");
        assert!(origin.is_host("example.com"));
        assert!(origin.is_host("example.com:443"));
        assert!(!origin.is_host("example.com:80"));
        let origin = Origin::parse("http://example.com:80").expect("an origin");
        assert!(origin.is_host("EXAMPLE.COM"));
        assert!(!origin.is_host("example.com:8080"));
    }
}
