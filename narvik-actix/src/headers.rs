//! [`ActixHeaders`]: actix-web's header map as narvik-http's [`HeaderSource`].

use actix_web::http::header::{HeaderMap, HeaderValue};
use narvik_http::HeaderSource;

/// actix-web's [`HeaderMap`] (on `http` 0.2) read as a [`HeaderSource`], the whole
/// translation narvik-http's request logic needs; with it, an app reads cookies as
/// the middleware does:
///
/// ```
/// use actix_web::http::header::COOKIE;
/// use actix_web::test::TestRequest;
/// use narvik_actix::{find_cookie, ActixHeaders};
///
/// let request = TestRequest::default()
///     .insert_header((COOKIE, "theme=dark; narvik_session=abc"))
///     .to_http_request();
/// let headers = ActixHeaders::new(request.headers());
/// assert_eq!(find_cookie(&headers, "theme"), Some(&b"dark"[..]));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ActixHeaders<'a>(&'a HeaderMap);

impl<'a> ActixHeaders<'a> {
    /// The headers of `map`, as received.
    pub fn new(map: &'a HeaderMap) -> Self {
        Self(map)
    }
}

impl HeaderSource for ActixHeaders<'_> {
    fn header_values<'b>(&'b self, name: &'static str) -> impl Iterator<Item = &'b [u8]> + 'b {
        self.0.get_all(name).map(HeaderValue::as_bytes)
    }
}
